"""Image data for zero-cost proxies and re-training: CIFAR-10/100 and ImageNet16-120 as uint8 arrays.

Why one module: proxies need one real minibatch, verification needs the whole training split, and
both must read the same formats the same way, with the benchmark's own normalisation.

Sources, in the order :func:`load_images` tries them:

* nothing given: the CIFAR-10 minibatch file shipped in ``data/images/`` (:data:`SHIPPED`), 640
  *training* images, 64 per class, decoded from the JPEG copy of CIFAR-10 in ``../shared/data``
  (quality 75: mean absolute pixel error 6.2 against the originals). Its provenance (source file
  sha256, the source index of every image) is inside the file; ``scripts/build_embedded.py``
  rebuilds it byte for byte.
* a ``.npz`` file: either the JPEG layout of ``../shared/data/cifar10/`` (``jpeg_bytes``,
  ``offsets``, ``labels``; decoded with Pillow) or plain arrays ``images`` (N, H, W, 3) uint8 and
  ``labels``;
* a directory holding an official copy: ``cifar-10-batches-bin`` / ``cifar-100-binary`` (the
  binary versions), ``cifar-10-batches-py`` / ``cifar-100-python`` (the pickled versions, read
  with the restricted unpickler: numeric arrays and lists only), or the downsampled ImageNet
  16x16 batches (``train_data_batch_1..10``, ``val_data``; Chrabaszcz et al. 2017) from which
  ImageNet16-120 keeps classes 1..120 as NAS-Bench-201 does.

Images are kept as uint8 ``(N, H, W, 3)``; :func:`to_tensor` normalises with the benchmark's
statistics (:data:`NORMALISATION`, NAS-Bench-201's data code) on whatever device it is given.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_output
from ..errors import CorruptRecord, SourceFormatError
from .paths import EMBEDDED_DIR

#: the CIFAR-10 minibatches that ship with the package
SHIPPED = EMBEDDED_DIR / "images" / "cifar10_train_640.npz"

#: per-channel (mean, std) on the 0-1 scale, as NAS-Bench-201 normalises each dataset
NORMALISATION: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "cifar10": ((125.3 / 255, 123.0 / 255, 113.9 / 255), (63.0 / 255, 62.1 / 255, 66.7 / 255)),
    "cifar100": ((129.3 / 255, 124.1 / 255, 112.4 / 255), (68.2 / 255, 65.4 / 255, 70.4 / 255)),
    "ImageNet16-120": ((122.68 / 255, 116.66 / 255, 104.01 / 255), (63.22 / 255, 61.26 / 255, 65.09 / 255)),
}

#: number of classes per dataset
CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}


@dataclass(frozen=True)
class ImageSet:
    """Images ``(N, H, W, 3)`` uint8 with labels ``(N,)`` int64 in ``0..classes-1``.

    ``source`` says where they came from (printed into every result that uses them) and
    ``lossy`` whether they went through JPEG compression on the way.
    """

    images: np.ndarray
    labels: np.ndarray
    dataset: str
    split: str
    source: str
    lossy: bool

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: np.ndarray) -> "ImageSet":
        """The images at ``index`` (same provenance)."""
        return ImageSet(self.images[index], self.labels[index], self.dataset, self.split, self.source, self.lossy)


def load_images(dataset: str = "cifar10", *, split: str = "train", root: str | os.PathLike[str] | None = None) -> ImageSet:
    """Images of ``dataset``'s ``split`` ("train" or "test") from ``root`` (see module docstring)."""
    if dataset not in CLASSES:
        raise SourceFormatError(f"unknown image dataset {dataset!r}; known: {', '.join(CLASSES)}")
    if split not in ("train", "test"):
        raise SourceFormatError(f"split must be 'train' or 'test', got {split!r}")
    if root is None:
        if dataset != "cifar10" or split != "train":
            raise SourceFormatError(
                f"only CIFAR-10 training minibatches ship with nas-suite; for {dataset}/{split} pass "
                "--data-root (a local copy: see suite/data/images.py for the formats read)"
            )
        return _read_npz(SHIPPED, dataset, split)
    path = Path(root)
    if not path.exists():
        raise SourceFormatError(f"image data {path} does not exist; give a CIFAR/ImageNet16 directory or an .npz file")
    if path.is_file():
        return _read_npz(path, dataset, split)
    return _read_directory(path, dataset, split)


def to_tensor(images: np.ndarray, dataset: str, device: Any = "cpu") -> Any:
    """uint8 ``(N, H, W, 3)`` -> normalised float32 ``(N, 3, H, W)`` torch tensor on ``device``."""
    import torch

    mean, std = NORMALISATION[dataset]
    x = torch.as_tensor(np.ascontiguousarray(images), device=device).permute(0, 3, 1, 2).float().div_(255.0)
    m = torch.tensor(mean, device=device).view(1, 3, 1, 1)
    s = torch.tensor(std, device=device).view(1, 3, 1, 1)
    return (x - m) / s


def minibatch(images: ImageSet, batch_size: int = 128, *, index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The ``index``-th consecutive batch of ``batch_size`` images (uint8, labels).

    Consecutive, not sampled: the shipped file is already in a seeded random order, so batch 0 is
    the same 128 images on every machine.
    """
    start = index * batch_size
    if batch_size < 1 or start + batch_size > len(images):
        raise SourceFormatError(
            f"batch {index} of size {batch_size} needs {start + batch_size} images; {images.source} has {len(images)}"
        )
    return images.images[start : start + batch_size], images.labels[start : start + batch_size]


# -- readers ---------------------------------------------------------------------------------------


def _read_npz(path: Path, dataset: str, split: str) -> ImageSet:
    import zipfile

    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise CorruptRecord(f"{path} is not a readable .npz ({err})") from None
    labels = arrays.get("labels")
    if labels is None:
        raise SourceFormatError(f"{path} has no 'labels' array; expected 'images'+'labels' or 'jpeg_bytes'+'offsets'+'labels'")
    if "jpeg_bytes" in arrays and "offsets" in arrays:
        images = decode_jpegs(arrays["jpeg_bytes"], arrays["offsets"], source=str(path))
        return _checked(ImageSet(images, labels.astype(np.int64), dataset, split, f"{path.name} (JPEG)", True))
    if "images" not in arrays:
        raise SourceFormatError(f"{path} has neither 'images' nor 'jpeg_bytes'+'offsets'")
    source = str(arrays["source"]) if "source" in arrays else path.name
    lossy = bool(arrays["lossy"]) if "lossy" in arrays else False
    return _checked(ImageSet(arrays["images"], labels.astype(np.int64), dataset, split, source, lossy))


def decode_jpegs(data: np.ndarray, offsets: np.ndarray, *, source: str = "<jpeg>") -> np.ndarray:
    """Decode concatenated JPEG files (file i = ``data[offsets[i]:offsets[i+1]]``) to uint8 RGB."""
    from PIL import Image

    raw = data.tobytes()
    out: list[np.ndarray] = []
    for i in range(len(offsets) - 1):
        try:
            with Image.open(io.BytesIO(raw[offsets[i] : offsets[i + 1]])) as img:
                out.append(np.asarray(img.convert("RGB")))
        except OSError as err:
            raise CorruptRecord(f"image {i} of {source} is not a decodable JPEG ({err})") from None
    return np.stack(out)


def _checked(images: ImageSet) -> ImageSet:
    x = images.images
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[-1] != 3:
        raise SourceFormatError(f"{images.source}: images must be uint8 (N, H, W, 3), got {x.dtype} {x.shape}")
    if len(x) != len(images.labels):
        raise SourceFormatError(f"{images.source}: {len(x)} images but {len(images.labels)} labels")
    n = CLASSES[images.dataset]
    if len(images.labels) and (images.labels.min() < 0 or images.labels.max() >= n):
        raise SourceFormatError(f"{images.source}: labels outside 0..{n - 1} for {images.dataset}")
    return images


def _read_directory(path: Path, dataset: str, split: str) -> ImageSet:
    readers = {
        "cifar10": [("cifar-10-batches-bin", _cifar_binary), ("cifar-10-batches-py", _cifar_python)],
        "cifar100": [("cifar-100-binary", _cifar_binary), ("cifar-100-python", _cifar_python)],
        "ImageNet16-120": [("", _imagenet16)],
    }[dataset]
    for sub, reader in readers:
        for base in (path / sub, path) if sub else (path,):
            if base.is_dir():
                found = reader(base, dataset, split)
                if found is not None:
                    return _checked(found)
    raise SourceFormatError(
        f"no {dataset} {split} files under {path}: expected the official binary or python version "
        f"(e.g. cifar-10-batches-bin/data_batch_1.bin) or, for ImageNet16-120, train_data_batch_1..10 / val_data"
    )


def _cifar_binary(base: Path, dataset: str, split: str) -> ImageSet | None:
    if dataset == "cifar10":
        names = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
        head = 1
    else:
        names = ["train.bin" if split == "train" else "test.bin"]
        head = 2  # coarse label, fine label
    files = [base / n for n in names]
    if not all(f.is_file() for f in files):
        return None
    blocks = []
    for f in files:
        raw = np.fromfile(f, dtype=np.uint8)
        if raw.size % (head + 3072):
            raise CorruptRecord(f"{f} is {raw.size} bytes, not a multiple of the {head + 3072}-byte record; re-download it")
        blocks.append(raw.reshape(-1, head + 3072))
    rec = np.concatenate(blocks)
    images = rec[:, head:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return ImageSet(np.ascontiguousarray(images), rec[:, head - 1].astype(np.int64), dataset, split, str(base), False)


def _load_batch(f: Path) -> dict[str, Any]:
    from .safe_pickle import load_pickle

    with open(f, "rb") as handle:
        out = load_pickle(handle, source=str(f), arrays=True)
    if not isinstance(out, dict):
        raise SourceFormatError(f"{f} does not hold a dict of arrays")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in out.items()}


def _cifar_python(base: Path, dataset: str, split: str) -> ImageSet | None:
    if dataset == "cifar10":
        names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        return _pickled(base, names, "labels", 32, dataset, split)
    return _pickled(base, ["train" if split == "train" else "test"], "fine_labels", 32, dataset, split)


def _imagenet16(base: Path, dataset: str, split: str) -> ImageSet | None:
    names = [f"train_data_batch_{i}" for i in range(1, 11)] if split == "train" else ["val_data"]
    found = _pickled(base, names, "labels", 16, dataset, split)
    if found is None:
        return None
    keep = (found.labels >= 1) & (found.labels <= 120)  # ImageNet16-120: the first 120 classes (1-based labels)
    return ImageSet(found.images[keep], found.labels[keep] - 1, dataset, split, found.source, False)


def _pickled(base: Path, names: list[str], label_key: str, size: int, dataset: str, split: str) -> ImageSet | None:
    """Batches of the python versions: dicts with ``data`` (N, 3*size*size) uint8, channel planes
    first, and a label list; None when any file is missing."""
    files = [base / n for n in names]
    if not all(f.is_file() for f in files):
        return None
    data, labels = [], []
    for f in files:
        batch = _load_batch(f)
        data.append(np.asarray(batch["data"], dtype=np.uint8))
        labels.append(np.asarray(batch[label_key], dtype=np.int64))
    images = np.concatenate(data).reshape(-1, 3, size, size).transpose(0, 2, 3, 1)
    return ImageSet(np.ascontiguousarray(images), np.concatenate(labels), dataset, split, str(base), False)


# -- the shipped minibatch file ------------------------------------------------------------------


def build_minibatch_file(jpeg_npz: str | os.PathLike[str], out: str | os.PathLike[str], *,
                         per_class: int = 64, seed: int = 0) -> Path:
    """Write :data:`SHIPPED`: ``per_class`` training images of each class, decoded, in seeded order.

    Reproducible byte for byte (fixed seed, zip entries without timestamps). The file records the
    source's sha256 and each image's index in it, so anyone can check it against the JPEG copy.
    """
    from .cache import sha256_file

    src = Path(jpeg_npz)
    with np.load(src, allow_pickle=False) as z:
        data, offsets, labels = z["jpeg_bytes"], z["offsets"], z["labels"].astype(np.int64)
        paths = z["source_paths"] if "source_paths" in z.files else None
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
                             for c in range(int(labels.max()) + 1)])
    chosen = chosen[rng.permutation(len(chosen))]
    images = np.stack([decode_jpegs(data, offsets[[i, i + 1]], source=str(src))[0] for i in chosen])
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as tmp, open(tmp, "xb") as handle:  # a handle: numpy appends no ".npz"
        np.savez_compressed(
            handle,
            images=images,
            labels=labels[chosen],
            source_index=chosen.astype(np.int64),
            source_paths=np.asarray(paths[chosen] if paths is not None else [], dtype=str),
            source=np.asarray(f"{src.name} (sha256 {sha256_file(src)[:16]}...), CIFAR-10 training split, JPEG quality 75, "
                              f"{per_class} images per class, seed {seed}"),
            lossy=np.asarray(True),
        )
    return target
