"""Give theorems the same numbers in the PDF as in the HTML book.

sphinx-jupyterbook-latex sets ``numfig_secnum_depth = 2`` for LaTeX books with parts (so that
equation references carry the chapter number), which makes sphinx-proof number results per
*section* in the PDF ("Theorem 6.3.1") but per *chapter* in HTML ("Theorem 6.1"). Readers cite
these numbers, so after Sphinx assigns numbers for LaTeX we recompute them at depth 1 and keep
those for sphinx-proof's types only; equations and figures keep their LaTeX numbering.
"""

from sphinx.builders.latex import LaTeXBuilder
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


def setup(app):
    app.connect("env-get-updated", _number_proofs_per_chapter, priority=900)  # after Sphinx's own (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
