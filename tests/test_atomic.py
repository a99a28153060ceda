"""ganbook.atomic: readers see the old file or the new one, never part of one; no leftovers; umask modes."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
import zipfile

import pytest

from ganbook import atomic
from ganbook.atomic import atomic_directory, atomic_path


class Interrupted(Exception):
    pass


def _leftovers(folder):
    return sorted(path.name for path in folder.iterdir() if ".part" in path.name)


def test_a_failed_write_leaves_no_partial_file_and_no_temporary_file(tmp_path):
    destination = tmp_path / "new" / "weights.bin"
    with pytest.raises(Interrupted):
        with atomic_path(destination) as temporary:
            temporary.write_bytes(b"half of the")
            raise Interrupted
    assert not destination.exists()
    assert list(destination.parent.iterdir()) == []


def test_an_existing_file_is_replaced_whole_and_only_at_the_end(tmp_path):
    destination = tmp_path / "record.json"
    destination.write_text("old")
    with atomic_path(destination, suffix=".json") as temporary:
        assert temporary.parent == tmp_path and temporary.name.endswith(".part.json")
        temporary.write_text("new, ")
        assert destination.read_text() == "old", "a reader during the write must see the old file"
        with temporary.open("a") as handle:
            handle.write("complete")
    assert destination.read_text() == "new, complete"
    assert _leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_existing_file(tmp_path):
    destination = tmp_path / "record.json"
    destination.write_text("old")
    with pytest.raises(Interrupted):
        with atomic_path(destination) as temporary:
            temporary.write_text("new but unfinished")
            raise Interrupted
    assert destination.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_a_folder_replaces_the_old_one_whole_and_a_failed_one_leaves_nothing(tmp_path):
    destination = tmp_path / "entry"
    destination.mkdir()
    (destination / "stale.txt").write_text("from the old entry")
    with atomic_directory(destination) as temporary:
        assert list(temporary.iterdir()) == []
        (temporary / "weights.bin").write_bytes(b"new")
        assert (destination / "stale.txt").exists(), "a reader during the write must see the old folder"
    assert sorted(path.name for path in destination.iterdir()) == ["weights.bin"]
    with pytest.raises(Interrupted):
        with atomic_directory(destination) as temporary:
            (temporary / "weights.bin").write_bytes(b"unfinished")
            raise Interrupted
    assert (destination / "weights.bin").read_bytes() == b"new"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("umask, file_mode, folder_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750),
                                                          (0o077, 0o600, 0o700)])
def test_permissions_follow_the_umask_not_tempfiles_private_modes(tmp_path, umask, file_mode, folder_mode):
    # the module reads the umask once, at import: set it first, in a fresh interpreter
    script = (f"import json, os, stat, sys; os.umask({umask:#o})\n"
              "from pathlib import Path\n"
              "from ganbook.atomic import atomic_directory, atomic_path\n"
              "folder = Path(sys.argv[1])\n"
              "with atomic_path(folder / 'file') as temporary:\n"
              "    temporary.write_text('x')\n"
              "with atomic_directory(folder / 'folder') as temporary:\n"
              "    pass\n"
              "modes = [stat.S_IMODE((folder / name).stat().st_mode) for name in ('file', 'folder')]\n"
              "print(json.dumps(modes))")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [file_mode, folder_mode]


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as bundle:
        for name, text in members:
            bundle.writestr(name, text)
    return path


def test_extract_zip_writes_the_files_and_folders_of_a_good_archive(tmp_path):
    archive = _zip(tmp_path / "good.zip", [("a.txt", "one"), ("sub/b.txt", "two")])
    (tmp_path / "out").mkdir()
    atomic.extract_zip(archive, tmp_path / "out", max_bytes=6)
    assert (tmp_path / "out" / "a.txt").read_text() == "one"
    assert (tmp_path / "out" / "sub" / "b.txt").read_text() == "two"


@pytest.mark.parametrize("members, options, reason", [
    ([("../escaped.txt", "x")], {}, "outside"),
    ([("a.txt", "x"), ("a.txt", "y")], {}, "names a member twice"),
    ([("a.txt", "x"), ("extra.txt", "y")], {"names": ["a.txt"]}, "not exactly the files"),
    ([("a.txt", "x" * 100)], {"max_bytes": 99}, "more than 99 bytes"),
])
def test_extract_zip_refuses_a_whole_unsafe_archive_before_writing(tmp_path, members, options, reason):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of a duplicate name
        archive = _zip(tmp_path / "bad.zip", members)
    (tmp_path / "out").mkdir()
    with pytest.raises(atomic.UnsafeArchive, match=reason):
        atomic.extract_zip(archive, tmp_path / "out", **options)
    assert not list((tmp_path / "out").iterdir()) and not (tmp_path / "escaped.txt").exists()


def archive_with_a_link(path, name="a.txt", others=()):
    """A zip whose member ``name`` is a symbolic link to /etc/passwd (beside plain ``others``)."""
    with zipfile.ZipFile(path, "w") as bundle:
        for other in others:
            bundle.writestr(other, "{}")
        link = zipfile.ZipInfo(name)
        link.external_attr = 0o120777 << 16  # a symbolic link
        bundle.writestr(link, "/etc/passwd")
    return path


def test_extract_zip_refuses_a_link(tmp_path):
    archive = archive_with_a_link(tmp_path / "link.zip")
    (tmp_path / "out").mkdir()
    with pytest.raises(atomic.UnsafeArchive, match="link"):
        atomic.extract_zip(archive, tmp_path / "out")
