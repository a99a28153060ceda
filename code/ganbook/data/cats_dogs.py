"""Google's cats-vs-dogs subset (3,000 JPEGs), downscaled to small RGB arrays for the pet models.

The JPEGs come from ``GANBOOK_DATA_DIR`` or from Google's archive, extracted into the cache
only after its content is verified; the downscaled arrays are cached as a compressed ``.npz``.
A damaged archive or ``.npz`` in the cache is deleted, fetched or built again, and reported in
one line on the ``ganbook.data`` logger.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganbook import settings
from ganbook.atomic import atomic_path
from ganbook.data.download import (EXAMPLE_DATA_DIR, DataError, describe, local_data_dir,
                                   safe_extract, sha256_of, unreadable)
from ganbook.data.split import Split

log = logging.getLogger(__package__)  # "ganbook.data"

CATS_DOGS_FOLDER = "cats_and_dogs_filtered"
CATS_DOGS_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"
CATS_DOGS_ARCHIVE = "cats_and_dogs_filtered.zip"
CATS_DOGS_CLASSES = ("cats", "dogs")  # label 0 = cat, 1 = dog
CATS_DOGS_COUNTS = {"train": 1000, "validation": 500}  # images per class
# SHA-256 over the sorted lines "relative/path sha256\n" of all 3,000 JPEGs (see _content_digest).
# Google publishes no SHA-256 of the zip itself, and none was found pinned elsewhere (TensorFlow's
# tutorials fetch it with tf.keras.utils.get_file and no file_hash). So the archive is downloaded with
# pooch's known_hash=None, and its extracted content is checked against this digest before it is used
# (see _check_extracted_cats_dogs).
CATS_DOGS_CONTENT_SHA256 = "7d0418bfcd35ecb61c47f2189e318bb9851a76193526948928970d4522c0960e"
CATS_DOGS_SIZES = (32, 64)
RGB_CHANNELS = 3
# The archive already in the cache, then one fresh download: a second bad copy is not a glitch.
ARCHIVE_ATTEMPTS = 2
# What zipfile raises for a truncated or garbled archive (DataError: unsafe member or wrong content).
DAMAGED_ARCHIVE_ERRORS = (DataError, zipfile.BadZipFile, EOFError, zlib.error)
# What np.load and reading its members raise for a truncated, garbled or incomplete .npz.
DAMAGED_NPZ_ERRORS = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error)
# Named in a content-mismatch message; more would only bury the first ones.
MAX_NAMED_FILES = 5
# Bump when _downscale changes, so cached arrays and models trained on them are rebuilt.
DOWNSCALE_VERSION = 1


# --------------------------------------------------------------------------- the JPEGs and their check


def _content_digest(root: Path) -> str:
    """SHA-256 over every JPEG's relative path and SHA-256, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(root.glob("*/*/*.jpg"), key=lambda p: p.relative_to(root).as_posix()):
        digest.update(f"{path.relative_to(root).as_posix()} {sha256_of(path)}\n".encode())
    return digest.hexdigest()


def check_cats_dogs_folder(root: Path) -> None:
    """Raise DataError unless ``root`` has train/ and validation/ with cats/ and dogs/ of the right size."""
    folders = {root / split / animal: count for split, count in CATS_DOGS_COUNTS.items()
               for animal in CATS_DOGS_CLASSES}
    for folder in folders:
        if not folder.is_dir():
            raise DataError(
                f"{folder} is missing: the cats-vs-dogs folder must hold train/ and validation/, each with "
                "cats/ and dogs/. Point GANBOOK_DATA_DIR at a complete copy or delete the folder to "
                "re-download."
            )
    for folder, per_class in folders.items():
        found = len(list(folder.glob("*.jpg")))
        if found != per_class:
            raise DataError(f"{folder} holds {found} JPEGs, expected {per_class}: the copy is incomplete")


def _open_rgb(path: Path):
    """A JPEG decoded to an RGB PIL image; DataError naming the file when it is unreadable or corrupt."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.convert("RGB")  # convert() decodes every pixel, so truncation shows up here
    except PermissionError:
        raise unreadable(path) from None
    except (OSError, SyntaxError, ValueError) as error:  # PIL's ways of saying "not a valid image"
        raise DataError(
            f"{path} is not a readable JPEG ({error}): it is truncated or corrupt; replace it with an "
            "unmodified copy"
        ) from None


def _undecodable_jpegs(root: Path) -> list[Path]:
    """The JPEGs under ``root`` that fail to decode (slow: only for explaining a content mismatch)."""
    broken = []
    for path in sorted(root.glob("*/*/*.jpg")):
        try:
            _open_rgb(path)
        except DataError:
            broken.append(path)
    return broken


def _verify_cats_dogs_content(root: Path) -> None:
    """Raise DataError, naming any corrupt JPEG, unless the JPEGs under ``root`` are Google's originals."""
    digest = _content_digest(root)
    if digest == CATS_DOGS_CONTENT_SHA256:
        return
    broken = _undecodable_jpegs(root)
    named = ", ".join(str(path) for path in broken[:MAX_NAMED_FILES])
    culprits = f"; these do not decode (truncated or corrupt): {named}" if broken else ""
    raise DataError(
        f"the JPEGs under {root} differ from Google's cats_and_dogs_filtered set (content sha256 {digest}, "
        f"expected {CATS_DOGS_CONTENT_SHA256}){culprits}; replace the folder with an unmodified copy"
    )


# --------------------------------------------------------------------------- the archive


def _check_extracted_cats_dogs(staging: Path) -> None:
    """Raise DataError unless an extracted archive holds exactly Google's 3,000 JPEGs."""
    root = staging / CATS_DOGS_FOLDER
    if not root.is_dir():
        raise DataError(f"the archive has no {CATS_DOGS_FOLDER}/ folder")
    check_cats_dogs_folder(root)
    _verify_cats_dogs_content(root)


def _retrieve_cats_dogs_archive(downloads: Path) -> Path:
    """The archive in the cache, downloaded first when it is not there."""
    try:
        # known_hash=None: no published SHA-256 of the zip exists; its content is verified after extraction
        archive = settings.quiet_pooch().retrieve(
            url=CATS_DOGS_URL, known_hash=None, fname=CATS_DOGS_ARCHIVE, path=downloads, progressbar=False
        )
    except Exception as error:  # noqa: BLE001
        raise DataError(
            f"the cats-vs-dogs images are not in GANBOOK_DATA_DIR ({local_data_dir()}) nor in the cache, "
            f"and downloading {CATS_DOGS_URL} failed ({error}). Fix: connect to the internet, or set "
            f"GANBOOK_DATA_DIR to a folder holding {CATS_DOGS_FOLDER}/ (for example {EXAMPLE_DATA_DIR})."
        ) from None
    return Path(archive)


def _extract_cats_dogs(extracted: Path) -> None:
    """Extract a verified archive into ``extracted``, deleting and downloading again a damaged one."""
    downloads = settings.cache_dir() / "downloads"
    for attempt in range(1, ARCHIVE_ATTEMPTS + 1):
        archive = _retrieve_cats_dogs_archive(downloads)
        try:
            safe_extract(archive, extracted, check=_check_extracted_cats_dogs)
            return
        except DAMAGED_ARCHIVE_ERRORS as error:
            archive.unlink(missing_ok=True)  # never trusted again, so the next run downloads afresh
            if attempt == ARCHIVE_ATTEMPTS:
                raise DataError(
                    f"the cats-vs-dogs archive {archive} is damaged or not the original even after a fresh "
                    f"download from {CATS_DOGS_URL} ({describe(error)}); it was deleted. Fix: run "
                    f"again later, or set GANBOOK_DATA_DIR to a folder holding {CATS_DOGS_FOLDER}/ "
                    f"(for example {EXAMPLE_DATA_DIR})."
                ) from None
            log.info("deleted the damaged archive %s (%s); downloading it again", archive, describe(error))


def _cats_dogs_root() -> Path:
    """The folder of JPEGs: GANBOOK_DATA_DIR's copy, else an extracted download in the cache."""
    local = local_data_dir()
    if local is not None and (local / CATS_DOGS_FOLDER).is_dir():
        return local / CATS_DOGS_FOLDER
    extracted = settings.cache_dir() / "downloads" / "cats_dogs"
    root = extracted / CATS_DOGS_FOLDER
    if not root.is_dir():
        _extract_cats_dogs(extracted)
    return root


# --------------------------------------------------------------------------- downscaled arrays


def _downscale(path: Path, size: int) -> np.ndarray:
    """Centre-crop a JPEG to a square and resize it to size x size RGB with an antialiasing filter."""
    from PIL import Image

    image = _open_rgb(path)
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    return np.asarray(square.resize((size, size), Image.Resampling.LANCZOS), dtype=np.uint8)


def _build_cats_dogs_arrays(root: Path, size: int) -> dict[str, np.ndarray]:
    check_cats_dogs_folder(root)
    _verify_cats_dogs_content(root)
    arrays = {}
    for split in CATS_DOGS_COUNTS:
        images, labels = [], []
        for label, animal in enumerate(CATS_DOGS_CLASSES):
            # sort by the number in "cat.123.jpg" so the order is the same on every machine
            files = sorted((root / split / animal).glob("*.jpg"), key=lambda p: int(p.stem.split(".")[1]))
            images.extend(_downscale(path, size) for path in files)
            labels.extend([label] * len(files))
        arrays[f"x_{split}"] = np.stack(images)
        arrays[f"y_{split}"] = np.asarray(labels, dtype=np.uint8)
    return arrays


def _expected_arrays(size: int) -> dict[str, tuple[int, ...]]:
    """Name -> shape of every array a cats-vs-dogs .npz must hold (all uint8)."""
    shapes = {}
    for split, per_class in CATS_DOGS_COUNTS.items():
        count = per_class * len(CATS_DOGS_CLASSES)
        shapes[f"x_{split}"] = (count, size, size, RGB_CHANNELS)
        shapes[f"y_{split}"] = (count,)
    return shapes


def _read_derived(cache_file: Path, size: int) -> dict[str, np.ndarray] | None:
    """The cached arrays; None when there are none, or (after deleting the file) when it is damaged."""
    if not cache_file.is_file():
        return None
    expected = _expected_arrays(size)
    try:
        with np.load(cache_file) as stored:
            arrays = {name: stored[name] for name in expected}  # decompresses here: may raise zlib.error
        for name, shape in expected.items():
            found = arrays[name]
            if found.shape != shape or found.dtype != np.uint8:
                raise ValueError(f"{name} is {found.dtype} {found.shape}, expected uint8 {shape}")
        return arrays
    except DAMAGED_NPZ_ERRORS as error:
        cache_file.unlink(missing_ok=True)  # otherwise every later run would fail on it again
        log.info("deleted the damaged derived file %s (%s); rebuilding it", cache_file, describe(error))
        return None


@dataclass(frozen=True)
class CatsDogs:
    """Downscaled cats vs dogs: uint8 RGB images (n, size, size, 3) in 0..255; labels 0 = cat, 1 = dog."""

    train: Split
    validation: Split
    size: int


def load_cats_dogs(size: int = 32) -> CatsDogs:
    """Load the 2,000 training and 1,000 validation images, centre-cropped and resized to ``size``.

    The downscaled arrays are cached as a compressed ``.npz`` so the JPEGs are decoded once.
    """
    if size not in CATS_DOGS_SIZES:
        raise ValueError(f"size must be one of {CATS_DOGS_SIZES}, got {size!r}")
    name = f"cats_dogs_{size}_v{DOWNSCALE_VERSION}_{CATS_DOGS_CONTENT_SHA256[:12]}.npz"
    cache_file = settings.cache_dir() / "derived" / name
    arrays = _read_derived(cache_file, size)
    if arrays is None:
        arrays = _build_cats_dogs_arrays(_cats_dogs_root(), size)
        with atomic_path(cache_file, suffix=".npz") as temporary:
            with open(temporary, "wb") as handle:
                np.savez_compressed(handle, **arrays)
    return CatsDogs(
        train=Split(arrays["x_train"], arrays["y_train"]),
        validation=Split(arrays["x_validation"], arrays["y_validation"]),
        size=size,
    )


def cats_dogs_fingerprint(size: int) -> str:
    """A short string that changes when the cats-vs-dogs data or its downscaling would change."""
    return f"{CATS_DOGS_CONTENT_SHA256[:16]}-{size}-v{DOWNSCALE_VERSION}"


# --------------------------------------------------------------------------- what the pet models see


def pet_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 RGB images -> float32 in [0, 1]."""
    return np.asarray(images, np.float32) / 255.0


def with_mirror_images(x: np.ndarray) -> np.ndarray:
    """The images, then their left-right mirror images: a cat facing left is as much a cat."""
    return np.concatenate([x, x[:, :, ::-1]])
