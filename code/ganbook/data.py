"""Real data sets: MNIST from its original IDX files, and Google's cats-vs-dogs subset downscaled.

Loaders return numpy arrays. They read ``GANBOOK_DATA_DIR`` when it holds the files (and
never write there), and otherwise download the public originals with ``pooch``, checking
known SHA-256 sums. Every problem raises :class:`DataError` naming the file and the fix.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganbook import settings
from ganbook.atomic import atomic_directory, atomic_path


class DataError(RuntimeError):
    """A data file is missing, corrupt or malformed; the message names the file and the fix."""


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


def sha256_of(path: Path, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


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
    import pooch  # imported here: only needed when the files are not local

    pooch.get_logger().setLevel("WARNING")  # its "Downloading ..." line on stderr would break -W builds
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
        f"data file {name} is not in GANBOOK_DATA_DIR ({settings.data_dir()}) nor in the cache ({folder}), "
        "and downloading it failed:\n  " + "\n  ".join(errors) + "\n"
        "Fix: connect to the internet, or set GANBOOK_DATA_DIR to a folder holding "
        f"{folder.name}/{name} (for example ../shared/data)."
    )


def locate_file(subfolder: str, name: str, known_sha256: str, urls: tuple[str, ...]) -> Path:
    """Path of a verified data file: from GANBOOK_DATA_DIR, else the cache, else a download."""
    local = settings.data_dir()
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
CATS_DOGS_CLASSES = ("cats", "dogs")  # label 0 = cat, 1 = dog
CATS_DOGS_COUNTS = {"train": 1000, "validation": 500}  # images per class
# SHA-256 over the sorted lines "relative/path sha256\n" of all 3,000 JPEGs (see _content_digest).
CATS_DOGS_CONTENT_SHA256 = "7d0418bfcd35ecb61c47f2189e318bb9851a76193526948928970d4522c0960e"
CATS_DOGS_SIZES = (32, 64)
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


def safe_extract(archive: Path, target: Path) -> None:
    """Extract a zip into ``target`` atomically, refusing members that would land outside it."""
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


def _cats_dogs_root() -> Path:
    """The folder of JPEGs: GANBOOK_DATA_DIR's copy, else an extracted download in the cache."""
    local = settings.data_dir()
    if local is not None and (local / CATS_DOGS_FOLDER).is_dir():
        return local / CATS_DOGS_FOLDER
    extracted = settings.cache_dir() / "downloads" / "cats_dogs"
    root = extracted / CATS_DOGS_FOLDER
    if not root.is_dir():
        import pooch

        pooch.get_logger().setLevel("WARNING")
        try:
            archive = pooch.retrieve(
                url=CATS_DOGS_URL, known_hash=None, fname="cats_and_dogs_filtered.zip",
                path=settings.cache_dir() / "downloads", progressbar=False,
            )
        except Exception as error:  # noqa: BLE001
            raise DataError(
                f"the cats-vs-dogs images are not in GANBOOK_DATA_DIR ({local}) nor in the cache, and downloading "
                f"{CATS_DOGS_URL} failed ({error}). Fix: connect to the internet, or set GANBOOK_DATA_DIR to a "
                f"folder holding {CATS_DOGS_FOLDER}/ (for example ../shared/data)."
            ) from None
        safe_extract(Path(archive), extracted)
    return root


def _downscale(path: Path, size: int) -> np.ndarray:
    """Centre-crop a JPEG to a square and resize it to size x size RGB with an antialiasing filter."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        width, height = image.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        square = image.crop((left, top, left + side, top + side))
        return np.asarray(square.resize((size, size), Image.Resampling.LANCZOS), dtype=np.uint8)


def _build_cats_dogs_arrays(root: Path, size: int) -> dict[str, np.ndarray]:
    check_cats_dogs_folder(root)
    digest = _content_digest(root)
    if digest != CATS_DOGS_CONTENT_SHA256:
        raise DataError(
            f"the JPEGs under {root} differ from Google's cats_and_dogs_filtered set (content sha256 {digest}, "
            f"expected {CATS_DOGS_CONTENT_SHA256}); replace the folder with an unmodified copy"
        )
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
    arrays = None
    if cache_file.is_file():
        try:
            with np.load(cache_file) as stored:
                arrays = {key: stored[key] for key in stored.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError):
            cache_file.unlink()  # unreadable cache: rebuild it
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
]
