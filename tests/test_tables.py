"""ganbook.tables: numbered, captioned tables for chapter outputs, numbers right-aligned, and clear errors."""

from __future__ import annotations

import pytest

from ganbook import tables


def test_markdown_table_has_a_header_a_rule_and_one_line_per_row_with_numbers_right_aligned():
    text = tables.markdown_table(["model", "error (%)"], [["MLP", 1.8], ["CNN", 0.9]])
    assert text.splitlines() == [
        "| model | error (%) |",
        "|---|---:|",
        "| MLP | 1.8 |",
        "| CNN | 0.9 |",
    ]


@pytest.mark.parametrize("cell", [3, 0.25, "1,234", "-0.52", "\u22123", "4.5e-08", "12 %", "0.475 ± 0.012", "7.0%", "[0.51%, 0.60%]"])
def test_numbers_in_every_written_form_are_numbers(cell):
    assert tables.is_number(cell)


@pytest.mark.parametrize("cell", ["MLP", "bfloat16", "2 of 3", "$\\psi = 1$", True, "none", "3.12.1", "1e", "[0.5, x]"])
def test_words_versions_and_booleans_are_not_numbers(cell):
    assert not tables.is_number(cell)


def test_a_column_is_numeric_when_every_filled_cell_is_a_number():
    assert tables.numeric_columns(["a", "b", "c", "d"], [["x", 1, "", 2], ["y", "2.5", "", "n/a"]]) == \
        [False, True, False, False]


def test_cells_are_written_with_str_and_an_empty_table_keeps_its_header():
    assert tables.markdown_table(["a", "b"], [[None, 3]]).splitlines()[-1] == "| None | 3 |"
    assert tables.markdown_table(["a"], []) == "| a |\n|---|"


def test_bars_inside_cells_are_escaped_so_that_they_do_not_split_the_row():
    text = tables.markdown_table(["quantity", "KL(q || p)"], [["|1 + h|", 0.5]])
    assert text.splitlines()[0] == "| quantity | KL(q \\|\\| p) |"
    assert text.splitlines()[-1] == "| \\|1 + h\\| | 0.5 |"


def test_a_row_with_the_wrong_number_of_cells_is_named():
    with pytest.raises(ValueError, match=r"row \['only one'\] has 1 cells, expected 2"):
        tables.markdown_table(["a", "b"], [["x", "y"], ["only one"]])


def test_a_captioned_table_is_a_myst_table_directive_with_its_name_and_the_pdf_columns():
    text = tables.captioned_table(["model", "error (%)"], [["MLP", 1.8]], "Test errors.", name="tab-errors")
    assert text.splitlines() == [
        "```{tabularcolumns} LR", "```", "",
        ":::{table} Test errors.", ":name: tab-errors", "",
        "| model | error (%) |", "|---|---:|", "| MLP | 1.8 |",
        ":::",
    ]


def test_a_caption_may_hold_code_and_roles():
    """A backtick fence's first line may hold no backticks (CommonMark): the caption would be lost."""
    text = tables.captioned_table(["a"], [[1]], "Gradients by `tf.GradientTape`, in {ref}`chap-gan`.")
    assert ":::{table} Gradients by `tf.GradientTape`, in {ref}`chap-gan`." in text.splitlines()


def test_a_long_table_gets_column_widths_that_longtable_understands():
    spec = tables.latex_columns(["a", "b"], [["x", 1]] * (tables.LONGTABLE_ROWS + 1))
    assert spec == ">{\\raggedright\\arraybackslash}\\Y{0.500}>{\\raggedleft\\arraybackslash}\\Y{0.500}"


@pytest.mark.parametrize("caption, problem", [("", "needs a caption"), ("two\nlines", "one line")])
def test_a_missing_or_broken_caption_is_named(caption, problem):
    with pytest.raises(ValueError, match=problem):
        tables.captioned_table(["a"], [[1]], caption)


def test_show_table_displays_the_captioned_table_as_a_cell_output(monkeypatch):
    display = pytest.importorskip("IPython.display")
    shown = []
    monkeypatch.setattr(display, "display", lambda *objects: shown.extend(objects))
    tables.show_table(["item", "value"], [["Python", "3.12"]], caption="Versions.")
    (output,) = shown
    assert isinstance(output, display.Markdown)
    assert output.data == tables.captioned_table(["item", "value"], [["Python", "3.12"]], "Versions.")
    assert output._repr_markdown_() == output.data


def test_show_table_checks_rows_before_displaying(monkeypatch):
    display = pytest.importorskip("IPython.display")
    monkeypatch.setattr(display, "display", lambda *objects: pytest.fail("a ragged table was displayed"))
    with pytest.raises(ValueError, match="expected 2"):
        tables.show_table(["a", "b"], [[1]], caption="A table.")
