"""ganbook.rebuild: a chapter's key follows the package code its cells call and the models they name,
so that a rebuild executes again exactly the chapters whose code or models changed."""

from __future__ import annotations

import importlib
import json
import sys

import pytest

from ganbook import rebuild

HELPERS = '''
SCALE = 2


def doubled(x):
    return SCALE * x


def unrelated(x):
    return x - 1
'''
OTHER = '''
def tripled(x):
    return 3 * x
'''


def chapter(*cells: str, front: str = "") -> str:
    body = "".join(f"```{{code-cell}} ipython3\n:tags: [remove-input]\n{cell}\n```\n\nProse.\n\n" for cell in cells)
    return f"---\n{front}---\n\n# A chapter\n\n{body}"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A package ``chapterpkg`` (two modules) and a book of two chapters, one calling each module."""
    package = tmp_path / "chapterpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text(HELPERS)
    (package / "other.py").write_text(OTHER)
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "first.md").write_text(chapter("from chapterpkg import helpers", "helpers.doubled(4)"))
    (tmp_path / "book" / "second.md").write_text(chapter("from chapterpkg.other import tripled\ntripled(2)"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(rebuild, "PACKAGES", ("ganbook", "chapterpkg"))
    yield tmp_path
    for name in [name for name in sys.modules if name.startswith("chapterpkg")]:
        del sys.modules[name]


def test_code_cells_drop_options_and_magics():
    text = (chapter("%matplotlib inline\nx = 1")
            + "```{code-cell} ipython3\n---\ntags: [hide-input]\n---\ny = 2\n```\n")
    assert rebuild.code_cells(text) == ["x = 1", "y = 2"]


def test_editing_a_function_one_chapter_calls_changes_that_chapters_key_only(project):
    before = rebuild.chapter_keys(project)
    helpers = project / "chapterpkg" / "helpers.py"
    helpers.write_text(HELPERS.replace("return x - 1", "return x - 2"))  # not reached by either chapter
    assert rebuild.chapter_keys(project) == before
    helpers.write_text(HELPERS.replace("return SCALE * x", "return SCALE * x + 1"))
    after = rebuild.chapter_keys(project)
    assert after["book/first"] != before["book/first"] and after["book/second"] == before["book/second"]
    assert rebuild.changed(before, after) == ["book/first"]


def test_a_constant_the_called_code_reads_is_part_of_the_key(project):
    before = rebuild.chapter_keys(project)
    (project / "chapterpkg" / "helpers.py").write_text(HELPERS.replace("SCALE = 2", "SCALE = 3"))
    importlib.reload(importlib.import_module("chapterpkg.helpers"))
    assert rebuild.chapter_keys(project)["book/first"] != before["book/first"]


def test_a_chapter_naming_a_model_changes_its_key_with_that_models_key(project, monkeypatch):
    (project / "book" / "second.md").write_text(chapter('from ganbook import zoo\nzoo.get("dcgan")'))
    before = rebuild.chapter_keys(project)
    monkeypatch.setattr(rebuild.codekeys, "cache_key", lambda recipe: f"another key of {recipe.name}")
    after = rebuild.chapter_keys(project)
    assert rebuild.changed(before, after) == ["book/second"]


def test_a_forced_chapter_runs_every_time_and_a_new_chapter_runs_once(project):
    (project / "book" / "appendix.md").write_text(chapter("x = 1", front="mystnb:\n  execution_mode: force\n"))
    keys = rebuild.chapter_keys(project)
    assert keys["book/appendix"] is None
    assert rebuild.changed(keys, keys) == ["book/appendix"]
    assert rebuild.changed({}, keys) == sorted(keys)


def test_forget_changed_removes_the_doctree_of_a_changed_chapter_and_remember_keeps_the_keys(project):
    build = project / "_build"
    (build / ".jupyter_cache").mkdir(parents=True)
    (build / ".doctrees" / "book").mkdir(parents=True)
    for name in ("first", "second"):
        (build / ".doctrees" / "book" / f"{name}.doctree").write_text("saved")
    assert rebuild.forget_changed(build, project) == ["book/first", "book/second"]  # no keys stored yet
    rebuild.remember(build)
    stored = json.loads((build / ".jupyter_cache" / rebuild.KEYS_FILE).read_text())
    assert stored == rebuild.chapter_keys(project)
    for name in ("first", "second"):
        (build / ".doctrees" / "book" / f"{name}.doctree").write_text("saved")
    (project / "chapterpkg" / "other.py").write_text(OTHER.replace("3 * x", "3 * x + 1"))
    assert rebuild.forget_changed(build, project) == ["book/second"]
    assert (build / ".doctrees" / "book" / "first.doctree").exists()
    assert not (build / ".doctrees" / "book" / "second.doctree").exists()


def test_forget_removes_the_cached_executions_of_the_named_chapters_only(tmp_path):
    jupyter_cache = pytest.importorskip("jupyter_cache")
    nbformat = pytest.importorskip("nbformat")
    from jupyter_cache.base import CacheBundleIn

    build = tmp_path / "_build"
    cache = jupyter_cache.get_cache(build / ".jupyter_cache")
    for name in ("first", "second"):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = '{name}'")])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        cache.cache_notebook_bundle(CacheBundleIn(notebook, str(tmp_path / "book" / f"{name}.md")), check_validity=False)
    rebuild.forget(build, ["book/first"])
    assert [record.uri.rsplit("/", 1)[1] for record in cache.list_cache_records()] == ["second.md"]
