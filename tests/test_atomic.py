"""ganbook.atomic: readers see the old file or the new one, never part of one; no leftovers; umask modes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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
