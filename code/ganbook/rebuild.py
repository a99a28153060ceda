"""Which chapters a build executes: those whose code, or whose models, changed, unless published.

    python -m ganbook.rebuild prepare _build    # before jupyter-book: forget what changed, fetch what is published
    python -m ganbook.rebuild remember _build   # after a clean build: keep the chapters' keys

jupyter-cache executes a chapter again only when its code cells change, and Sphinx reads a
chapter again only when its source (or a file it includes) changed. But a chapter's outputs also
depend on the package code its cells call and on the models it loads. A chapter's key hashes
both, found as a model's key is found (``ganbook.codekeys``): the code that the package names in
its cells reach (``metrics.parzen_evaluation`` and everything that calls), the module-level
constants they read, the cache key (and the arithmetic, ``work``) of every model whose recipe
name the cells mention (all models for a chapter that lists them, ``zoo.names()``), the
libraries' versions and the figures' style file. A chapter whose front matter says
``execution_mode: force`` runs in every build (the appendix, and the reading-group plan, which
reports the other chapters' cell times).

``prepare`` compares each chapter's key with the one stored after the last clean build and, for
a chapter whose key differs, removes its cached execution and its saved doctree, so that Sphinx
reads it again and myst-nb executes it; ``remember`` stores the keys (beside jupyter-cache's
database, so that the two are forgotten together). Editing a function that one chapter calls
then re-executes that chapter and no other.

A chapter with no cached execution is then asked of the published site, where the publishing
workflow puts each executed chapter under its key (``chapter_folders``, packed by
``python -m ganbook.publish`` beside the models): a chapter published under the same key ran the
same code on the same models, so a reader's first build takes it (into jupyter-cache, which
still matches it against the chapter's code cells), with the headline numbers it recorded and its
cells' times, instead of executing it, as it takes the published models instead of training them.
``GANBOOK_MODELS_URL=off`` turns both off, ``GANBOOK_PUBLISHED_CHAPTERS=off`` this one only (the
publishing workflow executes every chapter itself).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
import inspect
import json
import logging
import math
import re
import tempfile
import types
from collections.abc import Iterator, Sequence
from pathlib import Path

from ganbook import codekeys, machine, remote, results, settings, zoo
from ganbook.atomic import atomic_path

log = logging.getLogger(__name__)

BOOK_FOLDER = "book"
KEYS_FILE = "ganbook-chapter-keys.json"  # in _build/.jupyter_cache, beside jupyter-cache's database
CELL_SECONDS_FILE = "ganbook-cell-seconds.json"  # there too: the cells' times (_ext/ganbook_execution_order.py)
PENDING_FILE = ".ganbook-chapter-keys.pending.json"  # in _build: the keys of the build under way
PACKAGES = ("ganbook",)  # whose code a chapter key follows (the tests add a package of their own)
# A MyST notebook's code cells; the package parses them itself, so that it needs no myst-nb.
_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_FORCED = re.compile(r"^\s*execution_mode:\s*force\s*$", re.MULTILINE)


def code_cells(text: str) -> list[str]:
    """The code of each code cell of a MyST notebook, its cell options (``:tags:`` lines) and
    IPython's ``%`` and ``!`` lines left out."""
    cells = []
    for body in _CODE_CELL.findall(text):
        lines = body.splitlines()
        if lines and lines[0].strip() == "---":  # options as a YAML block
            end = lines.index("---", 1) if "---" in lines[1:] else 0
            lines = lines[end + 1:]
        cells.append(_python(lines))
    return cells


def _python(lines: list[str]) -> str:
    """A cell's lines without cell options (``:tags:``) and IPython's ``%`` and ``!`` lines."""
    return "\n".join(line for line in lines if not line.lstrip().startswith((":", "%", "!")))


def _bound_names(tree: ast.AST) -> dict[str, object]:
    """The names the cells bind to the package's modules and objects by ``import``."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in PACKAGES:
                    module = importlib.import_module(alias.name)  # ``import ganbook.x`` binds ``ganbook``
                    bound[alias.asname or top] = module if alias.asname else importlib.import_module(top)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PACKAGES:
            module = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if value is None:  # a submodule not imported by its package
                    value = importlib.import_module(f"{node.module}.{alias.name}")
                bound[alias.asname or alias.name] = value
    return bound


def _used(tree: ast.AST, bound: dict[str, object]) -> Iterator[tuple[str, object]]:
    """(name, object) for each package object the cells use: a bound name, or ``module.attribute``
    (also ``package.module.attribute``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in bound:
            yield node.id, bound[node.id]
        elif isinstance(node, ast.Attribute):
            chain, inner = [node.attr], node.value
            while isinstance(inner, ast.Attribute):
                chain.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id in bound:
                value, where = bound[inner.id], inner.id
                for attribute in reversed(chain):
                    if not isinstance(value, types.ModuleType) or not hasattr(value, attribute):
                        break
                    value, where = getattr(value, attribute), f"{where}.{attribute}"
                    yield where, value


def _recipe_names(tree: ast.AST) -> set[str]:
    """The recipes a chapter names: a string that is a recipe's name, or an f-string that begins like
    some (``f"vae-{size}"`` names every ``vae-`` recipe)."""
    known = set(zoo.names())
    named = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            start = str(node.values[0].value)
            named |= {name for name in known if start and name.startswith(start)}
    return named & known


# What every chapter's outputs depend on besides its code: the libraries' versions and the
# figures' style file (ganbook.plotting's, package data that no syntax tree shows).
LIBRARIES = ("keras", "numpy", "scipy", "scikit-learn", "matplotlib", "pillow")
STYLE_FILE = Path(__file__).with_name("book.mplstyle")


def _environment() -> str:
    versions = {name: machine.version(name) for name in LIBRARIES} | {"tensorflow": machine.tensorflow_version()}
    return json.dumps(versions, sort_keys=True) + STYLE_FILE.read_text(encoding="utf-8")


def _callables(value: object) -> list:
    """The functions and classes in a value the cells use: itself, or those a dict, list or tuple holds
    (``divergences.F_DIVERGENCES``, a table of lambdas)."""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
    return [item for item in items if inspect.isfunction(item) or inspect.isclass(item)]


def _starts(used: dict[str, object]) -> list:
    """The package functions and classes whose code a chapter's key follows: those the cells use, but
    not the registry's own code (``zoo.get`` starts trainer processes, and its constants name this
    clone's interpreter): what it hands the chapter is a model, whose key is hashed instead."""
    return [item for value in used.values() for item in _callables(value) if item.__module__ != "ganbook.zoo"]


def chapter_key(text: str) -> str:
    """The key of one chapter (its MyST source ``text``): see the module docstring."""
    tree = ast.parse("\n".join(code_cells(text)))
    used = dict(_used(tree, _bound_names(tree)))
    models = set(zoo.names()) if used.get("zoo.names") is zoo.names else _recipe_names(tree)
    starts = _starts(used)
    recipes = [zoo.recipe(name) for name in sorted(models)]
    starts += [recipe.work for recipe in recipes if recipe.work is not None]
    constants = {name: codekeys.stable_repr(value) for name, value in used.items() if codekeys.is_constant(value)}
    digest = hashlib.sha256(_environment().encode())
    digest.update(codekeys.code_digest(*starts).encode() if starts else b"")
    digest.update(json.dumps(constants, sort_keys=True).encode())
    for recipe in recipes:
        digest.update(f"{recipe.name}={codekeys.cache_key(recipe)}".encode())
    return digest.hexdigest()[:24]


def chapter_keys(root: Path) -> dict[str, str | None]:
    """{docname: key} for every chapter under ``root/book``. A forced chapter's key is None (it runs in
    every build), and so is the key of a chapter whose code this module cannot follow (a cell that
    does not parse, an import that fails): it is executed, with one line saying why."""
    keys = {}
    for path in sorted((Path(root) / BOOK_FOLDER).glob("*.md")):
        name, text = f"{BOOK_FOLDER}/{path.stem}", path.read_text(encoding="utf-8")
        try:
            keys[name] = None if _FORCED.search(text) else chapter_key(text)
        except Exception as error:  # noqa: BLE001 - any failure means: execute the chapter
            log.warning("%s: no key (%s: %s); executing it", name, type(error).__name__, error)
            keys[name] = None
    return keys


def changed(stored: dict[str, str | None], current: dict[str, str | None],
            pending: dict[str, str | None] | None = None) -> list[str]:
    """The chapters to execute again: a key that is None (forced), new, or differs from the stored one
    or from the ``pending`` one of a build that did not end cleanly."""
    pending = pending or {}
    return sorted(name for name, key in current.items()
                  if key is None or stored.get(name) != key or (name in pending and pending[name] != key))


def _cache(build: Path):
    from jupyter_cache import get_cache  # a book dependency: only a build calls this

    return get_cache(Path(build) / ".jupyter_cache")


def _records(cache, docname: str) -> list:
    """jupyter-cache's records of the chapter ``docname`` (its uri, an absolute path, ends in ``/docname.md``)."""
    return [record for record in cache.list_cache_records() if str(record.uri).endswith(f"/{docname}.md")]


def forget(build: Path, docnames: Sequence[str]) -> None:
    """Remove the cached executions and saved doctrees of ``docnames`` (Sphinx then reads them again)."""
    build = Path(build)
    for name in docnames:
        (build / ".doctrees" / f"{name}.doctree").unlink(missing_ok=True)
    if not (build / ".jupyter_cache").is_dir():
        return
    cache = _cache(build)
    for name in docnames:
        for record in _records(cache, name):
            cache.remove_cache(record.pk)


def entry_name(docname: str, key: str) -> str:
    """The name of a chapter's published execution: ``chapter-<name>-<key>``."""
    return f"chapter-{docname.rpartition('/')[2]}-{key}"


def _read_json(path: Path) -> dict:
    """A JSON object from ``path``; {} when it is missing, unreadable or not an object."""
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _code_of(notebook) -> list[str]:
    """A notebook's code cells as ``code_cells`` reads them from the chapter's source."""
    return [_python(cell.source.splitlines()) for cell in notebook.cells if cell.cell_type == "code"]


def chapter_folders(build: Path, root: Path, out: Path) -> list[Path]:
    """One folder in ``out`` per chapter whose execution in the last clean build is current (its
    stored key is its key now, its code cells are the chapter's now): the executed notebook, and a
    record of its key, its execution time, its cells' times and the headline numbers it recorded
    (``ganbook.results``). What ``python -m ganbook.publish`` packs beside the models."""
    import nbformat

    build, out = Path(build), Path(out)
    stored = _read_json(build / ".jupyter_cache" / KEYS_FILE)
    if not stored:
        return []
    current, recorded = chapter_keys(root), results.load_all()
    all_seconds = _read_json(build / ".jupyter_cache" / CELL_SECONDS_FILE)
    cache, folders = _cache(build), []
    for docname, key in current.items():
        if key is None or stored.get(docname) != key:
            continue
        code = code_cells((Path(root) / f"{docname}.md").read_text(encoding="utf-8"))
        bundles = [(record, cache.get_cache_bundle(record.pk).nb) for record in _records(cache, docname)]
        matching = [(record, notebook) for record, notebook in bundles if _code_of(notebook) == code]
        if not matching:
            continue
        record, notebook = max(matching, key=lambda pair: pair[0].created)
        sources = {machine.source_key(cell.source) for cell in notebook.cells if cell.cell_type == "code"}
        folder = out / entry_name(docname, key)
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / "chapter.ipynb")
        (folder / "record.json").write_text(json.dumps({
            "docname": docname, "key": key, "execution_seconds": record.data.get("execution_seconds"),
            "cell_seconds": {source: all_seconds[source] for source in sorted(sources & set(all_seconds))},
            "results": recorded.get(machine.chapter_label(docname), {})}))
        folders.append(folder)
    return folders


def _seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def _record_problem(record: object, docname: str, key: str) -> str | None:
    """What is wrong with a published chapter's record, or None."""
    if not isinstance(record, dict):
        return "its record is not an object"
    if record.get("key") != key or record.get("docname") != docname:
        return f"its record names {record.get('docname')} with key {record.get('key')}"
    if not (record.get("execution_seconds") is None or _seconds(record["execution_seconds"])):
        return "its execution time is not a number of seconds"
    if not isinstance(record.get("cell_seconds"), dict) or not isinstance(record.get("results"), dict):
        return "its record lacks the cells' times or the headline numbers"
    return None


def fetch_published(build: Path, root: Path, current: dict[str, str | None], base: str) -> list[str]:
    """Take from ``base`` each chapter the local jupyter-cache lacks that is published under its key
    now (its code cells the chapter's own); return their names. A chapter not published, or any
    failure, leaves it to be executed, with one line saying why."""
    try:
        import nbformat
        from jupyter_cache.base import CacheBundleIn
    except ImportError as error:  # the book's dependencies are missing: nothing to fetch into
        log.info("no published chapters taken (%s)", error)
        return []
    cache, fetched = _cache(build), []
    for docname, key in current.items():
        if key is None or _records(cache, docname):
            continue
        try:
            with tempfile.TemporaryDirectory(prefix="ganbook-chapter-") as scratch:
                remote.fetch(entry_name(docname, key), Path(scratch), base, files=remote.CHAPTER_FILES)
                record = json.loads((Path(scratch) / "record.json").read_text())
                problem = _record_problem(record, docname, key)
                notebook = nbformat.read(Path(scratch) / "chapter.ipynb", as_version=4)
            text = (Path(root) / f"{docname}.md").read_text(encoding="utf-8")
            if problem is None and _code_of(notebook) != code_cells(text):
                problem = "its code cells are not this chapter's"
            if problem is not None:
                raise remote.FetchError(problem)
            results.replace_chapter(machine.chapter_label(docname), record["results"])
            data = {"execution_seconds": record["execution_seconds"]}
            cache.cache_notebook_bundle(CacheBundleIn(notebook, str(Path(root) / f"{docname}.md"), data=data),
                                        check_validity=False, overwrite=True)
        except remote.ServerSkipped:  # the server failed a moment ago: ask it nothing more
            break
        except Exception as error:  # noqa: BLE001 - a damaged download, a refusal: execute the chapter
            log.info("%s: not taken from %s (%s); executing it", docname, base, error)
            continue
        sources = {machine.source_key(cell.source) for cell in notebook.cells if cell.cell_type == "code"}
        seconds = {source: float(taken) for source, taken in record["cell_seconds"].items()
                   if source in sources and _seconds(taken)}
        machine.record_cell_seconds(Path(build) / ".jupyter_cache" / CELL_SECONDS_FILE, seconds)
        fetched.append(docname)
    return fetched


def forget_changed(build: Path, root: Path) -> list[str]:
    """Forget every chapter whose key differs from the one stored after the last clean build, or from
    the one a build that did not end cleanly left pending (it may have executed the chapter with
    other code, a revert then matching the stored key again); keep the new keys as pending. A chapter
    that such a build executed and left in jupyter-cache counts as stored under its pending key
    (``executed_under``). Returns the chapters forgotten from an existing jupyter-cache."""
    build = Path(build)
    current = chapter_keys(root)
    stored = _read_json(build / ".jupyter_cache" / KEYS_FILE)
    pending = _read_json(build / PENDING_FILE)
    had_cache = (build / ".jupyter_cache").is_dir()
    if pending and had_cache:
        stored = {**stored, **executed_under(build, pending)}
    again = changed(stored, current, pending)
    forget(build, again)  # the doctrees too, even without a jupyter-cache
    build.mkdir(parents=True, exist_ok=True)
    _write(build / PENDING_FILE, current)
    return again if had_cache else []


def executed_under(build: Path, pending: dict[str, str | None]) -> dict[str, str]:
    """After a build that did not end cleanly: the chapters it left an execution of, with the key it
    ran them under (its pending key), so that the next build keeps them (a build that failed on one
    chapter's claim need not run the others again).

    That build's ``prepare`` forgot every cached execution whose key differed, so each execution
    jupyter-cache still holds ran under the pending key. jupyter-cache keeps no execution of a chapter
    that raised, and the build script's ``scripts/built_pages.py forget-failed`` then drops any that
    wrote to stderr (a failed claim): a chapter with no execution runs whatever its key. A forced
    chapter (key None) is never kept.
    """
    cache = _cache(build)
    return {name: key for name, key in pending.items() if key is not None and _records(cache, name)}


def prepare(build: Path, root: Path) -> tuple[list[str], list[str]]:
    """Before a build: forget the chapters whose key changed, then take the published executions of
    those with none (``fetch_published``). Returns (forgotten, taken from the published site)."""
    again = forget_changed(build, root)
    base = remote.models_url(root)
    if base is None or not settings.published_chapters_wanted():
        return again, []
    return again, fetch_published(build, root, _read_json(Path(build) / PENDING_FILE), base)


def remember(build: Path) -> None:
    """After a clean build: the pending keys become the stored ones."""
    build = Path(build)
    pending = build / PENDING_FILE
    if pending.is_file() and (build / ".jupyter_cache").is_dir():
        _write(build / ".jupyter_cache" / KEYS_FILE, _read_json(pending))
        pending.unlink()


def _write(path: Path, data: dict) -> None:
    with atomic_path(path, suffix=".json") as temporary:
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ganbook.rebuild", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("prepare", "remember"))
    parser.add_argument("build", type=Path, help="the book's _build folder")
    parser.add_argument("--root", type=Path, default=machine.REPO, help="the repository (default: this one)")
    arguments = parser.parse_args(argv)
    if arguments.command == "remember":
        remember(arguments.build)
        return
    again, taken = prepare(arguments.build, arguments.root)
    for name in again:
        print(f"{name}: its code or its models changed since the last build: executing it again")
    if taken:
        print(f"taken from the published site, executed there with the same code and models: {', '.join(taken)}")


if __name__ == "__main__":
    main()
