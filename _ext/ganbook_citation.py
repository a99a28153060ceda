"""How to cite the book: a "Cite this chapter" block at the end of every numbered chapter, and the
commit the book was built from in every HTML page's footer.

The block gives the chapter's number and title, the book's title, version and commit, and the
chapter's published address when it is known (:mod:`ganbook.address`), as a BibTeX entry. It is
made when pages are written, not when they are read, so the commit and the number are the build's
own even for a page whose source did not change: a placeholder is put at the end of each chapter as
it is read, and filled in when Sphinx resolves the page (HTML: each page; PDF: the whole book at once,
where each chapter's placeholder still names its page).
"""

from __future__ import annotations

from docutils import nodes
import ganbook
from ganbook import address, machine



class cite_chapter(nodes.General, nodes.Element):
    """Where a chapter's citation goes; replaced when the page is resolved (``docname`` attribute)."""


def _mark_chapter_end(app, doctree):
    sections = list(doctree.findall(nodes.section))
    if sections:
        sections[0].append(cite_chapter(docname=app.env.docname))


def bibtex_entry(key: str, fields: dict[str, str]) -> str:
    """A BibTeX ``@incollection`` entry with ``fields`` in the order given (values in braces)."""
    width = max(len(name) for name in fields)
    lines = [f"  {name.ljust(width)} = {{{value}}}," for name, value in fields.items()]
    return "\n".join([f"@incollection{{{key},", *lines, "}"])


def chapter_citation(app, docname: str, number: int, title: str, commit: str, site: str | None) -> str:
    fields = {
        "author": f"{{{app.config.author}}}",  # braced: BibTeX must not split it into first and last names
        "title": title,
        "booktitle": book_title(app),
        "chapter": str(number),
        "year": app.config.copyright.split(",")[0].strip()[:4],
        "note": f"Version {ganbook.__version__}, built from commit {commit}",
    }
    if site is not None:
        fields["url"] = f"{site}{docname}.html"
    return bibtex_entry("ganbook-" + docname.rsplit("/", 1)[-1], fields)


def book_title(app) -> str:
    """The book's title (``title`` in ``_config.yml``, which Jupyter Book passes as ``html_title``)."""
    return app.config.html_title or app.config.project


def _chapter_number(app, docname: str) -> int | None:
    numbers = app.env.toc_secnumbers.get(docname, {})
    first = numbers.get("") or next(iter(numbers.values()), None)
    return first[0] if first else None


def _fill_in(app, doctree, docname):
    commit = machine.source_commit(app.srcdir)
    site = address.site_url(app.srcdir)
    for placeholder in list(doctree.findall(cite_chapter)):
        page = placeholder["docname"]
        number = _chapter_number(app, page)
        if number is None:  # an unnumbered page (the introduction, the back matter): no chapter to cite
            placeholder.parent.remove(placeholder)
            continue
        title = app.env.titles[page].astext()
        entry = chapter_citation(app, page, number, title, commit, site)
        block = nodes.literal_block(entry, entry, language="bibtex")
        sentence = nodes.paragraph("", f"Chapter {number}, “{title}”, of ", nodes.emphasis("", book_title(app)),
                                   nodes.Text(f", version {ganbook.__version__}, built from commit {commit}. "
                                              "In BibTeX:"))
        heading = nodes.rubric("", "Cite this chapter", classes=["cite-this-chapter"])
        placeholder.replace_self([heading, sentence, block])


def _commit_in_footer(app, config):
    commit = machine.source_commit(app.srcdir)
    repository = address.repository_url(app.srcdir)
    shown = f"<code>{commit}</code>"
    if repository is not None and commit != machine.UNKNOWN:
        shown = f'<a href="{repository}/commit/{commit.split()[0]}">{shown}</a>'
    options = dict(config.html_theme_options or {})
    options["extra_footer"] = f"<p>Built from commit {shown}, version {ganbook.__version__}.</p>"
    config.html_theme_options = options


def setup(app):
    app.add_node(cite_chapter)
    app.connect("doctree-read", _mark_chapter_end)
    app.connect("doctree-resolved", _fill_in)
    app.connect("config-inited", _commit_in_footer)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
