"""Write files and folders so that a reader never sees a half-written one.

Everything is first written under a temporary name in the destination's own folder and
then renamed into place (a rename within one file system is atomic on POSIX and Windows).
``tempfile`` creates its files 0600 and folders 0700; they get the permissions the process's
umask gives any new file, so a cache shared by a group of readers stays readable to all.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pooch


def _read_umask() -> int:
    mask = os.umask(0)  # the only way to read the umask is to set it: done once, at import
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _usual_mode(path: Path, directory: bool) -> None:
    os.chmod(path, (0o777 if directory else 0o666) & ~_UMASK)


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file (``pooch.file_hash``, which reads it in chunks)."""
    return pooch.file_hash(str(path), alg="sha256")


@contextlib.contextmanager
def atomic_path(destination: Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary file path; on success rename it to ``destination``, on error delete it."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=f".part{suffix}", dir=destination.parent
    )
    os.close(handle)
    temporary_path = Path(temporary)
    _usual_mode(temporary_path, directory=False)
    try:
        yield temporary_path
        os.replace(temporary_path, destination)
    finally:
        temporary_path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_directory(destination: Path) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces ``destination``, on error it is removed."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent))
    _usual_mode(temporary, directory=True)
    try:
        yield temporary
        if destination.exists():
            shutil.rmtree(destination)
        os.replace(temporary, destination)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)
