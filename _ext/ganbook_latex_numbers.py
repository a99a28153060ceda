"""The PDF's theorems: the same numbers as in the HTML book, and proofs without an empty title bar.

sphinx-jupyterbook-latex sets ``numfig_secnum_depth = 2`` for LaTeX books with parts (so that
equation references carry the chapter number), which makes sphinx-proof number results per
*section* in the PDF ("Theorem 6.3.1") but per *chapter* in HTML ("Theorem 6.1"). Readers cite
these numbers, so after Sphinx assigns numbers for LaTeX we recompute them at depth 1 and keep
those for sphinx-proof's types only; equations and figures keep their LaTeX numbering.
"""

from docutils import nodes
from sphinx.builders.latex import LaTeXBuilder
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx_proof.proof_type import PROOF_TYPES


def _number_proofs_per_chapter(app, env):
    if not isinstance(app.builder, LaTeXBuilder):
        return []
    collector = TocTreeCollector()
    depth = app.config.numfig_secnum_depth
    app.config.numfig_secnum_depth = 1
    try:
        collector.assign_figure_numbers(env)
        per_chapter = env.toc_fignumbers
    finally:
        app.config.numfig_secnum_depth = depth
    collector.assign_figure_numbers(env)  # the numbers LaTeX uses for everything else
    for docname, by_type in per_chapter.items():
        for figtype, numbers in by_type.items():
            if figtype in PROOF_TYPES:
                env.toc_fignumbers.setdefault(docname, {})[figtype] = numbers
    return []


class UnboxProofs(SphinxPostTransform):
    """sphinx-proof wraps each proof in an admonition without a title, which LaTeX draws as a box
    with an empty title bar; in the PDF a proof reads better as plain paragraphs ("Proof. ...")."""

    default_priority = 200
    builders = ("latex",)

    def run(self, **kwargs):
        for admonition in list(self.document.findall(nodes.admonition)):
            if "proof" in admonition["classes"] and not any(isinstance(c, nodes.title) for c in admonition.children):
                admonition.replace_self(admonition.children)


def setup(app):
    app.add_post_transform(UnboxProofs)
    app.connect("env-get-updated", _number_proofs_per_chapter, priority=900)  # after Sphinx's own (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
