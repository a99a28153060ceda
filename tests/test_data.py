"""ganbook.data as a package: the names callers use, what it imports, and errors shared by both loaders."""

from __future__ import annotations

import re
import subprocess
import sys

import pooch
import pytest

from ganbook import data
from ganbook.data import DataError, cats_dogs, download, mnist, split

SUBMODULES = (mnist, cats_dogs, download, split)
# What the data package may import from ganbook: where files live and how they are written.
ALLOWED_GANBOOK_MODULES = {"ganbook", "ganbook.settings", "ganbook.atomic"}


def test_every_public_name_is_the_object_its_submodule_defines():
    for name in data.__all__:
        exported = getattr(data, name)
        defined_in = getattr(exported, "__module__", None)  # functions and classes know their module
        homes = [module for module in SUBMODULES if name in vars(module)
                 and (defined_in is None or module.__name__ == defined_in)]
        assert len(homes) == 1, f"{name} should be defined in exactly one submodule, found {homes}"
        assert exported is getattr(homes[0], name)


def test_names_callers_use_are_exported():
    used = {"load_mnist", "load_cats_dogs", "flatten", "binarize", "mnist_fingerprint",
            "cats_dogs_fingerprint",
            "binarized_test_images", "pet_pixels", "with_mirror_images", "DataError", "Split", "MNIST",
            "CatsDogs", "read_idx", "safe_extract", "locate_file", "sha256_of", "verify_checksum",
            "check_cats_dogs_folder", "local_data_dir", "IDX_IMAGES_MAGIC", "IDX_LABELS_MAGIC", "MNIST_FILES",
            "CATS_DOGS_FOLDER", "CATS_DOGS_CLASSES", "TEST_BINARIZATION_SEED"}
    assert used <= set(data.__all__)


def test_data_package_imports_no_training_code():
    """A fresh interpreter: importing ganbook.data loads no models, training, cache, zoo nor TensorFlow."""
    program = "import sys, ganbook.data; print('\\n'.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", program], check=True, capture_output=True,
                                text=True).stdout.split())
    outside_data = {name for name in loaded if name.split(".")[0] == "ganbook"
                    and name != "ganbook.data" and not name.startswith("ganbook.data.")}
    assert outside_data <= ALLOWED_GANBOOK_MODULES
    assert not {name for name in loaded if name.split(".")[0] in ("tensorflow", "keras")}


def test_data_dir_message_names_each_data_sets_folder():
    for folder in (mnist.MNIST_FOLDER, cats_dogs.CATS_DOGS_FOLDER):
        assert f"{folder}/" in download.DATA_DIR_CONTENTS


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
    monkeypatch.setattr(mnist, "MNIST_MIRRORS", ("http://127.0.0.1:9/",))  # nothing listens on port 9
    monkeypatch.setattr(pooch, "retrieve", _no_network)
    with pytest.raises(DataError, match=f"^GANBOOK_DATA_DIR={re.escape(str(local.resolve()))} {problem}"):
        loader()
    assert not [p for p in private_cache.rglob("*") if p.is_file()]
