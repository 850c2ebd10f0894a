"""Training data for re-training: decoded once, kept on the device, augmented there in batches.

"Fast on a GPU, correct on a CPU": the images are decoded once into uint8 ``(N, H, W, 3)`` and
copied to the device *already zero-padded* for the random crop, ``(N, H + 2p, W + 2p, 3)``
(CIFAR-10: 50,000 x 40 x 40 x 3 = 240 MB). Each batch is then one gather: the random crop and the
horizontal flip are index arithmetic (row ``oy + i``, column ``ox + j`` or ``ox + W - 1 - j`` for a
flipped image) applied to the whole batch at once, followed by one fused normalisation. No Python
work per image, no worker processes, no host-to-device copy of pixels after the first.

Randomness: per epoch, one permutation of the dataset (shuffling) and per image a crop offset
``(oy, ox)`` in ``0..2p`` and a flip bit are drawn from a CPU ``torch.Generator`` seeded from
the run's seed, in one call each, and copied to the device (about 1 MB for CIFAR-10). The batch
sequence is therefore a function of the seed only - identical on CPU and CUDA - and no global
RNG is touched. Same distribution as torchvision's ``RandomCrop(32, padding=4)`` +
``RandomHorizontalFlip()`` (NB-201) and nasbench's pad/crop/flip (NB-101); crop and flip commute.

Batches are ``(x, y)``: ``x`` float32 ``(B, 3, H, W)``, normalised with the protocol's mean/std,
in ``channels_last`` memory format when asked (the gather produces NHWC, so that is free), else
contiguous NCHW; ``y`` int64 ``(B,)``.

Loading: :func:`load_split` reads the formats of :func:`suite.data.images.load_images` and, for the
JPEG ``.npz`` copies of CIFAR-10 (``../shared/data/cifar10``), decodes only the images asked for,
so a 512-image smoke run does not decode 60,000 files. :func:`balanced_subset` picks class-balanced
subsets (the JPEG files are stored class by class, so a prefix would be a single class).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch

from ..data.images import CLASSES, NORMALISATION, ImageSet, decode_jpegs, load_images
from ..errors import SourceFormatError

__all__ = ["DeviceDataset", "DeviceLoader", "load_split", "balanced_subset", "normalisation_for"]


def normalisation_for(protocol_normalisation: Sequence | None, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, std)`` float64 ``(3,)`` on the 0-1 scale: the protocol's (given on 0-255) or NB-201's."""
    if protocol_normalisation is None:
        mean, std = NORMALISATION[dataset]
        return np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    mean, std = protocol_normalisation
    return np.asarray(mean, dtype=np.float64) / 255.0, np.asarray(std, dtype=np.float64) / 255.0


def balanced_subset(labels: np.ndarray, n: int, *, rng: np.random.Generator | None = None,
                    among: np.ndarray | None = None) -> np.ndarray:
    """Sorted indices of ``n`` images, as equal per class as possible (the first ``n % classes``
    classes get one more). ``rng`` None takes each class's first images in stored order (for the
    JPEG test file: the official test order within a class); else a uniform draw without
    replacement. ``among`` restricts the choice to those indices."""
    labels = np.asarray(labels)
    pool = np.arange(len(labels)) if among is None else np.sort(np.asarray(among, dtype=np.int64))
    classes = np.unique(labels[pool])
    if n < 1 or n > len(pool):
        raise SourceFormatError(f"cannot take {n} images from {len(pool)}")
    base, extra = divmod(n, len(classes))
    out = []
    for k, c in enumerate(classes):
        members = pool[labels[pool] == c]
        want = base + (1 if k < extra else 0)
        if want > len(members):
            raise SourceFormatError(f"class {c} has {len(members)} images, a balanced subset of {n} needs {want}")
        out.append(members[:want] if rng is None else rng.choice(members, want, replace=False))
    return np.sort(np.concatenate(out)).astype(np.int64)


def load_split(dataset: str, split: str, root: str | os.PathLike[str], *, index: np.ndarray | None = None) -> ImageSet:
    """Images of ``split`` from ``root`` (any format :func:`suite.data.images.load_images` reads),
    restricted to ``index`` if given; a JPEG ``.npz`` decodes only those files."""
    path = Path(root)
    if path.is_file() and path.suffix == ".npz" and index is not None:
        with np.load(path, allow_pickle=False) as z:
            if "jpeg_bytes" in z.files and "offsets" in z.files:
                data, offsets, labels = z["jpeg_bytes"], z["offsets"], z["labels"].astype(np.int64)
                index = np.asarray(index, dtype=np.int64)
                if len(index) and (index.min() < 0 or index.max() >= len(labels)):
                    raise SourceFormatError(f"{path} has {len(labels)} images; asked for index {int(index.max())}")
                starts, ends = offsets[index], offsets[index + 1]
                packed = np.concatenate([data[s:e] for s, e in zip(starts, ends)]) if len(index) else data[:0]
                new_offsets = np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int64)
                images = decode_jpegs(packed, new_offsets, source=str(path))
                n_classes = CLASSES[dataset]
                if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
                    raise SourceFormatError(f"{path}: labels outside 0..{n_classes - 1} for {dataset}")
                return ImageSet(images, labels[index], dataset, split, f"{path.name} (JPEG)", True)
    full = load_images(dataset, split=split, root=path)
    return full if index is None else full.subset(np.asarray(index, dtype=np.int64))


def split_labels(root: str | os.PathLike[str], dataset: str, split: str) -> np.ndarray:
    """Labels of a split without decoding images where the format allows it (JPEG ``.npz``)."""
    path = Path(root)
    if path.is_file() and path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            if "labels" in z.files and "jpeg_bytes" in z.files:
                return z["labels"].astype(np.int64)
    return load_images(dataset, split=split, root=path).labels


class DeviceDataset:
    """uint8 images resident on ``device``, zero-padded by ``padding`` for random crops.

    Args:
        images: uint8 ``(N, H, W, 3)``.
        labels: int ``(N,)``.
        mean, std: per-channel statistics on the 0-1 scale, ``(3,)``.
        device: where the data lives and batches are made.
        padding: pixels of zero padding on each side (0: no random crop possible).
        source, lossy: provenance of the images (:class:`~suite.data.images.ImageSet`), carried along.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, *, mean: Sequence[float], std: Sequence[float],
                 device: str | torch.device = "cpu", padding: int = 0, source: str = "<arrays>",
                 lossy: bool = False) -> None:
        images = np.asarray(images)
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
            raise SourceFormatError(f"images must be uint8 (N, H, W, 3), got {images.dtype} {images.shape}")
        if len(images) != len(labels):
            raise SourceFormatError(f"{len(images)} images but {len(labels)} labels")
        self.device = torch.device(device)
        self.source, self.lossy = source, bool(lossy)
        self.padding = int(padding)
        self.height, self.width = int(images.shape[1]), int(images.shape[2])
        if self.padding:
            p = self.padding
            images = np.pad(images, ((0, 0), (p, p), (p, p), (0, 0)))  # zeros, as torchvision's RandomCrop
        #: uint8 ``(N, H + 2p, W + 2p, 3)`` on the device
        self.data = torch.from_numpy(np.ascontiguousarray(images)).to(self.device)
        #: int64 ``(N,)`` on the device
        self.labels = torch.as_tensor(np.asarray(labels, dtype=np.int64), device=self.device)
        std_t = torch.as_tensor(np.asarray(std, dtype=np.float64), dtype=torch.float32, device=self.device)
        mean_t = torch.as_tensor(np.asarray(mean, dtype=np.float64), dtype=torch.float32, device=self.device)
        # x_norm = (u8 / 255 - mean) / std = u8 * scale + shift
        self._scale = 1.0 / (255.0 * std_t)
        self._shift = -mean_t / std_t
        self._rows = torch.arange(self.height, device=self.device)
        self._cols = torch.arange(self.width, device=self.device)

    @classmethod
    def from_imageset(cls, images: ImageSet, *, mean: Sequence[float], std: Sequence[float],
                      device: str | torch.device = "cpu", padding: int = 0) -> "DeviceDataset":
        return cls(images.images, images.labels, mean=mean, std=std, device=device, padding=padding,
                   source=images.source, lossy=images.lossy)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def gather(self, index: torch.Tensor, oy: torch.Tensor | None = None, ox: torch.Tensor | None = None,
               flip: torch.Tensor | None = None) -> torch.Tensor:
        """uint8 ``(B, H, W, 3)``: image ``index[b]`` cropped at ``(oy[b], ox[b])`` of the padded
        image (default: the centre, i.e. the original) and mirrored left-right where ``flip[b]``."""
        p = self.padding
        b = index.shape[0]
        oy = torch.full((b,), p, device=self.device, dtype=torch.long) if oy is None else oy
        ox = torch.full((b,), p, device=self.device, dtype=torch.long) if ox is None else ox
        rows = oy[:, None] + self._rows[None, :]                       # (B, H)
        cols = self._cols[None, :].expand(b, -1)                       # (B, W)
        if flip is not None:
            cols = torch.where(flip[:, None], (self.width - 1) - cols, cols)
        cols = ox[:, None] + cols
        return self.data[index[:, None, None], rows[:, :, None], cols[:, None, :]]

    def normalise(self, pixels: torch.Tensor, *, channels_last: bool) -> torch.Tensor:
        """uint8 ``(B, H, W, 3)`` -> normalised float32 ``(B, 3, H, W)`` (channels_last memory or contiguous)."""
        x = torch.addcmul(self._shift, pixels.to(torch.float32), self._scale).permute(0, 3, 1, 2)
        return x if channels_last else x.contiguous()


class DeviceLoader:
    """Epoch iterator over a :class:`DeviceDataset`; each ``iter()`` is one epoch.

    Args:
        data: the dataset.
        batch_size: images per batch.
        shuffle: a fresh permutation per epoch (needs ``generator``).
        augment: random crop (within the dataset's padding) and horizontal flip (needs ``generator``).
        flip: whether augmentation includes the flip.
        drop_last: drop the final partial batch.
        generator: CPU ``torch.Generator``; all randomness comes from it (see the module docstring).
        channels_last: memory format of the yielded batches.
    """

    def __init__(self, data: DeviceDataset, batch_size: int, *, shuffle: bool = False, augment: bool = False,
                 flip: bool = True, drop_last: bool = False, generator: torch.Generator | None = None,
                 channels_last: bool = False) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if (shuffle or augment) and generator is None:
            raise ValueError("shuffling or augmenting needs a torch.Generator (seeded from the run seed)")
        if generator is not None and generator.device.type != "cpu":
            raise ValueError("the generator must be a CPU generator (batches must not depend on the device)")
        self.data, self.batch_size = data, int(batch_size)
        self.shuffle, self.augment, self.flip, self.drop_last = shuffle, augment, flip, drop_last
        self.generator, self.channels_last = generator, channels_last

    def __len__(self) -> int:
        n = len(self.data)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        data, n, g = self.data, len(self.data), self.generator
        device = data.device
        order = torch.randperm(n, generator=g) if self.shuffle else torch.arange(n)
        oy = ox = flip = None
        if self.augment:
            span = 2 * data.padding + 1
            oy = torch.randint(0, span, (n,), generator=g).to(device, non_blocking=True)
            ox = torch.randint(0, span, (n,), generator=g).to(device, non_blocking=True)
            if self.flip:
                flip = torch.randint(0, 2, (n,), generator=g).bool().to(device, non_blocking=True)
        order = order.to(device, non_blocking=True)
        for b in range(len(self)):
            sl = slice(b * self.batch_size, min(n, (b + 1) * self.batch_size))
            idx = order[sl]
            pixels = data.gather(idx, None if oy is None else oy[sl], None if ox is None else ox[sl],
                                 None if flip is None else flip[sl])
            yield data.normalise(pixels, channels_last=self.channels_last), data.labels[idx]
