"""Tables in chapters: rows of values rendered as a numbered, captioned MyST table (HTML and PDF alike).

Columns whose cells are all numbers are right-aligned, so that digits line up, in the HTML (the
Markdown rule ``---:``) and in the PDF (Sphinx's ``tabularcolumns``, ``R`` for such a column and
``L`` for text, where LaTeX would otherwise justify a narrow column into gaps and hyphens).
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence

# 1,234 | -0.52 | 4.5e-08 | 12 % | 0.475 ± 0.012 | −3 (a typographic minus) | [0.51%, 0.60%]
_SCALAR = r"[+\-\u2212]?(?:\d[\d,]*)?\.?\d+(?:[eE][+\-\u2212]?\d+)?(?: ?%)?"
_NUMBER = re.compile(rf"{_SCALAR}(?: ?± ?{_SCALAR})?|\[{_SCALAR}, ?{_SCALAR}\]")
LONGTABLE_ROWS = 30  # Sphinx sets a table of more rows as a longtable, which knows no L and R columns


def is_number(cell: object) -> bool:
    """Whether a table cell shows a number (and so is right-aligned)."""
    if isinstance(cell, bool):
        return False
    if isinstance(cell, numbers.Number):
        return True
    return _NUMBER.fullmatch(str(cell).strip()) is not None


def numeric_columns(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[bool]:
    """For each column: whether it holds numbers only (empty cells aside), and at least one."""
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row {row!r} has {len(row)} cells, expected {len(headers)}")
    columns = []
    for j in range(len(headers)):
        cells = [row[j] for row in rows if str(row[j]).strip() not in ("", "None")]
        columns.append(bool(cells) and all(is_number(cell) for cell in cells))
    return columns


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table, numeric columns right-aligned; one cell per header in every row."""
    rule = ["---:" if numeric else "---" for numeric in numeric_columns(headers, rows)]
    lines = ["| " + " | ".join(map(_cell, headers)) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    """A cell's text, its bars escaped: "KL(q || p)" or "|1 + hλ|" would otherwise split the row."""
    return str(value).replace("|", "\\|")


def latex_columns(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The PDF's column specification: ``R`` for numbers, ``L`` for text (equal widths for a long table)."""
    numeric = numeric_columns(headers, rows)
    if len(rows) > LONGTABLE_ROWS:
        width = f"\\Y{{{1 / len(headers):.3f}}}"
        return "".join((">{\\raggedleft\\arraybackslash}" if n else ">{\\raggedright\\arraybackslash}") + width
                       for n in numeric)
    return "".join("R" if n else "L" for n in numeric)


def captioned_table(headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str,
                    name: str | None = None) -> str:
    """The MyST source of a numbered table ("Table 6.2: caption"), with ``name`` as its label for ``{numref}``."""
    if not caption.strip():
        raise ValueError("a table needs a caption that says what it shows: pass caption='...'")
    if "\n" in caption:
        raise ValueError(f"a table's caption is one line: {caption!r}")
    options = f":name: {name}\n" if name else ""
    # a colon fence: a backtick fence's first line may hold no backticks, and a caption may (code, roles)
    return (f"```{{tabularcolumns}} {latex_columns(headers, rows)}\n```\n\n"
            f":::{{table}} {caption}\n{options}\n{markdown_table(headers, rows)}\n:::")


def show_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, caption: str,
               name: str | None = None) -> None:
    """Display a numbered, captioned table as a cell output, wherever in the cell it is called (needs IPython)."""
    from IPython.display import Markdown, display

    display(Markdown(captioned_table(headers, rows, caption, name)))
