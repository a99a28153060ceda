"""The header's download menu: each chapter as a notebook, and the whole book as a PDF.

- Every chapter offers its executed notebook (``_sources/book/<chapter>.ipynb``), the file a reader
  opens in Jupyter or Colab, with its install cell written in (``ganbook_repository``). sphinx-book-theme copies it only when launch buttons are configured,
  which needs a repository address; a clone without one gets the download all the same.
- "Book (PDF)" links ``ganbook.pdf`` at the root of the HTML build. ``scripts/build-book.sh`` puts
  the PDF there after building it, and sets ``GANBOOK_PDF_LINK=1`` for the HTML build only when it
  will (not with ``GANBOOK_SKIP_PDF=1``), so the menu never links a PDF that the build does not make.
"""

from __future__ import annotations

import os
import json
import shutil
from pathlib import Path

from ganbook_repository import install_source, published_notebook

PDF_NAME = "ganbook.pdf"
PDF_LINK_VARIABLE = "GANBOOK_PDF_LINK"


def _offer_notebook(app, pagename, templatename, context, doctree):
    if app.builder.format != "html" or "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return
    copy = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, copy)
    context["ipynb_source"] = f"{pagename}.ipynb"


def _write_install_cell(app, pagename, templatename, context, doctree):
    """The downloaded notebook's install cell, written after the theme's launch buttons copy it too."""
    copy = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    if app.builder.format == "html" and context.get("ipynb_source") and copy.is_file():
        notebook = published_notebook(json.loads(copy.read_text()), install_source(app.srcdir))
        copy.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def _offer_book_pdf(app, pagename, templatename, context, doctree):
    if os.environ.get(PDF_LINK_VARIABLE) != "1":
        return
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].append({
                "type": "link",
                "url": context["pathto"](PDF_NAME, 1),
                "text": "Book (PDF)",
                "tooltip": "Download the whole book as a PDF",
                "icon": "fas fa-book",
                "label": "download-book-pdf-button",
            })


def setup(app):
    # before the theme builds the menu (priority 501), which reads ipynb_source; then after it
    app.connect("html-page-context", _offer_notebook, priority=500)
    app.connect("html-page-context", _write_install_cell, priority=502)  # after add_launch_buttons (501)
    app.connect("html-page-context", _offer_book_pdf, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
