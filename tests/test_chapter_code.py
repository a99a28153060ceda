"""The chapters' code cells fit the page: no line a reader must scroll sideways for, in HTML or PDF.

The HTML column and the PDF's code blocks both show about 80 characters of code at the book's
font size; a longer line scrolls sideways in the HTML and breaks with continuation marks in the PDF.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((REPO / "book").glob("*.md"))
MAX_CODE_LINE = 80
_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)


def code_cell_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) for every line inside a code cell, its options included."""
    found = []
    for cell in _CODE_CELL.finditer(text):
        first = text.count("\n", 0, cell.start(1)) + 1
        found += [(first + i, line) for i, line in enumerate(cell.group(1).splitlines())]
    return found


def test_code_cell_lines_are_found_with_their_line_numbers():
    text = "prose\n```{code-cell} ipython3\nx = 1\ny = 2\n```\nmore\n```python\nnot = 'a cell'\n```\n"
    assert code_cell_lines(text) == [(3, "x = 1"), (4, "y = 2")]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_no_code_cell_line_is_longer_than_the_page_shows(chapter):
    long = [f"{chapter.name}:{number}: {len(line)} characters"
            for number, line in code_cell_lines(chapter.read_text()) if len(line) > MAX_CODE_LINE]
    assert not long, f"code lines over {MAX_CODE_LINE} characters:\n" + "\n".join(long)


def test_exercises_are_numbered_only_from_their_own_chapter():
    """sphinx-exercise labels an exercise for LaTeX under its own scheme, which a {numref} from another
    chapter does not find: the PDF would print "??". Other chapters use {ref} to the chapter."""
    crossing = []
    for path in sorted((REPO / "book").glob("*.md")):
        for label in re.findall(r"\{numref\}`(ex-[a-z0-9-]+)`", path.read_text()):
            if not label.startswith(f"ex-{path.stem}-"):
                crossing.append(f"{path.name}: {label}")
    assert not crossing, crossing
