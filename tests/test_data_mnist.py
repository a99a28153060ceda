"""ganbook.data.mnist: the real MNIST files, the book's splits, IDX parsing and binarisation."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import struct

import numpy as np
import pytest

from ganbook import data
from ganbook.data import DataError, mnist

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
# SHA-256 of the bytes of binarized_test_images(), as ganbook.recipes computed it before the move to
# ganbook.data (seed 2015, numpy's PCG64 float32 draws): the book's likelihoods are measured on these.
BINARIZED_TEST_SHA256 = "893a0f845ff01ac3b126754b52ad1b169632aa734fe97a941917993efb9b117b"
BINARIZED_TEST_ONES = 1_038_968


# ------------------------------------------------------------------ the real data


def test_mnist_shapes_dtypes_ranges_and_counts(real_data):
    loaded = data.load_mnist()
    assert loaded.train.x.shape == (60_000, 28, 28) and loaded.test.x.shape == (10_000, 28, 28)
    assert loaded.train.x.dtype == np.float32 and loaded.train.y.dtype == np.uint8
    assert loaded.train.x.min() == 0.0 and loaded.train.x.max() == 1.0
    assert np.bincount(loaded.train.y).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(loaded.test.y).tolist() == MNIST_TEST_COUNTS
    assert loaded.validation is None


def test_mnist_validation_split_is_the_last_ten_thousand(real_data):
    full = data.load_mnist()
    split = data.load_mnist(validation=True)
    assert len(split.train) == 50_000 and len(split.validation) == 10_000
    np.testing.assert_array_equal(split.validation.x, full.train.x[50_000:])
    np.testing.assert_array_equal(split.train.y, full.train.y[:50_000])


def test_loading_from_a_data_dir_writes_nothing_there(real_data, private_cache):
    data.load_mnist()
    assert not (private_cache / "downloads").exists()


def test_copy_of_real_data_in_writable_dir_loads(real_data, tmp_path, monkeypatch):
    """A data dir copied elsewhere gives the same arrays (paths are not baked in)."""
    shutil.copytree(real_data / "mnist", tmp_path / "mnist")
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    assert np.bincount(data.load_mnist().test.y).tolist() == MNIST_TEST_COUNTS


def test_binarized_test_images_are_the_fixed_binary_draw_of_the_test_set(real_data):
    first = data.binarized_test_images()
    assert first.shape == (10_000, 784) and first.dtype == np.float32
    assert set(np.unique(first).tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(first, data.binarized_test_images())  # deterministic
    # the draw of the old ganbook.recipes implementation, bit for bit
    assert int(first.sum()) == BINARIZED_TEST_ONES
    assert hashlib.sha256(first.tobytes()).hexdigest() == BINARIZED_TEST_SHA256


def test_mnist_fingerprint_follows_the_file_hashes(monkeypatch):
    before = data.mnist_fingerprint()
    assert re.fullmatch("[0-9a-f]{16}", before)
    changed = {**mnist.MNIST_FILES, "t10k-labels-idx1-ubyte.gz": "0" * 64}
    monkeypatch.setattr(mnist, "MNIST_FILES", changed)
    assert data.mnist_fingerprint() != before


# ------------------------------------------------------------------ small arrays


def test_flatten_keeps_each_image_as_one_row():
    images = np.arange(2 * 28 * 28, dtype=np.float32).reshape(2, 28, 28)
    flat = data.flatten(images)
    assert flat.shape == (2, 784)
    np.testing.assert_array_equal(flat[1], images[1].ravel())


def test_binarize_is_bernoulli_with_the_pixel_as_probability():
    rng = np.random.default_rng(0)
    images = np.full((20_000, 4), 0.25, dtype=np.float32)
    binary = data.binarize(images, rng)
    assert set(np.unique(binary)) <= {0.0, 1.0}
    assert abs(binary.mean() - 0.25) < 0.01
    with pytest.raises(ValueError, match="divide uint8 images by 255"):
        data.binarize(images * 255, rng)


# ------------------------------------------------------------------ IDX files and bad input


def _write_idx(path, magic, shape, payload: bytes):
    with gzip.open(path, "wb") as handle:
        handle.write(struct.pack(">I", magic) + struct.pack(f">{len(shape)}I", *shape) + payload)


def test_read_idx_parses_a_small_file(tmp_path):
    path = tmp_path / "tiny.gz"
    _write_idx(path, data.IDX_IMAGES_MAGIC, (2, 2, 2), bytes(range(8)))
    array = data.read_idx(path, data.IDX_IMAGES_MAGIC, (2, 2, 2))
    assert array.tolist() == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]


def test_truncated_gzip_is_reported(tmp_path):
    path = tmp_path / "tiny.gz"
    _write_idx(path, data.IDX_IMAGES_MAGIC, (4, 28, 28), bytes(4 * 784))
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(DataError, match="truncated or corrupt"):
        data.read_idx(path, data.IDX_IMAGES_MAGIC, (4, 28, 28))


def test_wrong_magic_number_is_reported(tmp_path):
    path = tmp_path / "labels.gz"
    _write_idx(path, data.IDX_LABELS_MAGIC, (3,), bytes(3))
    with pytest.raises(DataError, match="magic number 0x00000801, expected 0x00000803"):
        data.read_idx(path, data.IDX_IMAGES_MAGIC, (3,))


def test_wrong_size_is_reported(tmp_path):
    path = tmp_path / "labels.gz"
    _write_idx(path, data.IDX_LABELS_MAGIC, (3,), bytes(2))
    with pytest.raises(DataError, match="expected 11"):
        data.read_idx(path, data.IDX_LABELS_MAGIC, (3,))


def test_missing_idx_file_is_reported(tmp_path):
    with pytest.raises(DataError, match="does not exist; set GANBOOK_DATA_DIR"):
        data.read_idx(tmp_path / "absent.gz", data.IDX_LABELS_MAGIC, (3,))


def _data_dir_with_mnist_names(tmp_path):
    (tmp_path / "mnist").mkdir()
    for name in data.MNIST_FILES:
        _write_idx(tmp_path / "mnist" / name, data.IDX_LABELS_MAGIC, (1,), b"\0")
    return tmp_path / "mnist" / "train-images-idx3-ubyte.gz"  # the first file load_mnist reads


def test_checksum_mismatch_in_data_dir_is_reported_and_nothing_written(tmp_path, monkeypatch, private_cache):
    _data_dir_with_mnist_names(tmp_path)
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="checksum mismatch for .*train-images-idx3-ubyte.gz"):
        data.load_mnist()
    assert not any(private_cache.rglob("*"))


def test_missing_data_without_network_names_the_fix(tmp_path, monkeypatch, private_cache):
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))  # empty folder
    monkeypatch.setattr(mnist, "MNIST_MIRRORS", ("http://127.0.0.1:9/",))  # nothing listens on port 9
    with pytest.raises(DataError, match="set GANBOOK_DATA_DIR"):
        data.load_mnist()
    assert not [p for p in private_cache.rglob("*") if p.is_file()]


RUNS_AS_ROOT = not hasattr(os, "geteuid") or os.geteuid() == 0  # (no geteuid: Windows, where chmod 0 is moot)


@pytest.mark.skipif(RUNS_AS_ROOT, reason="root reads files without permission")
def test_unreadable_data_file_is_named_with_real_permissions(tmp_path, monkeypatch):
    denied = _data_dir_with_mnist_names(tmp_path)
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    denied.chmod(0)
    try:
        with pytest.raises(DataError, match=f"cannot read {re.escape(str(denied))}: permission denied"):
            data.load_mnist()
    finally:
        denied.chmod(0o644)
