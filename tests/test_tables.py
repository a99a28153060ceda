"""ganbook.tables: Markdown tables for chapter outputs, and clear errors for ragged rows."""

from __future__ import annotations

import pytest

from ganbook import tables


def test_markdown_table_has_a_header_a_rule_and_one_line_per_row():
    text = tables.markdown_table(["model", "error (%)"], [["MLP", 1.8], ["CNN", 0.9]])
    assert text.splitlines() == [
        "| model | error (%) |",
        "|---|---|",
        "| MLP | 1.8 |",
        "| CNN | 0.9 |",
    ]


def test_cells_are_written_with_str_and_an_empty_table_keeps_its_header():
    assert tables.markdown_table(["a", "b"], [[None, 3]]).splitlines()[-1] == "| None | 3 |"
    assert tables.markdown_table(["a"], []) == "| a |\n|---|"


def test_a_row_with_the_wrong_number_of_cells_is_named():
    with pytest.raises(ValueError, match=r"row \['only one'\] has 1 cells, expected 2"):
        tables.markdown_table(["a", "b"], [["x", "y"], ["only one"]])


def test_show_table_displays_the_markdown_table_as_a_cell_output(monkeypatch):
    display = pytest.importorskip("IPython.display")
    shown = []
    monkeypatch.setattr(display, "display", lambda *objects: shown.extend(objects))
    tables.show_table(["item", "value"], [["Python", "3.12"]])
    (output,) = shown
    assert isinstance(output, display.Markdown)
    assert output.data == tables.markdown_table(["item", "value"], [["Python", "3.12"]])
    assert output._repr_markdown_() == output.data


def test_show_table_checks_rows_before_displaying(monkeypatch):
    display = pytest.importorskip("IPython.display")
    monkeypatch.setattr(display, "display", lambda *objects: pytest.fail("a ragged table was displayed"))
    with pytest.raises(ValueError, match="expected 2"):
        tables.show_table(["a", "b"], [[1]])
