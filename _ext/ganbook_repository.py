"""Where the HTML book points on the web: its repository, launch buttons, canonical address, sitemap.

The book's source has no fixed home written into it (see :mod:`ganbook.address`): the repository
is ``GANBOOK_REPOSITORY_URL`` or the clone's web-hosted ``origin`` remote; the published site is
``GANBOOK_BASE_URL`` or the repository's GitHub Pages address. When they are known:

- the repository button links to the repository;
- every chapter has launch buttons: Binder (the repository at ``main``, ``binder/`` describes its
  environment, a chapter opens as a notebook through jupytext) and, for a GitHub repository, Colab
  (which opens only ``.ipynb`` files from GitHub: the publishing workflow keeps each chapter's
  notebook on the ``notebooks`` branch, and the button points there);
- pages carry a canonical link to their published address, and ``sitemap.xml`` lists them
  (``sphinx-sitemap``).

Each chapter's first cell (removed from the page) is a comment starting ``# install-ganbook:``.
In the notebook a reader downloads, which is also the one Colab opens, it becomes
:data:`INSTALL_CODE` with the repository at the commit the page was built from (``SOURCE =
"git+https://...@<commit>"``), so a chapter run on its own installs the ``ganbook`` that made the
page. Where TensorFlow is already installed (Colab), that distribution is kept (upgraded to the
pinned version if it differs) instead of adding pyproject.toml's ``tensorflow-cpu`` beside it: two
distributions would write the same ``tensorflow/`` package. The commit is written only into the
downloaded copy, after execution, so a new commit alone re-executes nothing.

A clone of a local path, or a folder that is not a git clone, gets none of these rather than a
made-up address (its chapters' first cell then installs nothing).
"""

from __future__ import annotations

import functools
import subprocess

from ganbook import address

BINDER = "https://mybinder.org"
COLAB = "https://colab.research.google.com"
BRANCH = "main"
NOTEBOOKS_BRANCH = "notebooks"  # written by .github/workflows/book.yml: book/<chapter>.ipynb


def _configure(app, config):
    repository = address.repository_url(app.srcdir)
    if repository is not None:
        options = dict(config.html_theme_options or {})
        options.update(repository_url=repository, use_repository_button=True, path_to_docs="")
        options["repository_branch"] = BRANCH  # Jupyter Book's own default is "master"
        launch = {"binderhub_url": BINDER, "notebook_interface": "jupyterlab"}
        if repository.startswith("https://github.com/"):
            launch["colab_url"] = COLAB  # the theme warns (and -W fails) for Colab on other hosts
        options["launch_buttons"] = launch
        config.html_theme_options = options
    site = address.site_url(app.srcdir)
    if site is not None:
        config.html_baseurl = site  # Sphinx writes <link rel="canonical"> from it
        config.sitemap_url_scheme = "{link}"  # no language or version folders in the address
        config.sitemap_excludes = ["search.html", "genindex.html"]


def colab_notebook_url(url: str, pagename: str) -> str:
    """The theme's Colab link (to the ``.md`` source, which Colab cannot open), pointed at the notebook."""
    prefix = url.split("/blob/")[0]
    return f"{prefix}/blob/{NOTEBOOKS_BRANCH}/{pagename}.ipynb"


def _point_colab_at_notebooks(app, pagename, templatename, context, doctree):
    for button in context.get("header_buttons", []):
        for item in button.get("buttons", [button]):
            if item.get("text") == "Colab" and "/blob/" in item.get("url", ""):
                item["url"] = colab_notebook_url(item["url"], pagename)


INSTALL_MARKER = "# install-ganbook:"

# Kept to 80 columns: Colab shows it. "importlib.invalidate_caches": the next cell imports ganbook.
INSTALL_CODE = """\
# Run on its own (Colab, a download)? Install ganbook as of this page's commit,
# with what the chapters use (its "book" extra: glue), keeping a TensorFlow that
# is already there (Colab's) instead of adding a second distribution beside it.
import importlib, importlib.util, subprocess, sys
from importlib import metadata
SOURCE = None  # git+<the book's repository>@<commit>, written in by the build
if importlib.util.find_spec("ganbook") is None and SOURCE:
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--no-deps", f"ganbook @ {SOURCE}"], check=True)
    tfs = ("tensorflow", "tensorflow-cpu")
    have = {d.metadata["Name"].lower() for d in metadata.distributions()}
    tf = next((name for name in tfs if name in have), None)
    needs = []
    for line in metadata.requires("ganbook"):
        need, _, marker = (part.strip() for part in line.partition(";"))
        if tf and need.split("=")[0] in tfs:
            need = tf + need[need.index("=="):]
        if marker and 'extra == "book"' not in marker:
            need += f"; {marker}"
        needs.append(need)
    subprocess.run([*pip, *needs], check=True)
    importlib.invalidate_caches()
"""


def install_code(source: str | None) -> str:
    """:data:`INSTALL_CODE` installing ``source`` (``git+<url>@<commit>``); with None it installs nothing."""
    return INSTALL_CODE.replace("SOURCE = None", f"SOURCE = {source!r}", 1) if source else INSTALL_CODE


@functools.lru_cache
def install_source(srcdir) -> str | None:
    """``git+<repository>@<full commit>`` for the clone at ``srcdir`` when its address is known (no
    ``@<commit>`` outside a git clone); None without an address."""
    repository = address.repository_url(srcdir)
    if repository is None:
        return None
    head = subprocess.run(["git", "-C", str(srcdir), "rev-parse", "HEAD"], capture_output=True, text=True)
    return f"git+{repository}" + (f"@{head.stdout.strip()}" if head.returncode == 0 else "")


def published_notebook(notebook: dict, source: str | None) -> dict:
    """``notebook`` (nbformat JSON) with its install cell holding :func:`install_code` for ``source``."""
    for cell in notebook.get("cells", []):
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        # the marker, or the cell written by an earlier pass (a downloaded notebook, rewritten for a source)
        if cell.get("cell_type") == "code" and text.startswith((INSTALL_MARKER, INSTALL_CODE.splitlines()[0])):
            cell["source"] = install_code(source)
    return notebook


def setup(app):
    if address.site_url(app.srcdir) is not None:
        app.setup_extension("sphinx_sitemap")  # it warns (and -W fails) when there is no address
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _point_colab_at_notebooks, priority=600)  # after the theme's (501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
