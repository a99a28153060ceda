"""The PDF's theorems: the same numbers as in the HTML book, and proofs without an empty title bar.

sphinx-jupyterbook-latex sets ``numfig_secnum_depth = 2`` for LaTeX books with parts (so that
equation references carry the chapter number), which makes sphinx-proof number results per
*section* in the PDF ("Theorem 6.3.1") but per *chapter* in HTML ("Theorem 6.1"). Readers cite
these numbers, so after Sphinx assigns numbers for LaTeX we recompute them at depth 1 and keep
those for sphinx-proof's types and sphinx-exercise's exercises only; equations and figures keep
their LaTeX numbering.

Figures inside exercises and solutions stay where they are ("[H]"), as Sphinx does for figures in
its own admonitions: sphinx-exercise draws its boxes with Sphinx's admonition environment but does
not tell the LaTeX writer, whose floats then fail inside the box ("Not in outer par mode").
"""

from docutils import nodes
from sphinx.builders.latex import LaTeXBuilder
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx_exercise.nodes import (depart_exercise_enumerable_node, depart_exercise_node, depart_solution_node,
                                   exercise_enumerable_node, exercise_node, solution_node, visit_exercise_enumerable_node,
                                   visit_exercise_node, visit_solution_node)
from sphinx_proof.proof_type import PROOF_TYPES

EXERCISE_TYPES = ("exercise",)  # sphinx-exercise's enumerable type


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
            if figtype in PROOF_TYPES or figtype in EXERCISE_TYPES:
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


def _floats_stay(visit, depart):
    """LaTeX handlers that count the box as one in which figures may not float (``no_latex_floats``)."""
    def visit_box(translator, node):
        visit(translator, node)
        translator.no_latex_floats += 1

    def depart_box(translator, node):
        translator.no_latex_floats -= 1
        depart(translator, node)

    return visit_box, depart_box


def _exercise_boxes_hold_their_figures(app):
    for node, visit, depart in ((exercise_node, visit_exercise_node, depart_exercise_node),
                                (exercise_enumerable_node, visit_exercise_enumerable_node,
                                 depart_exercise_enumerable_node),
                                (solution_node, visit_solution_node, depart_solution_node)):
        app.add_node(node, override=True, latex=_floats_stay(visit, depart))


def setup(app):
    app.setup_extension("sphinx_exercise")  # its nodes are registered before ours replace their LaTeX handlers
    _exercise_boxes_hold_their_figures(app)
    app.add_post_transform(UnboxProofs)
    app.connect("env-get-updated", _number_proofs_per_chapter, priority=900)  # after Sphinx's own (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
