"""The module map in ganbook's docstring is the package's real import graph, and that graph has no circle.

Each entry of the map ("- ``name``  what it holds  -> what it imports") names one module or
subpackage (``data/``, ``models/``); its arrow lists every ganbook module it imports, anywhere in
it (at the top or inside a function), and an entry without an arrow imports none. The imports are
read with ``ast``, at the granularity of the map: ``ganbook.models.likelihoods`` is ``models``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ganbook

PACKAGE = Path(ganbook.__file__).parent
_ENTRY = re.compile(r"^- ((?:``[\w/]+``,?\s*)+)(.*)$")


def unit_of(path: Path, package: Path = PACKAGE) -> str:
    """The map's name for a module file: its own name, or its subpackage's."""
    parts = path.relative_to(package).parts
    return parts[0] if len(parts) > 1 else path.stem


def imported_units(source: str, unit: str) -> set[str]:
    """The ganbook modules (at the map's granularity) that ``source`` imports, other than its own unit."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "ganbook":
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ganbook."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("ganbook.")}
    return found - {unit}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        if path == package / "__init__.py":
            continue
        unit = unit_of(path, package)
        graph.setdefault(unit, set()).update(imported_units(path.read_text(encoding="utf-8"), unit))
    return graph


def module_map(docstring: str) -> dict[str, set[str]]:
    """Each mapped name and the imports its entry's arrow lists (empty without an arrow)."""
    entries: list[list[str]] = []
    for line in docstring.splitlines():
        if line.startswith("- "):
            entries.append([line])
        elif entries and line.startswith(" "):
            entries[-1].append(line)
        elif entries and not line.strip():
            entries.append([])  # a blank line ends the list's last entry
    mapped: dict[str, set[str]] = {}
    for entry in filter(None, entries):
        text = " ".join(part.strip() for part in entry)
        match = _ENTRY.match(text)
        if match is None:
            continue
        names = [name.strip("/") for name in re.findall(r"``([\w/]+)``", match.group(1))]
        arrow = text.rsplit("->", 1)[1] if "->" in text else ""
        targets = {re.sub(r"\(.*?\)", "", target).strip().split(".")[0] for target in arrow.split(",")}
        for name in names:
            mapped[name] = targets - {""}
    return mapped


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each as the path that closes it (depth-first search)."""
    found, state = [], {}

    def visit(unit: str, path: list[str]) -> None:
        state[unit] = "open"
        for target in sorted(graph.get(unit, ())):
            if state.get(target) == "open":
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[unit] = "done"

    for unit in sorted(graph):
        if unit not in state:
            visit(unit, [unit])
    return found


def test_every_module_is_in_the_map_and_every_mapped_name_is_a_module():
    graph, mapped = import_graph(), module_map(ganbook.__doc__)
    assert set(graph) - set(mapped) == set(), "modules the map leaves out"
    assert set(mapped) - set(graph) == set(), "names in the map that are no module"


def test_each_arrow_lists_exactly_what_its_module_imports():
    graph, mapped = import_graph(), module_map(ganbook.__doc__)
    wrong = {unit: {"map": sorted(mapped[unit]), "imports": sorted(graph[unit])}
             for unit in graph if unit in mapped and mapped[unit] != graph[unit]}
    assert not wrong, wrong


def test_the_package_has_no_import_circle():
    assert circles(import_graph()) == []


# ----------------------------------------------------------------------------- the checks themselves

def test_the_map_reader_takes_several_names_continuation_lines_and_notes_in_parentheses():
    doc = ("Map:\n\n- ``a``  one\n                thing  -> b, models.likelihoods (checks)\n"
           "- ``c``, ``d``  no arrow\n- ``e/``  a package -> a\n\nAfter the list -> not an arrow.\n")
    assert module_map(doc) == {"a": {"b", "models"}, "c": set(), "d": set(), "e": {"a"}}


def test_imports_are_found_at_the_top_inside_functions_and_as_submodules():
    source = ("from ganbook import cache, remote\nimport ganbook.zoo\n"
              "def f():\n    from ganbook.models.gan import GAN\n    from ganbook import publish\n")
    assert imported_units(source, "publish") == {"cache", "remote", "zoo", "models"}


def test_a_circle_is_found_and_a_tree_has_none():
    assert circles({"cache": {"remote"}, "remote": {"zoo"}, "zoo": {"cache"}}) == [["cache", "remote", "zoo", "cache"]]
    assert circles({"zoo": {"cache", "recipes"}, "recipes": {"cache"}, "cache": set()}) == []


@pytest.mark.parametrize("edit", ["drop an arrow's target", "add an import"])
def test_the_arrow_check_fails_when_the_map_and_the_code_part(edit, tmp_path):
    package = tmp_path / "ganbook"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "cache.py").write_text("from ganbook import remote\n")
    (package / "remote.py").write_text("from ganbook import cache\n" if edit == "add an import" else "")
    doc = "- ``cache``  -> remote\n- ``remote``  transport\n"
    if edit == "drop an arrow's target":
        doc = doc.replace("-> remote", "")
    graph, mapped = import_graph(package), module_map(doc)
    assert any(mapped[unit] != graph[unit] for unit in graph)
