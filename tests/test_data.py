"""ganbook.data: the real loaders against the shared data, and every kind of bad input."""

from __future__ import annotations

import gzip
import shutil
import struct
import zipfile

import numpy as np
import pytest

from ganbook import data
from ganbook.data import DataError

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# ------------------------------------------------------------------ the real data


def test_mnist_shapes_dtypes_ranges_and_counts(real_data):
    mnist = data.load_mnist()
    assert mnist.train.x.shape == (60_000, 28, 28) and mnist.test.x.shape == (10_000, 28, 28)
    assert mnist.train.x.dtype == np.float32 and mnist.train.y.dtype == np.uint8
    assert mnist.train.x.min() == 0.0 and mnist.train.x.max() == 1.0
    assert np.bincount(mnist.train.y).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(mnist.test.y).tolist() == MNIST_TEST_COUNTS
    assert mnist.validation is None


def test_mnist_validation_split_is_the_last_ten_thousand(real_data):
    full = data.load_mnist()
    split = data.load_mnist(validation=True)
    assert len(split.train) == 50_000 and len(split.validation) == 10_000
    np.testing.assert_array_equal(split.validation.x, full.train.x[50_000:])
    np.testing.assert_array_equal(split.train.y, full.train.y[:50_000])


def test_loading_from_a_data_dir_writes_nothing_there(real_data, private_cache):
    data.load_mnist()
    assert not (private_cache / "downloads").exists()


def test_cats_dogs_counts_shapes_and_deterministic_downscale(real_data, shared_cache, monkeypatch):
    monkeypatch.setenv("GANBOOK_CACHE_DIR", str(shared_cache))
    first = data.load_cats_dogs(32)
    assert first.train.x.shape == (2000, 32, 32, 3) and first.validation.x.shape == (1000, 32, 32, 3)
    assert first.train.x.dtype == np.uint8
    assert np.bincount(first.train.y).tolist() == [1000, 1000]
    assert np.bincount(first.validation.y).tolist() == [500, 500]
    # the second call reads the cached .npz; downscaling one JPEG again gives the same pixels
    again = data.load_cats_dogs(32)
    np.testing.assert_array_equal(first.train.x, again.train.x)
    jpeg = real_data / "cats_and_dogs_filtered" / "train" / "dogs" / "dog.0.jpg"
    np.testing.assert_array_equal(data._downscale(jpeg, 32), first.train.x[1000])  # dog.0 is the first dog
    assert first.train.y[1000] == 1 and first.train.y[0] == 0


def test_cats_dogs_rejects_unknown_size():
    with pytest.raises(ValueError, match="size must be one of"):
        data.load_cats_dogs(size=48)


# ------------------------------------------------------------------ bad input


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


def test_checksum_mismatch_in_data_dir_is_reported_and_nothing_written(tmp_path, monkeypatch, private_cache):
    (tmp_path / "mnist").mkdir()
    for name in data.MNIST_FILES:
        _write_idx(tmp_path / "mnist" / name, data.IDX_LABELS_MAGIC, (1,), b"\0")
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="checksum mismatch for .*train-images-idx3-ubyte.gz"):
        data.load_mnist()
    assert not any(private_cache.rglob("*"))


def test_corrupt_cached_download_is_replaced_not_trusted(tmp_path, monkeypatch, private_cache):
    monkeypatch.delenv("GANBOOK_DATA_DIR", raising=False)
    folder = private_cache / "downloads" / "mnist"
    folder.mkdir(parents=True)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"half a download")
    monkeypatch.setattr(data, "MNIST_MIRRORS", ("http://127.0.0.1:9/",))  # nothing listens on port 9
    with pytest.raises(DataError, match="downloading it failed"):
        data.locate_file("mnist", "t10k-labels-idx1-ubyte.gz", data.MNIST_FILES["t10k-labels-idx1-ubyte.gz"],
                         data.MNIST_MIRRORS)
    assert not any(folder.iterdir()), "the corrupt file and any partial download must be gone"


def test_missing_data_without_network_names_the_fix(tmp_path, monkeypatch, private_cache):
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))  # empty folder
    monkeypatch.setattr(data, "MNIST_MIRRORS", ("http://127.0.0.1:9/",))
    with pytest.raises(DataError, match="set GANBOOK_DATA_DIR"):
        data.load_mnist()
    assert not [p for p in private_cache.rglob("*") if p.is_file()]


def test_cats_dogs_folder_with_a_missing_class_is_reported(tmp_path):
    for split in ("train", "validation"):
        (tmp_path / split / "cats").mkdir(parents=True)
    with pytest.raises(DataError, match=r"train/dogs is missing"):
        data.check_cats_dogs_folder(tmp_path)


def test_cats_dogs_folder_with_a_missing_class_fails_load(tmp_path, monkeypatch, private_cache):
    root = tmp_path / data.CATS_DOGS_FOLDER
    for split in ("train", "validation"):
        (root / split / "cats").mkdir(parents=True)
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="dogs is missing"):
        data.load_cats_dogs()
    assert not [p for p in private_cache.rglob("*") if p.is_file()]


def test_archive_member_escaping_the_target_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("fine/readme.txt", "ok")
        bundle.writestr("../escaped.txt", "gotcha")
    target = tmp_path / "out" / "extracted"
    with pytest.raises(DataError, match="outside"):
        data.safe_extract(archive, target)
    assert not (tmp_path / "out" / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert not target.exists()
    assert not list((tmp_path / "out").iterdir()), "no half-extracted staging folder may remain"


def test_safe_extract_extracts_a_good_archive(tmp_path):
    archive = tmp_path / "good.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("a/b.txt", "hello")
    data.safe_extract(archive, tmp_path / "out")
    assert (tmp_path / "out" / "a" / "b.txt").read_text() == "hello"


def test_binarize_is_bernoulli_with_the_pixel_as_probability():
    rng = np.random.default_rng(0)
    images = np.full((20_000, 4), 0.25, dtype=np.float32)
    binary = data.binarize(images, rng)
    assert set(np.unique(binary)) <= {0.0, 1.0}
    assert abs(binary.mean() - 0.25) < 0.01
    with pytest.raises(ValueError, match="divide uint8 images by 255"):
        data.binarize(images * 255, rng)


def test_copy_of_real_data_in_writable_dir_loads(real_data, tmp_path, monkeypatch):
    """A data dir copied elsewhere gives the same arrays (paths are not baked in)."""
    shutil.copytree(real_data / "mnist", tmp_path / "mnist")
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    assert np.bincount(data.load_mnist().test.y).tolist() == MNIST_TEST_COUNTS
