"""Markup fixes for WCAG 2.1 AA that the book's own files cannot make in the source.

Bibliography. docutils (0.21) marks each bibliography entry ``role="doc-biblioentry"`` inside a
``role="list"`` container. DPUB-ARIA 1.1 deprecates that role, and a list whose items carry it has
no list items for assistive technology (axe-core: ``aria-deprecated-role``, ``aria-required-children``). The
entries are rewritten as ``role="listitem"``, which is what the deprecation note recommends.

Hidden code. myst-nb labels the toggle of a hidden cell input ``aria-label="Toggle hidden
content"`` while it shows "Show code cell source": a name that does not contain the visible text
(WCAG 2.1's "label in name", 2.5.3; axe-core: ``label-content-name-mismatch``). Without the label
the toggle's name is its visible text.

Both are rewritten in each page's body, because overriding the HTML translator instead would
replace the theme's own translator.
"""

from __future__ import annotations

from sphinx.application import Sphinx

DEPRECATED_ENTRY_ROLE = 'role="doc-biblioentry"'
LIST_ITEM_ROLE = 'role="listitem"'
LABELLED_TOGGLE = '<summary aria-label="Toggle hidden content">'


def accessible(body: str) -> str:
    """``body`` with bibliography entries as list items and code toggles named by their text."""
    return body.replace(DEPRECATED_ENTRY_ROLE, LIST_ITEM_ROLE).replace(LABELLED_TOGGLE, "<summary>")


def _rewrite(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "body" in context:
        context["body"] = accessible(context["body"])


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", _rewrite)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
