"""MNIST from its original IDX files: loading, the book's splits, flattening and binarisation.

Images are float32 in [0, 1] of shape (n, 28, 28); labels uint8 in 0..9. The four gzip files
come from ``GANBOOK_DATA_DIR`` or a mirror, checked against their known SHA-256 (see
``ganbook.data.download``).
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganbook.data.download import DataError, locate_file, unreadable
from ganbook.data.split import Split

MNIST_FOLDER = "mnist"  # in GANBOOK_DATA_DIR and in the cache's downloads/
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
# The test set is binarised once, with this seed, for every likelihood the book reports.
TEST_BINARIZATION_SEED = 2015


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


def read_idx(path: Path, expected_magic: int, expected_shape: tuple[int, ...]) -> np.ndarray:
    """Parse a gzip-compressed IDX file, checking its magic number, dimensions and size."""
    path = Path(path)
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise DataError(f"{path} does not exist; set GANBOOK_DATA_DIR to a folder that has it") from None
    except PermissionError:  # an OSError, but not a corrupt file
        raise unreadable(path) from None
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


def _mnist_file(name: str) -> Path:
    return locate_file(MNIST_FOLDER, name, MNIST_FILES[name], MNIST_MIRRORS)


def _mnist_part(prefix: str, count: int) -> Split:
    images = read_idx(_mnist_file(f"{prefix}-images-idx3-ubyte.gz"), IDX_IMAGES_MAGIC,
                      (count, MNIST_SIDE, MNIST_SIDE))
    labels = read_idx(_mnist_file(f"{prefix}-labels-idx1-ubyte.gz"), IDX_LABELS_MAGIC, (count,))
    if labels.max() >= MNIST_CLASSES:
        raise DataError(
            f"MNIST {prefix} labels contain {labels.max()}, outside 0..9: the label file is corrupt")
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


def binarized_test_images() -> np.ndarray:
    """The 10,000 MNIST test images as (10000, 784) binary float32, drawn once with a fixed seed."""
    mnist = load_mnist()
    return binarize(flatten(mnist.test.x), np.random.default_rng(TEST_BINARIZATION_SEED))
