"""Write files and folders so that a reader never sees a half-written one; extract zip archives safely.

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
import zipfile
from collections.abc import Callable, Collection, Iterator
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


class UnsafeArchive(ValueError):
    """A zip archive that ``extract_zip`` refuses; the message names the archive and why."""


# A zip member's Unix file type (the high bits of external_attr): 0 where the archiver set none.
_REGULAR_OR_FOLDER = (0, 0o100000, 0o040000)


def extract_zip(archive: Path, folder: Path, names: Collection[str] | None = None,
                max_bytes: int | None = None, refuse: Callable[[str], Exception] = UnsafeArchive) -> None:
    """Extract a zip archive's files (and folders) into the existing ``folder``.

    The whole archive is refused (``refuse(message)`` is raised, ``UnsafeArchive`` unless the caller
    names its own error; before anything is written) when a member
    would land outside ``folder``, is a link or special file, or repeats a name; when ``names``
    is given and the members are not exactly those files; or when it unpacks to more than
    ``max_bytes``. A damaged archive raises zipfile's own errors. (``zipfile.extractall``
    alone strips ``..`` but writes links as files and does not bound the size.)
    """
    root = Path(folder).resolve()
    with zipfile.ZipFile(archive) as bundle:
        problem = _archive_problem(bundle.infolist(), root, names, max_bytes)
        if problem is not None:
            raise refuse(f"{Path(archive).name} {problem}")
        bundle.extractall(root)


def _archive_problem(members: list[zipfile.ZipInfo], root: Path, names: Collection[str] | None,
                     max_bytes: int | None) -> str | None:
    found = [member.filename for member in members]
    if names is not None and sorted(found) != sorted(names):
        return f"holds {found}, not exactly the files {sorted(names)}"
    if len(set(found)) != len(found):
        return "names a member twice"
    for member in members:
        destination = (root / member.filename).resolve()
        if destination != root and root not in destination.parents:
            return f"has a member {member.filename!r} that would be written outside {root}"
        if (member.external_attr >> 16) & 0o170000 not in _REGULAR_OR_FOLDER:
            return f"holds a link or special file ({member.filename!r})"
    if max_bytes is not None and sum(member.file_size for member in members) > max_bytes:
        return f"unpacks to more than {max_bytes} bytes"
    return None
