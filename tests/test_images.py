"""Image data: the shipped CIFAR-10 minibatches, official-format readers, normalisation, errors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from suite.data import images
from suite.errors import CorruptRecord, SourceFormatError, UnsafePickle

from extras import needs_extra


def test_shipped_minibatch_is_balanced_and_traceable(shared_data):
    """640 training images, 64 per class, each equal to its decoded JPEG in ../shared/data."""
    shipped = images.load_images()
    assert len(shipped) == 640 and shipped.images.shape == (640, 32, 32, 3) and shipped.images.dtype == np.uint8
    assert np.bincount(shipped.labels, minlength=10).tolist() == [64] * 10
    assert shipped.lossy and "JPEG" in shipped.source
    with np.load(images.SHIPPED) as z:
        index = z["source_index"]
    with np.load(shared_data / "cifar10" / "cifar10_train_50k_jpeg_bytes.npz") as z:
        data, offsets, labels = z["jpeg_bytes"], z["offsets"], z["labels"]
    for k in (0, 1, 639):
        i = int(index[k])
        decoded = images.decode_jpegs(data, offsets[[i, i + 1]])[0]
        np.testing.assert_array_equal(decoded, shipped.images[k])
        assert labels[i] == shipped.labels[k]


def test_minibatches_are_consecutive_and_bounded():
    shipped = images.load_images()
    x0, y0 = images.minibatch(shipped, 128, index=0)
    x4, _ = images.minibatch(shipped, 128, index=4)
    np.testing.assert_array_equal(x0, shipped.images[:128])
    np.testing.assert_array_equal(x4, shipped.images[512:640])
    with pytest.raises(SourceFormatError, match="needs 768 images"):
        images.minibatch(shipped, 128, index=5)


@pytest.mark.needs_torch
def test_normalisation_matches_nb201_statistics():
    torch = needs_extra("torch")
    x = np.zeros((1, 2, 2, 3), dtype=np.uint8)
    x[..., 0] = 125  # ~ the CIFAR-10 red mean 125.3
    t = images.to_tensor(x, "cifar10")
    assert t.shape == (1, 3, 2, 2) and t.dtype == torch.float32
    assert t[0, 0, 0, 0].item() == pytest.approx((125 - 125.3) / 63.0, abs=1e-5)
    assert t[0, 2, 0, 0].item() == pytest.approx(-113.9 / 66.7, abs=1e-5)


def _records(n: int, head: int, rng: np.random.Generator) -> tuple[bytes, np.ndarray, np.ndarray]:
    labels = rng.integers(0, 10, n)
    pixels = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    rows = [bytes([0] * (head - 1) + [int(l)]) + p.tobytes() for l, p in zip(labels, pixels)]
    return b"".join(rows), labels, pixels.transpose(0, 2, 3, 1)


def test_cifar10_binary_version(tmp_path):
    rng = np.random.default_rng(0)
    base = tmp_path / "cifar-10-batches-bin"
    base.mkdir()
    expected = []
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        raw, labels, pix = _records(4, 1, rng)
        (base / name).write_bytes(raw)
        expected.append((labels, pix))
    train = images.load_images("cifar10", split="train", root=tmp_path)
    assert len(train) == 20
    np.testing.assert_array_equal(train.images[4:8], expected[1][1])
    test = images.load_images("cifar10", split="test", root=tmp_path)
    np.testing.assert_array_equal(test.labels, expected[5][0])
    (base / "test_batch.bin").write_bytes(raw[:-5])
    with pytest.raises(CorruptRecord, match="not a multiple"):
        images.load_images("cifar10", split="test", root=tmp_path)


def test_cifar100_python_version_uses_fine_labels(tmp_path):
    base = tmp_path / "cifar-100-python"
    base.mkdir()
    data = np.arange(2 * 3072, dtype=np.int64).astype(np.uint8).reshape(2, 3072)
    batch = {b"data": data, b"fine_labels": [99, 3], b"coarse_labels": [19, 0]}
    (base / "train").write_bytes(pickle.dumps(batch, protocol=2))
    got = images.load_images("cifar100", split="train", root=tmp_path)
    assert got.labels.tolist() == [99, 3]
    np.testing.assert_array_equal(got.images[1, :, :, 0].ravel(), data[1, :1024])


def test_imagenet16_keeps_120_classes(tmp_path):
    for i in range(1, 11):
        batch = {"data": np.full((2, 768), i, dtype=np.uint8), "labels": [1, 121 if i % 2 else 120]}
        (tmp_path / f"train_data_batch_{i}").write_bytes(pickle.dumps(batch))
    got = images.load_images("ImageNet16-120", split="train", root=tmp_path)
    assert got.images.shape == (15, 16, 16, 3)
    assert set(got.labels.tolist()) == {0, 119}


def test_pickled_code_is_refused(tmp_path):
    base = tmp_path / "cifar-10-batches-py"
    base.mkdir()
    for i in range(1, 6):
        (base / f"data_batch_{i}").write_bytes(pickle.dumps({"data": np.zeros((1, 3072), np.uint8), "labels": [0]}))
    (base / "data_batch_3").write_bytes(pickle.dumps(print))
    with pytest.raises(UnsafePickle, match="refused"):
        images.load_images("cifar10", root=tmp_path)


def test_clear_errors(tmp_path):
    with pytest.raises(SourceFormatError, match="does not exist"):
        images.load_images("cifar10", root=tmp_path / "nope")
    with pytest.raises(SourceFormatError, match="only CIFAR-10 training"):
        images.load_images("cifar100")
    with pytest.raises(SourceFormatError, match="no cifar10 train files"):
        images.load_images("cifar10", root=tmp_path)
    bad = tmp_path / "bad.npz"
    np.savez(bad, images=np.zeros((2, 32, 32, 3), np.float32), labels=np.zeros(2))
    with pytest.raises(SourceFormatError, match="uint8"):
        images.load_images("cifar10", root=bad)
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(CorruptRecord, match="not a readable"):
        images.load_images("cifar10", root=tmp_path / "broken.npz")
