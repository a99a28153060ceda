"""Real data sets: MNIST from its original IDX files, and Google's cats-vs-dogs subset downscaled.

Loaders return numpy arrays. They read ``GANBOOK_DATA_DIR`` when it holds the files (and
never write there), and otherwise download the public originals with ``pooch``, checking
known SHA-256 sums. Every problem raises :class:`DataError` naming the file and the fix, except
a damaged file in the cache (a download or a derived array), which is deleted, fetched or built
again, and reported in one line on the module's logger (INFO: a repaired cache is no error, and a
chapter's stderr must stay empty; the build's pre-training prints these lines).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganbook import settings
from ganbook import atomic
from ganbook.atomic import atomic_directory, atomic_path

log = logging.getLogger(__name__)


class DataError(RuntimeError):
    """A data file is missing, corrupt or malformed; the message names the file and the fix."""


def local_data_dir() -> Path | None:
    """The folder named by GANBOOK_DATA_DIR, None when unset; DataError when it names no folder.

    A mistyped path must not silently fall back to a download (or to an offline failure that
    blames the network).
    """
    local = settings.data_dir()
    if local is None or local.is_dir():
        return local
    problem = "is a file, not a folder" if local.exists() else "does not exist"
    raise DataError(
        f"{settings.DATA_DIR_VARIABLE}={local} {problem}. Fix: point it at the folder that holds mnist/ and "
        f"{CATS_DOGS_FOLDER}/ (for example ../shared/data), or unset it to download the data."
    )


def _unreadable(path: Path) -> DataError:
    return DataError(f"cannot read {path}: permission denied. Fix: make it readable (chmod a+r) or point "
                     f"{settings.DATA_DIR_VARIABLE} at a readable copy.")


def _describe(error: BaseException) -> str:
    """``zlib.error: Error -3 ...``: the bare class name of some errors (``error``) says nothing."""
    kind = type(error)
    name = kind.__name__ if kind.__module__ in ("builtins", __name__) else f"{kind.__module__}.{kind.__name__}"
    return f"{name}: {error}"


def _quiet_pooch():
    """pooch, imported only when something must be downloaded, with its INFO lines silenced."""
    import pooch

    pooch.get_logger().setLevel("WARNING")  # its "Downloading ..." line on stderr would break -W builds
    return pooch


# --------------------------------------------------------------------------- MNIST

MNIST_MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
# SHA-256 of the original gzip files (md5 f68b3c2d..., d53e105e..., 9fb629c4..., ec29112d...).
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
IDX_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
MNIST_SIDE = 28
MNIST_CLASSES = 10
MNIST_TRAIN_SIZE = 60_000
MNIST_TEST_SIZE = 10_000
# The split of the GAN and VAE papers: train on the first 50,000, validate on the last 10,000.
MNIST_VALIDATION_START = 50_000


@dataclass(frozen=True)
class Split:
    """Images ``x`` and integer labels ``y`` of one part of a data set."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class MNIST:
    """MNIST as float32 images in [0, 1] of shape (n, 28, 28) and uint8 labels 0..9.

    With ``validation=True`` at load time, ``train`` holds images 0..49,999 and
    ``validation`` images 50,000..59,999; otherwise ``train`` holds all 60,000 and
    ``validation`` is None.
    """

    train: Split
    test: Split
    validation: Split | None = None


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a data file; DataError naming it when it cannot be read."""
    try:
        return atomic.sha256_of(path)
    except PermissionError:
        raise _unreadable(path) from None


def verify_checksum(path: Path, expected_sha256: str) -> None:
    """Raise DataError unless ``path`` has the expected SHA-256."""
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise DataError(
            f"checksum mismatch for {path}: expected sha256 {expected_sha256}, got {actual}. "
            "The file is corrupt or not the original; delete it (or fix GANBOOK_DATA_DIR) and run again "
            "to fetch a fresh copy."
        )


def read_idx(path: Path, expected_magic: int, expected_shape: tuple[int, ...]) -> np.ndarray:
    """Parse a gzip-compressed IDX file, checking its magic number, dimensions and size."""
    path = Path(path)
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise DataError(f"{path} does not exist; set GANBOOK_DATA_DIR to a folder that has it") from None
    except PermissionError:  # an OSError, but not a corrupt file
        raise _unreadable(path) from None
    except (EOFError, OSError, zlib.error) as error:
        raise DataError(
            f"{path} is not a complete gzip file ({error}); it is truncated or corrupt: "
            "delete it and run again to download a fresh copy"
        ) from None
    dimensions = len(expected_shape)
    header_size = 4 + 4 * dimensions
    if len(raw) < header_size:
        raise DataError(f"{path} is too short to hold an IDX header ({len(raw)} bytes); the file is corrupt")
    (magic,) = struct.unpack(">I", raw[:4])
    if magic != expected_magic:
        raise DataError(
            f"{path} has IDX magic number {magic:#010x}, expected {expected_magic:#010x}: "
            "it is not the MNIST file its name says (images and labels swapped?)"
        )
    shape = struct.unpack(f">{dimensions}I", raw[4:header_size])
    if tuple(shape) != tuple(expected_shape):
        raise DataError(f"{path} has dimensions {shape}, expected {expected_shape}")
    expected_bytes = header_size + int(np.prod(shape))
    if len(raw) != expected_bytes:
        raise DataError(f"{path} holds {len(raw)} bytes after decompression, expected {expected_bytes}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def _download(name: str, known_sha256: str, urls: tuple[str, ...], folder: Path) -> Path:
    """Fetch ``name`` from the first mirror that answers, into the cache, checking its hash."""
    pooch = _quiet_pooch()
    errors = []
    for base in urls:
        try:
            path = pooch.retrieve(
                url=base + name, known_hash=f"sha256:{known_sha256}", fname=name, path=folder, progressbar=False
            )
            return Path(path)
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            errors.append(f"{base}{name}: {error}")
    raise DataError(
        f"data file {name} is not in GANBOOK_DATA_DIR ({local_data_dir()}) nor in the cache ({folder}), "
        "and downloading it failed:\n  " + "\n  ".join(errors) + "\n"
        "Fix: connect to the internet, or set GANBOOK_DATA_DIR to a folder holding "
        f"{folder.name}/{name} (for example ../shared/data)."
    )


def locate_file(subfolder: str, name: str, known_sha256: str, urls: tuple[str, ...]) -> Path:
    """Path of a verified data file: from GANBOOK_DATA_DIR, else the cache, else a download."""
    local = local_data_dir()
    if local is not None and (local / subfolder / name).is_file():
        path = local / subfolder / name
        verify_checksum(path, known_sha256)
        return path
    folder = settings.cache_dir() / "downloads" / subfolder
    cached = folder / name
    if cached.is_file():
        try:
            verify_checksum(cached, known_sha256)
            return cached
        except DataError:
            cached.unlink()  # a corrupt cached download is replaced, never trusted
            log.info("deleted the damaged download %s (wrong SHA-256); downloading it again", cached)
    return _download(name, known_sha256, urls, folder)


def _mnist_part(prefix: str, count: int) -> Split:
    images = read_idx(
        locate_file("mnist", f"{prefix}-images-idx3-ubyte.gz", MNIST_FILES[f"{prefix}-images-idx3-ubyte.gz"], MNIST_MIRRORS),
        IDX_IMAGES_MAGIC,
        (count, MNIST_SIDE, MNIST_SIDE),
    )
    labels = read_idx(
        locate_file("mnist", f"{prefix}-labels-idx1-ubyte.gz", MNIST_FILES[f"{prefix}-labels-idx1-ubyte.gz"], MNIST_MIRRORS),
        IDX_LABELS_MAGIC,
        (count,),
    )
    if labels.max() >= MNIST_CLASSES:
        raise DataError(f"MNIST {prefix} labels contain {labels.max()}, outside 0..9: the label file is corrupt")
    return Split(images.astype(np.float32) / 255.0, labels.copy())


def load_mnist(validation: bool = False) -> MNIST:
    """Load MNIST: float32 images in [0, 1], shape (n, 28, 28); uint8 labels in 0..9.

    ``validation=True`` holds out training images 50,000..59,999 as ``validation``.
    """
    train = _mnist_part("train", MNIST_TRAIN_SIZE)
    test = _mnist_part("t10k", MNIST_TEST_SIZE)
    if not validation:
        return MNIST(train=train, test=test)
    cut = MNIST_VALIDATION_START
    return MNIST(
        train=Split(train.x[:cut], train.y[:cut]),
        test=test,
        validation=Split(train.x[cut:], train.y[cut:]),
    )


def mnist_fingerprint() -> str:
    """A short string that changes when the MNIST files would change (for the model cache)."""
    return hashlib.sha256("".join(sorted(MNIST_FILES.values())).encode()).hexdigest()[:16]


def flatten(images: np.ndarray) -> np.ndarray:
    """(n, 28, 28) images -> (n, 784) vectors, as the dense models expect."""
    return images.reshape(len(images), -1)


def binarize(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dynamic binarisation (IWAE paper): each pixel is 1 with probability equal to its intensity."""
    if images.min() < 0 or images.max() > 1:
        raise ValueError("binarize expects intensities in [0, 1]; divide uint8 images by 255 first")
    return (rng.random(images.shape, dtype=np.float32) < images).astype(np.float32)


# --------------------------------------------------------------------------- cats vs dogs

CATS_DOGS_FOLDER = "cats_and_dogs_filtered"
CATS_DOGS_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"
CATS_DOGS_ARCHIVE = "cats_and_dogs_filtered.zip"
CATS_DOGS_CLASSES = ("cats", "dogs")  # label 0 = cat, 1 = dog
CATS_DOGS_COUNTS = {"train": 1000, "validation": 500}  # images per class
# SHA-256 over the sorted lines "relative/path sha256\n" of all 3,000 JPEGs (see _content_digest).
# Google publishes no SHA-256 of the zip itself, so the archive is downloaded unpinned and its
# extracted content is checked against this digest before it is used (see _check_extracted_cats_dogs).
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


def _content_digest(root: Path) -> str:
    """SHA-256 over every JPEG's relative path and SHA-256, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(root.glob("*/*/*.jpg"), key=lambda p: p.relative_to(root).as_posix()):
        digest.update(f"{path.relative_to(root).as_posix()} {sha256_of(path)}\n".encode())
    return digest.hexdigest()


def check_cats_dogs_folder(root: Path) -> None:
    """Raise DataError unless ``root`` has train/ and validation/ with cats/ and dogs/ of the right size."""
    folders = {root / split / animal: count for split, count in CATS_DOGS_COUNTS.items() for animal in CATS_DOGS_CLASSES}
    for folder in folders:
        if not folder.is_dir():
            raise DataError(
                f"{folder} is missing: the cats-vs-dogs folder must hold train/ and validation/, each with "
                "cats/ and dogs/. Point GANBOOK_DATA_DIR at a complete copy or delete the folder to re-download."
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
        raise _unreadable(path) from None
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


def safe_extract(archive: Path, target: Path, check: Callable[[Path], None] | None = None) -> None:
    """Extract a zip into ``target`` atomically, refusing members that would land outside it.

    ``check``, when given, is called on the extracted staging folder before it replaces ``target``;
    if it raises, nothing is left behind.
    """
    target = Path(target)
    with zipfile.ZipFile(archive) as bundle:
        with atomic_directory(target) as staging:
            root = staging.resolve()
            for member in bundle.infolist():
                destination = (root / member.filename).resolve()
                if destination != root and root not in destination.parents:
                    raise DataError(
                        f"archive {archive} has a member {member.filename!r} that would be written outside "
                        f"{target}; refusing to extract it (the archive is corrupt or malicious: delete it)"
                    )
            bundle.extractall(root)
            if check is not None:
                check(root)


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
        archive = _quiet_pooch().retrieve(
            url=CATS_DOGS_URL, known_hash=None, fname=CATS_DOGS_ARCHIVE, path=downloads, progressbar=False
        )
    except Exception as error:  # noqa: BLE001
        raise DataError(
            f"the cats-vs-dogs images are not in GANBOOK_DATA_DIR ({local_data_dir()}) nor in the cache, "
            f"and downloading {CATS_DOGS_URL} failed ({error}). Fix: connect to the internet, or set "
            f"GANBOOK_DATA_DIR to a folder holding {CATS_DOGS_FOLDER}/ (for example ../shared/data)."
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
                    f"download from {CATS_DOGS_URL} ({_describe(error)}); it was deleted. Fix: run "
                    f"again later, or set GANBOOK_DATA_DIR to a folder holding {CATS_DOGS_FOLDER}/ "
                    "(for example ../shared/data)."
                ) from None
            log.info("deleted the damaged archive %s (%s); downloading it again", archive, _describe(error))


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
        log.info("deleted the damaged derived file %s (%s); rebuilding it", cache_file, _describe(error))
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
    cache_file = settings.cache_dir() / "derived" / f"cats_dogs_{size}_v{DOWNSCALE_VERSION}_{CATS_DOGS_CONTENT_SHA256[:12]}.npz"
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


__all__ = [
    "DataError", "Split", "MNIST", "CatsDogs", "load_mnist", "load_cats_dogs", "flatten", "binarize",
    "read_idx", "safe_extract", "verify_checksum", "mnist_fingerprint", "cats_dogs_fingerprint",
    "local_data_dir",
]
