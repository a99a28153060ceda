"""Verified data files: the local data folder, SHA-256 checks, downloads and safe extraction.

Shared by every data set. Files come from ``GANBOOK_DATA_DIR`` when it holds them (nothing is
written there), else from the cache, else from a download with ``pooch``, which checks the known
SHA-256 itself. A damaged cached download is deleted and fetched again, and reported in one line
on the ``ganbook.data`` logger (INFO: a repaired cache is no error, and a chapter's stderr must
stay empty; the build's pre-training prints these lines).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ganbook import atomic, settings
from ganbook.atomic import atomic_directory, extract_zip

log = logging.getLogger(__package__)  # "ganbook.data": one logger for the whole package

# What a data folder holds, one folder per data set (named in the message for a mistyped path).
DATA_DIR_CONTENTS = "mnist/ and cats_and_dogs_filtered/"
EXAMPLE_DATA_DIR = "../shared/data"


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
        f"{settings.DATA_DIR_VARIABLE}={local} {problem}. Fix: point it at the folder that holds "
        f"{DATA_DIR_CONTENTS} (for example {EXAMPLE_DATA_DIR}), or unset it to download the data."
    )


def unreadable(path: Path) -> DataError:
    """The error for a file the process may not read."""
    return DataError(f"cannot read {path}: permission denied. Fix: make it readable (chmod a+r) or point "
                     f"{settings.DATA_DIR_VARIABLE} at a readable copy.")


def describe(error: BaseException) -> str:
    """``zlib.error: Error -3 ...``: the bare class name of some errors (``error``) says nothing."""
    kind = type(error)
    bare = kind.__module__ in ("builtins", __name__)  # DataError is defined here
    name = kind.__name__ if bare else f"{kind.__module__}.{kind.__name__}"
    return f"{name}: {error}"


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a data file (``ganbook.atomic.sha256_of``); DataError naming it when it cannot be read."""
    try:
        return atomic.sha256_of(path)
    except PermissionError:
        raise unreadable(path) from None


def verify_checksum(path: Path, expected_sha256: str) -> None:
    """Raise DataError unless ``path`` has the expected SHA-256."""
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise DataError(
            f"checksum mismatch for {path}: expected sha256 {expected_sha256}, got {actual}. "
            "The file is corrupt or not the original; delete it (or fix GANBOOK_DATA_DIR) and run again "
            "to fetch a fresh copy."
        )


def _download(name: str, known_sha256: str, urls: tuple[str, ...], folder: Path) -> Path:
    """Fetch ``name`` from the first mirror that answers, into the cache; pooch checks its hash."""
    fetcher = settings.quiet_pooch()
    errors = []
    for base in urls:
        try:
            path = fetcher.retrieve(url=base + name, known_hash=f"sha256:{known_sha256}", fname=name,
                                    path=folder, progressbar=False)
            return Path(path)
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            errors.append(f"{base}{name}: {error}")
    raise DataError(
        f"data file {name} is not in GANBOOK_DATA_DIR ({local_data_dir()}) nor in the cache ({folder}), "
        "and downloading it failed:\n  " + "\n  ".join(errors) + "\n"
        "Fix: connect to the internet, or set GANBOOK_DATA_DIR to a folder holding "
        f"{folder.name}/{name} (for example {EXAMPLE_DATA_DIR})."
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


def _refused(message: str) -> DataError:
    return DataError(f"{message}: refusing to extract it (the archive is corrupt or malicious: delete it)")


def safe_extract(archive: Path, target: Path, check: Callable[[Path], None] | None = None) -> None:
    """Extract a zip into ``target`` atomically (``ganbook.atomic.extract_zip``: nothing outside it, no links).

    ``check``, when given, is called on the extracted staging folder before it replaces ``target``;
    if it raises, nothing is left behind.
    """
    with atomic_directory(Path(target)) as staging:
        extract_zip(archive, staging, refuse=_refused)
        if check is not None:
            check(staging.resolve())
