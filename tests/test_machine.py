"""ganbook.machine: the appendix's machine and software table, and the chapters in table-of-contents order."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ganbook import machine

REPO = Path(__file__).resolve().parents[1]
ONEDNN = "TensorFlow's oneDNN kernels (TF_ENABLE_ONEDNN_OPTS)"
BFLOAT16 = "bfloat16 instructions in the CPU (AVX512_BF16, AMX_BF16)"
ITEMS = ["built from commit", "operating system", "CPU", "cores visible to Python", "memory", "Python", "TensorFlow", ONEDNN,
         BFLOAT16, "Keras", "NumPy", "Jupyter Book", "myst-nb"]


def test_describe_names_every_item_in_order_with_a_text_value():
    described = machine.describe()
    assert list(described) == ITEMS
    assert all(isinstance(value, str) and value for value in described.values())


def test_native_bfloat16_reads_the_flags_line_of_cpuinfo():
    def cpuinfo(flags):
        return f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: {flags}\n"

    assert machine.native_bfloat16(cpuinfo("fpu avx2 avx512f avx512_bf16 amx_tile"))
    assert machine.native_bfloat16(cpuinfo("fpu avx2 amx_bf16 amx_tile"))
    assert not machine.native_bfloat16(cpuinfo("fpu avx2 avx512f avx512_vnni"))
    assert not machine.native_bfloat16(cpuinfo("fpu avx2 avx512_bf16x"))  # whole names only
    assert not machine.native_bfloat16("processor\t: 0\n")  # no flags line: unknown, so no


def test_describe_values_are_this_machine_and_this_interpreter():
    described = machine.describe()
    assert described["operating system"] == platform.platform()
    assert described["cores visible to Python"] == str(os.cpu_count())
    assert described["Python"] == "{}.{}.{}".format(*sys.version_info[:3])
    assert described["NumPy"] == np.__version__
    assert described[ONEDNN] == os.environ["TF_ENABLE_ONEDNN_OPTS"]  # importing ganbook set it
    import keras
    import tensorflow as tf

    assert described["Keras"] == keras.__version__
    assert described["TensorFlow"] == tf.__version__
    memory = described["memory"]
    assert memory == machine.UNKNOWN or (memory.endswith(" GiB") and float(memory.split()[0]) > 0)


def test_a_missing_package_is_named_not_installed():
    assert machine.version("no-such-distribution-ganbook") == machine.NOT_INSTALLED


def test_toc_chapters_match_a_yaml_reading_of_the_table_of_contents():
    yaml = pytest.importorskip("yaml")
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    expected = [entry["file"] for part in toc["parts"] for entry in part["chapters"]]
    assert machine.toc_chapters() == expected
    assert toc["root"] not in expected


def test_in_book_order_follows_the_table_of_contents_then_other_labels_alphabetically():
    chapters = [machine.chapter_label(entry) for entry in machine.toc_chapters()]
    shuffled = [chapters[2], "chap-zzz-unlisted", chapters[0], "chap-aaa-unlisted", chapters[1]]
    assert machine.in_book_order(shuffled) == chapters[:3] + ["chap-aaa-unlisted", "chap-zzz-unlisted"]


def test_toc_reading_ignores_comments_quotes_and_the_root_page(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - caption: One\n    chapters:\n"
        "      - file: book/b  # comment\n      # - file: book/commented-out\n"
        "      - file: 'book/a'\n      - file: \"c\"\n")
    assert machine.toc_chapters(tmp_path) == ["book/b", "book/a", "c"]
    in_order = machine.in_book_order(["chap-c", "chap-a", "chap-b"], root=tmp_path)
    assert in_order == ["chap-b", "chap-a", "chap-c"]


def test_a_folder_without_a_table_of_contents_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no _toc.yml at .* pass the book's folder"):
        machine.toc_chapters(tmp_path)


def test_works_from_another_working_directory_without_yaml(tmp_path):
    # the appendix runs in book/ and the book's environment need not have PyYAML: block it and move away
    script = ("import sys; sys.modules['yaml'] = None\n"
              "from ganbook import machine\n"
              "assert machine.describe()['Python']\n"
              "print(','.join(machine.in_book_order(['chap-gan', 'chap-appetizer'])))")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "chap-appetizer,chap-gan"


def test_the_appendix_imports_no_yaml_and_reads_no_relative_path():
    appendix = (REPO / "book" / "zz-reproducibility.md").read_text()
    assert "yaml" not in appendix
    assert "../" not in appendix and "open(" not in appendix
    assert "machine.describe()" in appendix and "machine.in_book_order(" in appendix


def test_the_commit_is_heads_and_says_when_the_tree_has_local_changes(tmp_path):
    assert machine.source_commit(tmp_path) == machine.UNKNOWN, "not a clone: no commit is made up"
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.txt").write_text("one")
    subprocess.run([*git, "add", "a.txt"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout
    assert machine.source_commit(tmp_path) == head[:12]
    (tmp_path / "a.txt").write_text("two")
    assert machine.source_commit(tmp_path) == head[:12] + " + local changes"


def _executed(folder: Path, cells: list[dict]) -> None:
    (folder / "book").mkdir(parents=True)
    (folder / "book" / "gan.ipynb").write_text(json.dumps({"cells": cells}))


def test_cell_seconds_reads_the_time_recorded_for_the_cells_source(tmp_path):
    source = ["x = 1\n", "dcgan = zoo.get('dcgan')"]
    _executed(tmp_path, [{"cell_type": "markdown", "source": "zoo.get", "metadata": {}},
                         {"cell_type": "code", "source": source, "metadata": {}}])
    timing = {"iopub.execute_input": "2026-11-27T10:00:00.250000Z", "shell.execute_reply": "2026-11-27T10:00:03.750000Z"}
    seconds = tmp_path / "seconds.json"
    machine.record_cell_seconds(seconds, {"other": 1.0})
    machine.record_cell_seconds(seconds, {machine.source_key("".join(source)): machine.execution_seconds(timing)})
    assert machine.cell_seconds("book/gan", "zoo.get('dcgan')", tmp_path, seconds) == pytest.approx(3.5)
    assert json.loads(seconds.read_text())["other"] == 1.0, "recording merges, it does not replace"


def test_cell_seconds_names_a_cell_that_is_gone_or_untimed(tmp_path, monkeypatch):
    _executed(tmp_path, [{"cell_type": "code", "source": "plot()", "metadata": {}}])
    seconds = tmp_path / "seconds.json"
    machine.record_cell_seconds(seconds, {})
    with pytest.raises(LookupError, match=re.escape("no code cell of book/gan contains 'train()'")):
        machine.cell_seconds("book/gan", "train()", tmp_path, seconds)
    with pytest.raises(LookupError, match="no recorded time"):
        machine.cell_seconds("book/gan", "plot()", tmp_path, seconds)
    monkeypatch.delenv(machine.EXECUTED_VARIABLE, raising=False)
    with pytest.raises(LookupError, match=machine.EXECUTED_VARIABLE):
        machine.cell_seconds("book/gan", "plot()")


def test_names_follow_their_declared_order_first_place_counting_and_the_others_come_last_alphabetically():
    declared = ["gan", "vae", "intro", "vae"]
    assert machine.in_declared_order(["zeta", "vae", "alpha", "gan"], declared) == ["gan", "vae", "alpha", "zeta"]
    assert machine.in_declared_order([], declared) == []
