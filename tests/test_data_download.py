"""ganbook.data.download: the local data folder, SHA-256 checks, cached downloads and safe extraction."""

from __future__ import annotations

import builtins
import errno
import hashlib
import logging
import os
import re
import zipfile
from pathlib import Path

import pytest

from ganbook import settings
from ganbook.data import DataError, download
from tests.serving import serving

PACKAGE_LOGGER = "ganbook.data"
NAME = "t10k-labels-idx1-ubyte.gz"
GOOD = b"the original bytes"
GOOD_SHA256 = hashlib.sha256(GOOD).hexdigest()
UNREACHABLE = ("http://127.0.0.1:9/",)  # nothing listens on port 9


def _logged(caplog, text) -> bool:
    return any(text in record.getMessage() for record in caplog.records if record.name == PACKAGE_LOGGER)


@pytest.fixture
def fake_download(fake_download):
    """The shared stand-in for pooch.retrieve (conftest.py), serving a good file."""
    fake_download["payload"] = GOOD
    return fake_download


# ------------------------------------------------------------------ hashes


def test_sha256_of_is_the_files_sha256(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(GOOD * 100_000)  # several of pooch's read chunks
    assert download.sha256_of(path) == hashlib.sha256(GOOD * 100_000).hexdigest()


def test_verify_checksum_accepts_the_right_hash_and_names_the_wrong_one(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(GOOD)
    download.verify_checksum(path, GOOD_SHA256)
    with pytest.raises(DataError, match=f"checksum mismatch for {re.escape(str(path))}: expected sha256 0+, "
                                        f"got {GOOD_SHA256}"):
        download.verify_checksum(path, "0" * 64)


def _deny_reading(monkeypatch, denied):
    """Make ``open`` fail on ``denied`` as chmod 000 would (root reads anything, so chmod cannot)."""
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file) == denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)


def test_unreadable_file_is_named_by_sha256_of(tmp_path, monkeypatch):
    denied = tmp_path / NAME
    denied.write_bytes(GOOD)
    _deny_reading(monkeypatch, denied)
    with pytest.raises(DataError, match=f"cannot read {re.escape(str(denied))}: permission denied"):
        download.sha256_of(denied)


def test_unreadable_file_in_data_dir_is_named_by_locate_file(tmp_path, monkeypatch):
    (tmp_path / "mnist").mkdir()
    denied = tmp_path / "mnist" / NAME
    denied.write_bytes(GOOD)
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    _deny_reading(monkeypatch, denied)
    with pytest.raises(DataError, match=f"cannot read {re.escape(str(denied))}: permission denied"):
        download.locate_file("mnist", NAME, GOOD_SHA256, UNREACHABLE)


# ------------------------------------------------------------------ the local data folder


def test_local_data_dir_is_none_when_unset(monkeypatch):
    monkeypatch.delenv(settings.DATA_DIR_VARIABLE, raising=False)
    assert download.local_data_dir() is None


def test_local_data_dir_is_the_named_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.DATA_DIR_VARIABLE, str(tmp_path))
    assert download.local_data_dir() == tmp_path.resolve()


def test_file_in_data_dir_is_verified_used_and_nothing_written(tmp_path, monkeypatch, private_cache):
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / NAME).write_bytes(GOOD)
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    assert download.locate_file("mnist", NAME, GOOD_SHA256, UNREACHABLE) == tmp_path / "mnist" / NAME
    assert not any(private_cache.rglob("*"))


def test_wrong_file_in_data_dir_is_reported_not_replaced(tmp_path, monkeypatch, private_cache):
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / NAME).write_bytes(b"something else")
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match=f"checksum mismatch for .*{NAME}"):
        download.locate_file("mnist", NAME, GOOD_SHA256, UNREACHABLE)
    assert (tmp_path / "mnist" / NAME).read_bytes() == b"something else", "the data folder is never written"
    assert not any(private_cache.rglob("*"))


# ------------------------------------------------------------------ the cache and downloads


def test_good_cached_download_is_used_without_downloading(fake_download, private_cache):
    folder = private_cache / "downloads" / "mnist"
    folder.mkdir(parents=True)
    (folder / NAME).write_bytes(GOOD)
    assert download.locate_file("mnist", NAME, GOOD_SHA256, UNREACHABLE) == folder / NAME
    assert fake_download["downloads"] == 0


def test_download_passes_the_known_hash_to_pooch(fake_download, private_cache):
    path = download.locate_file("mnist", NAME, GOOD_SHA256, ("http://mirror/",))
    assert path == private_cache / "downloads" / "mnist" / NAME and path.read_bytes() == GOOD
    assert fake_download["known_hash"] == f"sha256:{GOOD_SHA256}"


def test_damaged_cached_download_is_replaced_and_reported(fake_download, private_cache, caplog):
    folder = private_cache / "downloads" / "mnist"
    folder.mkdir(parents=True)
    (folder / NAME).write_bytes(b"half a download")
    with caplog.at_level(logging.INFO, logger=PACKAGE_LOGGER):
        path = download.locate_file("mnist", NAME, GOOD_SHA256, ("http://mirror/",))
    assert path.read_bytes() == GOOD and fake_download["downloads"] == 1
    assert _logged(caplog, "deleted the damaged download")


def test_corrupt_cached_download_is_replaced_not_trusted(monkeypatch, private_cache):
    monkeypatch.delenv("GANBOOK_DATA_DIR", raising=False)
    folder = private_cache / "downloads" / "mnist"
    folder.mkdir(parents=True)
    (folder / NAME).write_bytes(b"half a download")
    with pytest.raises(DataError, match="downloading it failed"):
        download.locate_file("mnist", NAME, GOOD_SHA256, UNREACHABLE)
    assert not any(folder.iterdir()), "the corrupt file and any partial download must be gone"


@pytest.fixture
def mirror(tmp_path):
    """A folder served over HTTP on localhost: ``(folder, base URL)``."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    with serving(folder) as url:
        yield folder, url


def test_pooch_rejects_a_download_with_the_wrong_hash(mirror, monkeypatch, private_cache):
    """The real pooch.retrieve from a local HTTP mirror: it refuses a wrong file and keeps the right one."""
    folder, url = mirror
    monkeypatch.delenv("GANBOOK_DATA_DIR", raising=False)
    (folder / NAME).write_bytes(b"not the original")
    with pytest.raises(DataError, match=f"downloading it failed:\n  {re.escape(url + NAME)}: .*hash"):
        download.locate_file("mnist", NAME, GOOD_SHA256, (url,))
    assert not [p for p in private_cache.rglob("*") if p.is_file()]
    (folder / NAME).write_bytes(GOOD)
    assert download.locate_file("mnist", NAME, GOOD_SHA256, (url,)).read_bytes() == GOOD


# ------------------------------------------------------------------ extraction


def test_archive_member_escaping_the_target_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("fine/readme.txt", "ok")
        bundle.writestr("../escaped.txt", "gotcha")
    target = tmp_path / "out" / "extracted"
    with pytest.raises(DataError, match="outside"):
        download.safe_extract(archive, target)
    assert not (tmp_path / "out" / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert not target.exists()
    assert not list((tmp_path / "out").iterdir()), "no half-extracted staging folder may remain"


def test_safe_extract_extracts_a_good_archive(tmp_path):
    archive = tmp_path / "good.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("a/b.txt", "hello")
    download.safe_extract(archive, tmp_path / "out")
    assert (tmp_path / "out" / "a" / "b.txt").read_text() == "hello"


def test_safe_extract_leaves_nothing_when_the_check_fails(tmp_path):
    archive = tmp_path / "good.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("a/b.txt", "hello")

    def reject(staging):
        assert (staging / "a" / "b.txt").read_text() == "hello"
        raise DataError("not the original")

    with pytest.raises(DataError, match="not the original"):
        download.safe_extract(archive, tmp_path / "out" / "target", check=reject)
    assert not list((tmp_path / "out").iterdir())


def test_describe_names_foreign_errors_by_module_and_ours_bare():
    assert download.describe(zipfile.BadZipFile("bad")) == "zipfile.BadZipFile: bad"
    assert download.describe(ValueError("x")) == "ValueError: x"
    assert download.describe(DataError("y")) == "DataError: y"
