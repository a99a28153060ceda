"""ganbook.rebuild: a chapter's key follows the package code its cells call and the models they name,
so that a rebuild executes again exactly the chapters whose code or models changed."""

from __future__ import annotations

import ast
import importlib
import json
import shutil
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


KERNEL = "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n"


def chapter(*cells: str, front: str = "") -> str:
    body = "".join(f"```{{code-cell}} ipython3\n:tags: [remove-input]\n{cell}\n```\n\nProse.\n\n" for cell in cells)
    return f"---\n{KERNEL}{front}---\n\n# A chapter\n\n{body}"


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


def _myst_notebook(path):
    read = pytest.importorskip("myst_nb.core.read")
    return read.read_myst_markdown_notebook(path.read_text())


def test_a_published_execution_is_taken_under_its_key_and_matched_by_jupyter_cache(project, tmp_path, monkeypatch):
    """The publisher packs its executed first chapter; a reader's first build takes it, with its
    cells' times, and executes the second (not published); after an edit to the code the first
    calls, its key is another and nothing is taken."""
    jupyter_cache = pytest.importorskip("jupyter_cache")
    from jupyter_cache.base import CacheBundleIn

    from ganbook import machine, remote
    from tests.serving import serving

    from ganbook import results

    monkeypatch.setenv("GANBOOK_CACHE_DIR", str(tmp_path / "publisher-cache"))
    results.record("chap-first", "eight", 8.0, digits=0)
    published = tmp_path / "publisher"
    cache = jupyter_cache.get_cache(published / ".jupyter_cache")
    executed = _myst_notebook(project / "book" / "first.md")
    nbformat = pytest.importorskip("nbformat")
    called = next(cell for cell in executed.cells if cell.source == "helpers.doubled(4)")
    called.outputs = [nbformat.v4.new_output("stream", name="stdout", text="8\n")]
    cache.cache_notebook_bundle(CacheBundleIn(executed, str(project / "book" / "first.md"),
                                              data={"execution_seconds": 1.5}), check_validity=False)
    keys = rebuild.chapter_keys(project)
    (published / ".jupyter_cache" / rebuild.KEYS_FILE).write_text(json.dumps(keys))
    timed = {machine.source_key(called.source): 0.25}
    (published / ".jupyter_cache" / rebuild.CELL_SECONDS_FILE).write_text(json.dumps(timed))
    folders = rebuild.chapter_folders(published, project, tmp_path / "folders")
    assert [folder.name for folder in folders] == [rebuild.entry_name("book/first", keys["book/first"])]
    remote.pack([], tmp_path / "site", folders)

    reader = project / "_build"
    monkeypatch.setenv("GANBOOK_CACHE_DIR", str(tmp_path / "reader-cache"))
    with serving(tmp_path / "site") as url:
        monkeypatch.setenv("GANBOOK_MODELS_URL", url)
        assert rebuild.prepare(reader, project) == ([], ["book/first"])
        assert results.load_all() == {"chap-first": {"eight": {"value": 8.0, "unit": "", "digits": 0}}}
        taken = jupyter_cache.get_cache(reader / ".jupyter_cache")
        record = taken.match_cache_notebook(_myst_notebook(project / "book" / "first.md"))
        assert record.data["execution_seconds"] == 1.5
        cells = taken.get_cache_bundle(record.pk).nb.cells
        assert next(cell for cell in cells if cell.source == called.source).outputs[0]["text"] == "8\n"
        assert json.loads((reader / ".jupyter_cache" / rebuild.CELL_SECONDS_FILE).read_text()) == timed

        shutil.rmtree(reader)
        first = project / "book" / "first.md"
        first.write_text(first.read_text() + "```{code-cell} ipython3\ny = 1\n```\n")
        assert rebuild.prepare(reader, project) == ([], []), "the same key, but other code cells"
        shutil.rmtree(reader)
        (project / "chapterpkg" / "helpers.py").write_text(HELPERS.replace("SCALE * x", "SCALE * x + 1"))
        assert rebuild.prepare(reader, project) == ([], []), "another key: the published run is not this code's"


def test_a_model_named_by_an_f_string_counts_for_every_recipe_it_may_name(project):
    (project / "book" / "second.md").write_text(chapter('from ganbook import zoo\n'
                                                        'vaes = {d: zoo.get(f"vae-{d}") for d in (2, 20)}'))
    text = (project / "book" / "second.md").read_text()
    tree = ast.parse("\n".join(rebuild.code_cells(text)))
    assert {"vae-2", "vae-20", "vae-50", "vae-latent-gan"} <= rebuild._recipe_names(tree)


def test_a_chapter_a_failed_build_ran_with_other_code_runs_again_after_a_revert(project):
    """Stored K0 (a clean build), then a build with an edit (K1) failed elsewhere but ran this
    chapter; reverting the edit gives K0 again, and the chapter must not keep K1's outputs."""
    keys = rebuild.chapter_keys(project)
    build = project / "_build"
    (build / ".jupyter_cache").mkdir(parents=True)
    (build / ".jupyter_cache" / rebuild.KEYS_FILE).write_text(json.dumps(keys))
    (build / rebuild.PENDING_FILE).write_text(json.dumps({**keys, "book/first": "the edited code's key"}))
    assert rebuild.forget_changed(build, project) == ["book/first"]


def _cache_execution(build, project, docname: str) -> None:
    """Put an execution of ``docname`` in the build's jupyter-cache, as a build that ran it leaves one."""
    jupyter_cache = pytest.importorskip("jupyter_cache")
    nbformat = pytest.importorskip("nbformat")
    from jupyter_cache.base import CacheBundleIn

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = '{docname}'")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    jupyter_cache.get_cache(build / ".jupyter_cache").cache_notebook_bundle(
        CacheBundleIn(notebook, str(project / f"{docname}.md")), check_validity=False)


def test_after_a_failed_first_build_only_the_chapters_it_did_not_execute_run_again(project):
    """No clean build stored keys; the failed build executed the first chapter (its execution is in
    jupyter-cache) but not the second: the next build runs the second only, and the first too once
    its code changes."""
    build = project / "_build"
    keys = rebuild.chapter_keys(project)
    _cache_execution(build, project, "book/first")
    (build / rebuild.PENDING_FILE).write_text(json.dumps(keys))  # what the failed build's prepare left
    assert rebuild.forget_changed(build, project) == ["book/second"]
    (project / "chapterpkg" / "helpers.py").write_text(HELPERS.replace("SCALE * x", "SCALE * x + 1"))
    assert rebuild.forget_changed(build, project) == ["book/first", "book/second"]


def test_a_damaged_keys_file_or_a_chapter_that_cannot_be_followed_means_executing_not_crashing(project):
    build = project / "_build"
    (build / ".jupyter_cache").mkdir(parents=True)
    (build / ".jupyter_cache" / rebuild.KEYS_FILE).write_text("[not, json")
    (project / "book" / "second.md").write_text(chapter("from chapterpkg.missing import nothing"))
    keys = rebuild.chapter_keys(project)
    assert keys["book/second"] is None and keys["book/first"] is not None
    assert rebuild.forget_changed(build, project) == ["book/first", "book/second"]


def test_the_real_books_chapters_all_have_keys_but_the_forced_ones():
    from ganbook import machine

    keys = rebuild.chapter_keys(machine.REPO)
    forced = {name for name, key in keys.items() if key is None}
    assert forced == {"book/zz-reproducibility", "book/reading-group"}
    assert len(set(keys.values()) - {None}) == len(keys) - len(forced), "two chapters share a key"


def test_published_chapters_off_takes_none(project, monkeypatch):
    monkeypatch.setenv("GANBOOK_MODELS_URL", "http://127.0.0.1:9/unreachable/")
    monkeypatch.setenv("GANBOOK_PUBLISHED_CHAPTERS", "off")
    assert rebuild.prepare(project / "_build", project) == ([], [])


def test_no_chapter_key_depends_on_where_the_clone_or_its_interpreter_lives():
    """A published chapter is taken only under the same key: a path in what the key hashes (the
    registry's trainer command held the interpreter's) would make every reader's key another."""
    from ganbook import codekeys, machine

    for path in sorted((machine.REPO / "book").glob("*.md")):
        tree = ast.parse("\n".join(rebuild.code_cells(path.read_text())))
        used = dict(rebuild._used(tree, rebuild._bound_names(tree)))
        starts = rebuild._starts(used)
        _, values = codekeys.reachable(*starts) if starts else ([], {})
        texts = [codekeys.stable_repr(value) for value in values.values()]
        texts += [codekeys.stable_repr(value) for value in used.values() if codekeys.is_constant(value)]
        assert not [text for text in texts if str(machine.REPO) in text or sys.executable in text], path.name


def test_the_registrys_trainer_command_is_not_in_any_chapter_key(monkeypatch):
    from ganbook import machine, zoo

    before = rebuild.chapter_keys(machine.REPO)
    monkeypatch.setattr(zoo, "TRAINER", ("/elsewhere/bin/python", "-m", "ganbook.pretrain"))
    assert rebuild.chapter_keys(machine.REPO) == before
