"""Real data sets as numpy arrays: MNIST and Google's cats vs dogs.

One module per job:

- ``mnist``      MNIST from its IDX files: the book's splits, flattening, binarisation
- ``cats_dogs``  cats vs dogs: the JPEGs checked, downscaled and cached; pixels as the pet models see them
- ``download``   shared: ``DataError``, ``GANBOOK_DATA_DIR``, SHA-256 checks, downloads (pooch), safe unzip
- ``split``      ``Split``: the images and labels of one part of a data set

Chapters and recipes call the names re-exported here (``data.load_mnist()``, ``data.flatten(x)``).
Loaders read ``GANBOOK_DATA_DIR`` when it holds the files (and never write there), and otherwise
download the public originals. Every problem raises ``DataError`` naming the file and the fix,
except a damaged file in the cache, which is replaced and reported on the ``ganbook.data`` logger.
The package imports only ``ganbook.settings`` and ``ganbook.atomic`` (plus numpy, pooch, Pillow).

The constants below are copies of the submodules' names: a test that changes one patches the
submodule (``ganbook.data.mnist.MNIST_MIRRORS``), which is where the loaders read it.
"""

from ganbook.data import cats_dogs, download, mnist, split
from ganbook.data.cats_dogs import (CATS_DOGS_CLASSES, CATS_DOGS_FOLDER, CATS_DOGS_SIZES, CatsDogs,
                                    cats_dogs_fingerprint, check_cats_dogs_folder, load_cats_dogs,
                                    pet_pixels, with_mirror_images)
from ganbook.data.download import (DataError, local_data_dir, locate_file, safe_extract, sha256_of,
                                   verify_checksum)
from ganbook.data.mnist import (IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, MNIST, MNIST_CLASSES, MNIST_FILES,
                                MNIST_SIDE, TEST_BINARIZATION_SEED, binarize, binarized_test_images, flatten,
                                load_mnist, mnist_fingerprint, read_idx)
from ganbook.data.split import Split

__all__ = [
    # loaders and what they return
    "load_mnist", "load_cats_dogs", "MNIST", "CatsDogs", "Split", "DataError",
    # MNIST
    "flatten", "binarize", "binarized_test_images", "TEST_BINARIZATION_SEED", "mnist_fingerprint", "read_idx",
    "IDX_IMAGES_MAGIC", "IDX_LABELS_MAGIC", "MNIST_FILES", "MNIST_SIDE", "MNIST_CLASSES",
    # cats vs dogs
    "pet_pixels", "with_mirror_images", "cats_dogs_fingerprint", "check_cats_dogs_folder",
    "CATS_DOGS_FOLDER", "CATS_DOGS_CLASSES", "CATS_DOGS_SIZES",
    # files: where they live, how they are checked
    "local_data_dir", "locate_file", "sha256_of", "verify_checksum", "safe_extract",
]
