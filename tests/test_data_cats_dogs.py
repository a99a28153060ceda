"""ganbook.data.cats_dogs: the real images, every kind of damaged copy, and the pet models' pixels."""

from __future__ import annotations

import io
import logging
import re
import struct
import zipfile

import numpy as np
import pooch
import pytest
from PIL import Image

from ganbook import data
from ganbook.data import DataError, cats_dogs

PACKAGE_LOGGER = "ganbook.data"
ARCHIVE_NAME = "cats_and_dogs_filtered.zip"  # where the downloads folder keeps the archive


# ------------------------------------------------------------------ the real data


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
    np.testing.assert_array_equal(cats_dogs._downscale(jpeg, 32), first.train.x[1000])  # dog.0: the first dog
    assert first.train.y[1000] == 1 and first.train.y[0] == 0


def test_cats_dogs_rejects_unknown_size():
    with pytest.raises(ValueError, match="size must be one of"):
        data.load_cats_dogs(size=48)


def test_cats_dogs_fingerprint_follows_size_content_and_downscaling(monkeypatch):
    assert data.cats_dogs_fingerprint(32) != data.cats_dogs_fingerprint(64)
    before = data.cats_dogs_fingerprint(32)
    monkeypatch.setattr(cats_dogs, "DOWNSCALE_VERSION", cats_dogs.DOWNSCALE_VERSION + 1)
    assert data.cats_dogs_fingerprint(32) != before
    monkeypatch.undo()
    monkeypatch.setattr(cats_dogs, "CATS_DOGS_CONTENT_SHA256", "0" * 64)
    assert data.cats_dogs_fingerprint(32) != before


# ------------------------------------------------------------------ what the pet models see

# The old ganbook.recipes implementations, kept here verbatim to show the moved ones are the same.
def _old_pet_pixels(images):
    return np.asarray(images, np.float32) / 255.0


def _old_with_mirror_images(x):
    return np.concatenate([x, x[:, :, ::-1]])


SMALL_PETS = np.random.default_rng(7).integers(0, 256, (3, 4, 5, 3), dtype=np.uint8)


def test_pet_pixels_are_float32_in_the_unit_interval_as_before():
    pixels = data.pet_pixels(SMALL_PETS)
    assert pixels.dtype == np.float32 and pixels.shape == SMALL_PETS.shape
    assert data.pet_pixels(np.array([0, 51, 255], np.uint8)).tolist() == [0.0, np.float32(0.2), 1.0]
    assert 0.0 <= pixels.min() and pixels.max() <= 1.0
    np.testing.assert_array_equal(pixels, _old_pet_pixels(SMALL_PETS))  # bit for bit
    np.testing.assert_array_equal(pixels, data.pet_pixels(SMALL_PETS))  # deterministic


def test_mirror_images_follow_the_originals_flipped_left_to_right():
    pixels = data.pet_pixels(SMALL_PETS)
    both = data.with_mirror_images(pixels)
    assert both.shape == (6, 4, 5, 3) and both.dtype == np.float32
    np.testing.assert_array_equal(both[:3], pixels)
    np.testing.assert_array_equal(both[3:, :, 0], pixels[:, :, -1])  # the left column was the right one
    np.testing.assert_array_equal(both, _old_with_mirror_images(pixels))  # bit for bit


# ------------------------------------------------------------------ folders with missing classes


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


# ------------------------------------------------------------------ damaged downloads, caches and data dirs

TINY_COUNTS = {"train": 2, "validation": 1}  # images per class: enough to exercise every code path
TINY_FIRST_NUMBER = {"train": 0, "validation": 2000}  # Google's names: cat.0.jpg, ..., cat.2000.jpg, ...
TINY_IMAGE_SHAPE = (12, 16, 3)


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
    monkeypatch.setattr(cats_dogs, "CATS_DOGS_COUNTS", TINY_COUNTS)
    monkeypatch.setattr(cats_dogs, "CATS_DOGS_CONTENT_SHA256", cats_dogs._content_digest(root))
    return root


def _zip_bytes(root) -> bytes:
    """The folder ``root`` zipped as Google's archive is: members under cats_and_dogs_filtered/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(root.rglob("*.jpg")):
            bundle.write(path, path.relative_to(root.parent).as_posix())
    return buffer.getvalue()


def _logged(caplog, text) -> bool:
    return any(text in record.getMessage() for record in caplog.records if record.name == PACKAGE_LOGGER)


def _truncated(payload: bytes) -> bytes:
    return payload[: len(payload) // 2]


def test_downloaded_archive_is_extracted_and_used(tiny_cats_dogs, fake_download, private_cache):
    fake_download["payload"] = _zip_bytes(tiny_cats_dogs)
    pets = data.load_cats_dogs(32)
    assert pets.train.x.shape == (4, 32, 32, 3) and pets.train.y.tolist() == [0, 0, 1, 1]
    assert fake_download["downloads"] == 1
    extracted = private_cache / "downloads" / "cats_dogs" / data.CATS_DOGS_FOLDER
    assert cats_dogs._content_digest(extracted) == cats_dogs.CATS_DOGS_CONTENT_SHA256


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
    with caplog.at_level(logging.INFO, logger=PACKAGE_LOGGER):
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


def test_failed_archive_download_names_the_fix(monkeypatch, private_cache):
    def offline(*args, **kwargs):
        raise ConnectionError("no network in tests")

    monkeypatch.delenv("GANBOOK_DATA_DIR", raising=False)
    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DataError, match=f"downloading {re.escape(cats_dogs.CATS_DOGS_URL)} failed "
                                        r"\(no network in tests\)\. Fix: connect to the internet"):
        data.load_cats_dogs(32)


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
    with caplog.at_level(logging.INFO, logger=PACKAGE_LOGGER):
        again = data.load_cats_dogs(32)
    np.testing.assert_array_equal(again.train.x, first.train.x)
    np.testing.assert_array_equal(again.validation.y, first.validation.y)
    assert _logged(caplog, f"deleted the damaged derived file {cache_file}")
    with np.load(cache_file) as stored:
        assert sorted(stored.files) == sorted(arrays), "the rebuilt cache is complete again"


JPEG_DAMAGE = {"truncated": _truncated, "garbage": lambda good: b"not a jpeg at all"}


@pytest.mark.parametrize("damage", JPEG_DAMAGE.values(), ids=JPEG_DAMAGE.keys())
def test_corrupt_jpeg_is_named_when_decoded(tmp_path, damage):
    path = tmp_path / "cat.0.jpg"
    _write_jpeg(path, seed=1)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(DataError, match=f"{re.escape(str(path))} is not a readable JPEG"):
        cats_dogs._downscale(path, 32)


@pytest.mark.parametrize("damage", JPEG_DAMAGE.values(), ids=JPEG_DAMAGE.keys())
def test_corrupt_jpeg_in_data_dir_is_named(tiny_cats_dogs, monkeypatch, private_cache, damage):
    broken = tiny_cats_dogs / "validation" / "cats" / "cat.2000.jpg"
    broken.write_bytes(damage(broken.read_bytes()))
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tiny_cats_dogs.parent))
    with pytest.raises(DataError, match=re.escape(f"do not decode (truncated or corrupt): {broken}")):
        data.load_cats_dogs(32)
    assert not [p for p in private_cache.rglob("*") if p.is_file()]
