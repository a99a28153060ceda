"""The order in which a build executes the chapters (_ext/ganbook_execution_order.py, _config.yml)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "_ext"))

import ganbook_execution_order as execution  # noqa: E402

from ganbook import pretrain, zoo  # noqa: E402

def _configured_order() -> list[str]:
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    return config["sphinx"]["config"]["ganbook_execution_order"]


def _toc_documents() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    chapters = [entry["file"] for part in toc["parts"] for entry in part["chapters"]]
    return [toc["root"], *chapters]


def test_listed_documents_come_first_in_the_listed_order_and_the_rest_sorted_after():
    order = execution.reading_order(["b", "zz", "a", "c", "d"], ["c", "a", "zz"])
    assert order == ["c", "a", "zz", "b", "d"]


def test_an_incremental_build_reads_its_few_changed_documents_in_the_listed_order():
    assert execution.reading_order(["book/vae", "book/intro"], _configured_order()) == ["book/intro", "book/vae"]


def test_the_configured_order_lists_every_document_of_the_book_once():
    order = _configured_order()
    assert len(order) == len(set(order))
    assert sorted(order) == sorted(_toc_documents())


def _statements_calling_zoo_get(text: str) -> list[str]:
    """Each statement (its line and the lines its open brackets carry on to) that calls ``zoo.get``."""
    lines, found = text.splitlines(), []
    for i, line in enumerate(lines):
        if "zoo.get(" not in line:
            continue
        statement, depth = [line], line.count("(") + line.count("[") + line.count("{") - line.count(")") \
            - line.count("]") - line.count("}")
        while depth > 0 and i + len(statement) < len(lines):
            following = lines[i + len(statement)]
            statement.append(following)
            depth += sum(following.count(c) for c in "([{") - sum(following.count(c) for c in ")]}")
        found.append("\n".join(statement))
    return found


def test_a_statement_calling_zoo_get_is_read_to_its_closing_bracket():
    text = 'x = 1\nruns = {n: zoo.get(n) for n in (\n    "a", "b",\n    "c")}\ny = ("d")\n'
    assert _statements_calling_zoo_get(text) == ['runs = {n: zoo.get(n) for n in (\n    "a", "b",\n    "c")}']


def _models_named(document: str) -> set[str]:
    """The recipes a chapter asks the zoo for: names in quotes in a statement that calls ``zoo.get``
    (``zoo.get("dcgan")``, or a comprehension over a tuple of names, also over several lines)."""
    statements = _statements_calling_zoo_get((REPO / f"{document}.md").read_text())
    return set(re.findall(r"""["']([a-z0-9-]+)["']""", "\n".join(statements))) & set(zoo.names())


def test_chapters_execute_in_the_order_pretraining_finishes_their_long_models():
    order = _configured_order()
    assert order[-1] == "book/zz-reproducibility", "the appendix reads every model's record"
    rank = {name: i for i, name in enumerate(pretrain.LONG_IN_ORDER_OF_NEED)}
    last_needed = [(document, max((rank[m] for m in _models_named(document) if m in rank), default=-1))
                   for document in order]
    for (before, first), (after, second) in zip(last_needed, last_needed[1:]):
        assert second >= first or second == -1, (
            f"{after} executes after {before} but needs only models that pretraining finishes earlier")


def test_the_reading_group_plan_executes_after_the_chapters_whose_cells_it_times():
    order = _configured_order()
    plan = (REPO / "book" / "reading-group.md").read_text()
    timed = set(re.findall(r'\("(book/[a-z-]+)", ', plan))
    assert timed, "the plan names no live cells"
    assert all(order.index(chapter) < order.index("book/reading-group") for chapter in timed)


def test_no_unnumbered_page_comes_before_the_numbered_chapters():
    """In the PDF every page of the table of contents is a numbered chapter: a page listed before the
    numbered parts would shift every chapter, figure and theorem number away from the HTML's."""
    parts = yaml.safe_load((REPO / "_toc.yml").read_text())["parts"]
    numbered = [part.get("numbered", False) for part in parts]
    assert numbered == sorted(numbered, reverse=True), f"an unnumbered part comes first: {numbered}"
