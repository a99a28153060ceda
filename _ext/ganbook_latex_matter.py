"""The PDF's front and back matter, arranged as the HTML book arranges them.

- The introduction (the root page) gets a heading and a running head: sphinx-jupyterbook-latex
  turns the root page's title into the title page, so its text began headless, with "Contents"
  in the footer.
- The back matter (the reading-group plan, the references, the reproducibility appendix) is
  unnumbered, as in the HTML: its chapters were numbered 12-14 in the PDF.
- The references page is not repeated: LaTeX prints every citation in one bibliography at the end
  of the document (titled "References" by ``texmf/ganbook.sty``), which left the page an empty
  two-page chapter.
- Bibliography labels are author-year, as the citations in the text are ("[Goodfellow et al.,
  2014]"), not numbers: pybtex's label styles are plugins, so this registers one.
"""

from docutils import nodes
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

INTRODUCTION = "Introduction"
FIRST_BACK_MATTER = "book/reading-group"
REFERENCES = "book/references"
AUTHORS_BEFORE_ET_AL = 2  # "Kingma and Welling, 2014" but "Goodfellow et al., 2014", as in the text


def _last_names(entry):
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    # names as printed ("Kynkäänniemi"), not as typed in BibTeX ("Kynk{\\"a}{\\"a}nniemi")
    return [Text.from_latex(" ".join(person.last_names)).render_as("text") for person in people]


def author_year_label(entry) -> str:
    """The label a citation shows in the text, e.g. ``Goodfellow et al., 2014``."""
    names = _last_names(entry)
    if not names:
        raise ValueError(f"bibliography entry {entry.key!r} has no author or editor: add one to references.bib")
    if len(names) > AUTHORS_BEFORE_ET_AL:
        who = f"{names[0]} et al."
    else:
        who = " and ".join(names)
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        labels = [author_year_label(entry) for entry in sorted_entries]
        seen: dict[str, int] = {}
        for label in labels:
            seen[label] = seen.get(label, 0) + 1
        suffixes: dict[str, int] = {}
        for label in labels:
            if seen[label] > 1:  # two papers, same authors and year: 2017a, 2017b
                suffixes[label] = suffixes.get(label, 0) + 1
                yield label + "abcdefghijklmnopqrstuvwxyz"[suffixes[label] - 1]
            else:
                yield label


class AuthorYearStyle(PlainStyle):
    default_label_style = "ganbook-author-year"


class ArrangeMatter(SphinxPostTransform):
    default_priority = 900  # after sphinx-jupyterbook-latex's transforms of the root page
    builders = ("latex",)

    def run(self, **kwargs):
        heading = (rf"\chapter*{{{INTRODUCTION}}}\addcontentsline{{toc}}{{chapter}}{{{INTRODUCTION}}}"
                   rf"\markboth{{{INTRODUCTION}}}{{{INTRODUCTION}}}")
        self.document.insert(0, nodes.raw("", heading, format="latex"))
        for start in self.document.findall(addnodes.start_of_file):
            if start["docname"] == FIRST_BACK_MATTER:
                start.insert(0, nodes.raw("", r"\ganbookbackmatter", format="latex"))
            elif start["docname"] == REFERENCES:
                for section in list(start.findall(nodes.section)):
                    section.replace_self([c for c in section.children if not isinstance(c, nodes.title)])


def setup(app):
    register_plugin("pybtex.style.labels", "ganbook-author-year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "ganbook-author-year", AuthorYearStyle)
    app.add_post_transform(ArrangeMatter)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
