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


# The build's machinery: a reader sees the computation, and the guards and glue that tie the prose to
# it stay in cells whose code is removed from the page (QuantEcon's convention).
MACHINERY = re.compile(r"\b(results\.claim|results\.record|glue)\(")
_TAGS = re.compile(r"^:tags:\s*\[([^\]]*)\]|^\s*tags:\s*\[([^\]]*)\]", re.M)


def visible_machinery(text: str) -> list[tuple[int, str]]:
    """(line number, line) of each guard or glue call in a code cell the page shows."""
    found = []
    for cell in _CODE_CELL.finditer(text):
        tags = " ".join(filter(None, (t for match in _TAGS.finditer(cell.group(1)) for t in match.groups())))
        if "remove-cell" in tags or "remove-input" in tags:
            continue
        first = text.count("\n", 0, cell.start(1)) + 1
        found += [(first + i, line.strip()) for i, line in enumerate(cell.group(1).splitlines())
                  if MACHINERY.search(line)]
    return found


def test_visible_machinery_is_found_and_removed_cells_are_not():
    text = ("```{code-cell} ipython3\nx = 1\nresults.claim(x == 1, 'one')\n```\n"
            "```{code-cell} ipython3\n:tags: [remove-cell]\nglue('x', x, display=False)\n```\n"
            "```{code-cell} ipython3\n:tags: [hide-input]\nglue('y', 2)\n```\n")
    assert visible_machinery(text) == [(3, "results.claim(x == 1, 'one')"), (11, "glue('y', 2)")]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_no_cell_the_page_shows_calls_a_guard_or_glue(chapter):
    shown = [f"{chapter.name}:{number}: {line}" for number, line in visible_machinery(chapter.read_text())]
    assert not shown, "guards and glue belong in cells tagged remove-input:\n" + "\n".join(shown)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_every_claim_cell_keeps_its_output_so_a_failed_claim_shows_on_the_page(chapter):
    """A cell tagged remove-cell loses its output too: a failed claim's warning would vanish with it."""
    text = chapter.read_text()
    dropped = [f"{chapter.name}:{text.count(chr(10), 0, cell.start()) + 1}" for cell in _CODE_CELL.finditer(text)
               if "results.claim(" in cell.group(1) and "remove-cell" in cell.group(1).split("\n", 2)[0]]
    assert not dropped, "claim cells are tagged remove-input, not remove-cell:\n" + "\n".join(dropped)


# Figures: every chapter draws in the book's style (ganbook/book.mplstyle), and no cell shrinks its
# text below that style's smallest size or draws a figure wider than the column shows legibly.
STYLE_CALL = 'plt.style.use("ganbook.book")'
_DRAWS = re.compile(r"\b(plt\.(?!style)|plotting\.)")
_SMALL_TEXT = re.compile(r"fontsize=(?:(\d+(?:\.\d+)?)|\"(?:small|x-small|xx-small|smaller)\")")
_FIGSIZE = re.compile(r"figsize=\((\d+(?:\.\d+)?),")


def test_the_style_call_names_the_package_style():
    from ganbook import plotting
    assert STYLE_CALL == f'plt.style.use("{plotting.STYLE}")'


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_a_chapter_that_draws_uses_the_book_style_first(chapter):
    code = "\n".join(line for _, line in code_cell_lines(chapter.read_text()))
    first_drawing = _DRAWS.search(code)
    if first_drawing is None:
        return
    assert STYLE_CALL in code[:first_drawing.start()], f"{chapter.name} draws before {STYLE_CALL}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_no_figure_has_smaller_text_or_a_wider_canvas_than_the_book_style_allows(chapter):
    from ganbook import plotting
    found = []
    for number, line in code_cell_lines(chapter.read_text()):
        for size in _SMALL_TEXT.finditer(line):
            if size.group(1) is None or float(size.group(1)) < plotting.SMALLEST_FONT_POINTS:
                found.append(f"{chapter.name}:{number}: {size.group(0)}")
        for width in _FIGSIZE.finditer(line):
            if float(width.group(1)) > plotting.FIGURE_MAX_WIDTH_INCHES:
                found.append(f"{chapter.name}:{number}: {width.group(0)}")
    assert not found, found


@pytest.mark.parametrize("line, problems", [('ax.set_title(t, fontsize=8)', 1), ('legend(fontsize="small")', 1),
                                            ('legend(fontsize=12)', 0), ('plt.subplots(figsize=(10, 3))', 1),
                                            ('plt.subplots(1, 2, figsize=(9, 3))', 0)])
def test_the_figure_checks_see_small_text_and_wide_canvases(line, problems, tmp_path):
    chapter = tmp_path / "chapter.md"
    chapter.write_text(f"```{{code-cell}} ipython3\n{line}\n```\n")
    if problems:
        with pytest.raises(AssertionError):
            test_no_figure_has_smaller_text_or_a_wider_canvas_than_the_book_style_allows(chapter)
    else:
        test_no_figure_has_smaller_text_or_a_wider_canvas_than_the_book_style_allows(chapter)
