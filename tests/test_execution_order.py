"""The order in which a build executes the chapters (_ext/ganbook_execution_order.py, _config.yml)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "_ext"))

import ganbook_execution_order as execution  # noqa: E402

_MODEL = re.compile(r"""zoo\.get\(\s*["']([a-z0-9-]+)["']\s*\)""")


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


def test_the_appendix_runs_last_and_the_comparison_after_every_other_chapter_that_trains():
    order = _configured_order()
    assert order[-1] == "book/zz-reproducibility", "the appendix reads every model's record"
    needs = {name: set(_MODEL.findall((REPO / f"{name}.md").read_text())) for name in order}
    comparison = order.index("book/comparison")
    later = [name for name in order[comparison + 1:] if needs[name]]
    assert not later, f"{later} need models but execute after the comparison, which waits for all of them"
