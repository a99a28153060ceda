"""ganbook.data: the real loaders against the shared data, and every kind of bad input."""

from __future__ import annotations

import builtins
import errno
import gzip
import io
import logging
import os
import re
import shutil
import struct
import zipfile
from pathlib import Path

import numpy as np
import pooch
import pytest
from PIL import Image

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


# ------------------------------------------------------------------ damaged downloads, caches and data dirs

TINY_COUNTS = {"train": 2, "validation": 1}  # images per class: enough to exercise every code path
TINY_FIRST_NUMBER = {"train": 0, "validation": 2000}  # Google's names: cat.0.jpg, ..., cat.2000.jpg, ...
TINY_IMAGE_SHAPE = (12, 16, 3)
LOADER = "ganbook.data"
ARCHIVE_NAME = "cats_and_dogs_filtered.zip"  # where the downloads folder keeps the archive


def _write_jpeg(path, seed):
    pixels = np.random.default_rng(seed).integers(0, 256, TINY_IMAGE_SHAPE, dtype=np.uint8)
    Image.fromarray(pixels).save(path, "JPEG")


@pytest.fixture
def tiny_cats_dogs(tmp_path, monkeypatch):
    """A 6-JPEG cats-vs-dogs folder that the module takes for the original (counts and digest patched)."""
    root = tmp_path / "tiny" / data.CATS_DOGS_FOLDER
    seed = 0
    for split, per_class in TINY_COUNTS.items():
        for animal in data.CATS_DOGS_CLASSES:
            folder = root / split / animal
            folder.mkdir(parents=True)
            for number in range(TINY_FIRST_NUMBER[split], TINY_FIRST_NUMBER[split] + per_class):
                seed += 1
                _write_jpeg(folder / f"{animal[:-1]}.{number}.jpg", seed)
    monkeypatch.setattr(data, "CATS_DOGS_COUNTS", TINY_COUNTS)
    monkeypatch.setattr(data, "CATS_DOGS_CONTENT_SHA256", data._content_digest(root))
    return root


def _zip_bytes(root) -> bytes:
    """The folder ``root`` zipped as Google's archive is: members under cats_and_dogs_filtered/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(root.rglob("*.jpg")):
            bundle.write(path, path.relative_to(root.parent).as_posix())
    return buffer.getvalue()


@pytest.fixture
def fake_download(monkeypatch):
    """Replace pooch.retrieve: like pooch, it reuses a file already there, else "downloads" ``served``."""
    served = {"payload": b"", "downloads": 0}

    def retrieve(url, known_hash, fname, path, progressbar):
        target = Path(path) / fname
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(served["payload"])
            served["downloads"] += 1
        return str(target)

    monkeypatch.setattr(pooch, "retrieve", retrieve)
    monkeypatch.delenv("GANBOOK_DATA_DIR", raising=False)
    return served


def _logged(caplog, text) -> bool:
    return any(text in record.getMessage() for record in caplog.records if record.name == LOADER)


def _truncated(payload: bytes) -> bytes:
    return payload[: len(payload) // 2]


ARCHIVE_DAMAGE = {"garbage": lambda good: b"<html>503 Service Unavailable</html>", "truncated": _truncated}


@pytest.mark.parametrize("damage", ARCHIVE_DAMAGE.values(), ids=ARCHIVE_DAMAGE.keys())
def test_damaged_archive_in_downloads_is_deleted_and_downloaded_again(
    tiny_cats_dogs, fake_download, private_cache, caplog, damage
):
    good = _zip_bytes(tiny_cats_dogs)
    fake_download["payload"] = good
    archive = private_cache / "downloads" / ARCHIVE_NAME
    archive.parent.mkdir(parents=True)
    archive.write_bytes(damage(good))
    with caplog.at_level(logging.INFO, logger=LOADER):
        pets = data.load_cats_dogs(32)
    assert pets.train.x.shape == (4, 32, 32, 3) and pets.validation.x.shape == (2, 32, 32, 3)
    assert fake_download["downloads"] == 1 and archive.read_bytes() == good
    assert _logged(caplog, f"deleted the damaged archive {archive}")


def test_archive_with_wrong_content_is_rejected_and_deleted(tiny_cats_dogs, fake_download, private_cache):
    _write_jpeg(tiny_cats_dogs / "train" / "dogs" / "dog.1.jpg", seed=999)  # a valid JPEG, not the original
    fake_download["payload"] = _zip_bytes(tiny_cats_dogs)
    with pytest.raises(DataError, match="not the original even after a fresh download"):
        data.load_cats_dogs(32)
    assert fake_download["downloads"] == 2, "the bad copy is deleted and fetched once more"
    assert not (private_cache / "downloads" / ARCHIVE_NAME).exists()
    assert not (private_cache / "downloads" / "cats_dogs").exists(), "a wrong archive must not stay extracted"


def _corrupt_first_member(payload: bytes) -> bytes:
    """Overwrite the start of the first member's deflate stream: reading it raises zlib.error."""
    with zipfile.ZipFile(io.BytesIO(payload)) as bundle:
        offset = bundle.infolist()[0].header_offset
    # the local header: 30 fixed bytes ending in the name and extra-field lengths (which, unlike the
    # central directory's, include numpy's zip64 placeholder)
    name_length, extra_length = struct.unpack("<HH", payload[offset + 26:offset + 30])
    start = offset + 30 + name_length + extra_length
    damaged = bytearray(payload)
    damaged[start:start + 8] = b"\xff" * 8  # deflate block type 3: "invalid block type"
    return bytes(damaged)


def _savez(arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


NPZ_DAMAGE = {
    "garbage": lambda arrays: b"not an npz",
    "truncated": lambda arrays: _truncated(_savez(arrays)),
    "corrupt-deflate": lambda arrays: _corrupt_first_member(_savez(arrays)),
    "missing-array": lambda arrays: _savez({k: v for k, v in arrays.items() if k != "y_train"}),
    "wrong-shape": lambda arrays: _savez({**arrays, "x_train": arrays["x_train"][:1]}),
}


@pytest.mark.parametrize("damage", NPZ_DAMAGE.values(), ids=NPZ_DAMAGE.keys())
def test_damaged_derived_npz_is_deleted_and_rebuilt(
    tiny_cats_dogs, monkeypatch, private_cache, caplog, damage
):
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tiny_cats_dogs.parent))
    first = data.load_cats_dogs(32)
    (cache_file,) = (private_cache / "derived").glob("*.npz")
    arrays = {"x_train": first.train.x, "y_train": first.train.y,
              "x_validation": first.validation.x, "y_validation": first.validation.y}
    cache_file.write_bytes(damage(arrays))
    with caplog.at_level(logging.INFO, logger=LOADER):
        again = data.load_cats_dogs(32)
    np.testing.assert_array_equal(again.train.x, first.train.x)
    np.testing.assert_array_equal(again.validation.y, first.validation.y)
    assert _logged(caplog, f"deleted the damaged derived file {cache_file}")
    with np.load(cache_file) as stored:
        assert sorted(stored.files) == sorted(arrays), "the rebuilt cache is complete again"


def test_damaged_cached_mnist_download_is_replaced_and_reported(
    tmp_path, fake_download, private_cache, caplog
):
    good = b"the original bytes"
    source = tmp_path / "good.gz"
    source.write_bytes(good)
    good_sha256 = data.sha256_of(source)
    folder = private_cache / "downloads" / "mnist"
    folder.mkdir(parents=True)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"half a download")
    fake_download["payload"] = good
    with caplog.at_level(logging.INFO, logger=LOADER):
        path = data.locate_file("mnist", "t10k-labels-idx1-ubyte.gz", good_sha256, ("http://mirror/",))
    assert path.read_bytes() == good and fake_download["downloads"] == 1
    assert _logged(caplog, "deleted the damaged download")


def _no_network(*args, **kwargs):
    raise ConnectionError("no network in tests")


@pytest.mark.parametrize("loader", [data.load_mnist, data.load_cats_dogs], ids=["mnist", "cats_dogs"])
@pytest.mark.parametrize(("make", "problem"), [
    (lambda path: None, "does not exist"),
    (lambda path: path.write_text("not a folder"), "is a file, not a folder"),
], ids=["missing", "file"])
def test_data_dir_that_is_not_a_folder_says_so(tmp_path, monkeypatch, private_cache, loader, make, problem):
    local = tmp_path / "data"
    make(local)
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(local))
    monkeypatch.setattr(data, "MNIST_MIRRORS", ("http://127.0.0.1:9/",))  # nothing listens on port 9
    monkeypatch.setattr(pooch, "retrieve", _no_network)
    with pytest.raises(DataError, match=f"^GANBOOK_DATA_DIR={re.escape(str(local.resolve()))} {problem}"):
        loader()
    assert not [p for p in private_cache.rglob("*") if p.is_file()]


def _deny_reading(monkeypatch, denied):
    """Make ``open`` fail on ``denied`` as chmod 000 would (root reads anything, so chmod cannot)."""
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file) == denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)


def _data_dir_with_mnist_names(tmp_path):
    (tmp_path / "mnist").mkdir()
    for name in data.MNIST_FILES:
        _write_idx(tmp_path / "mnist" / name, data.IDX_LABELS_MAGIC, (1,), b"\0")
    return tmp_path / "mnist" / "train-images-idx3-ubyte.gz"  # the first file load_mnist reads


def test_unreadable_data_file_is_named(tmp_path, monkeypatch):
    denied = _data_dir_with_mnist_names(tmp_path)
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    _deny_reading(monkeypatch, denied)
    with pytest.raises(DataError, match=f"cannot read {re.escape(str(denied))}: permission denied"):
        data.load_mnist()


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


JPEG_DAMAGE = {"truncated": _truncated, "garbage": lambda good: b"not a jpeg at all"}


@pytest.mark.parametrize("damage", JPEG_DAMAGE.values(), ids=JPEG_DAMAGE.keys())
def test_corrupt_jpeg_is_named_when_decoded(tmp_path, damage):
    path = tmp_path / "cat.0.jpg"
    _write_jpeg(path, seed=1)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(DataError, match=f"{re.escape(str(path))} is not a readable JPEG"):
        data._downscale(path, 32)


@pytest.mark.parametrize("damage", JPEG_DAMAGE.values(), ids=JPEG_DAMAGE.keys())
def test_corrupt_jpeg_in_data_dir_is_named(tiny_cats_dogs, monkeypatch, private_cache, damage):
    broken = tiny_cats_dogs / "validation" / "cats" / "cat.2000.jpg"
    broken.write_bytes(damage(broken.read_bytes()))
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tiny_cats_dogs.parent))
    with pytest.raises(DataError, match=re.escape(f"do not decode (truncated or corrupt): {broken}")):
        data.load_cats_dogs(32)
    assert not [p for p in private_cache.rglob("*") if p.is_file()]
