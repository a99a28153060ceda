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

- each chapter's first cell, which installs ``ganbook`` when the chapter runs on its own (in
  Colab, or downloaded as a notebook), is given the repository to install from: the line
  ``REPOSITORY = None`` becomes ``REPOSITORY = "https://..."`` as the page is read, so the
  executed notebook, the page's ``.ipynb`` download and the notebooks Colab opens all carry it.

A clone of a local path, or a folder that is not a git clone, gets none of these rather than a
made-up address (its chapters' first cell then installs nothing).
"""

from __future__ import annotations

import re

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


INSTALL_LINE = re.compile(r"^REPOSITORY = None(?=\s|$)", re.M)


def with_repository(source: str, repository: str | None) -> str:
    """``source`` with its install cell's ``REPOSITORY = None`` line naming ``repository`` (if known)."""
    return source if repository is None else INSTALL_LINE.sub(f"REPOSITORY = {repository!r}", source)


def _write_in_repository(app, docname, source):
    source[0] = with_repository(source[0], address.repository_url(app.srcdir))


def setup(app):
    if address.site_url(app.srcdir) is not None:
        app.setup_extension("sphinx_sitemap")  # it warns (and -W fails) when there is no address
    app.connect("config-inited", _configure)
    app.connect("source-read", _write_in_repository)
    app.connect("html-page-context", _point_colab_at_notebooks, priority=600)  # after the theme's (501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
