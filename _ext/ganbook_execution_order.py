"""Execute the chapters in the order that keeps a cold build's cores busy, not in name order.

Sphinx reads documents in sorted name order, and myst-nb executes each notebook as it is read,
while ``python -m ganbook.pretrain`` trains the models in parallel processes (longest first).
A chapter that needs a model still in training waits for it; in name order the first chapter
(appetizer) waits for two of the longest models, and the chapters after the comparison, which
needs every model, all run after training has ended, on a machine whose other cores are idle.
``ganbook_execution_order`` in ``_config.yml`` lists the documents so that those needing no
model or only small ones (which the chapter process trains itself) run first, the chapters of
the long models after them, and the comparison, which needs all models, last before the
appendix. The HTML's and PDF's order is ``_toc.yml``'s; only the reading order changes.

It also has each cell's execution times recorded in the executed notebook (nbclient's
``record_timing``, which myst-nb's cached execution leaves off; the only way in is to wrap the one
function it calls), and tells the chapters' kernels where myst-nb writes the executed notebooks
(``GANBOOK_EXECUTED_NOTEBOOKS``), so that a page executed after the chapters (the reading-group
plan) can report how long their cells took (:func:`ganbook.machine.cell_seconds`).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import myst_nb.core.execute.cache as myst_nb_cached_execution
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError


def reading_order(docnames: list[str], wanted: list[str]) -> list[str]:
    """``docnames`` with the ``wanted`` ones first, in that order, and the others after them, sorted."""
    rank = {name: i for i, name in enumerate(wanted)}
    return sorted(docnames, key=lambda name: (rank.get(name, len(rank)), name))


def _reorder(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    wanted = list(app.config.ganbook_execution_order)
    if len(set(wanted)) != len(wanted):
        raise ConfigError(f"ganbook_execution_order names a document twice: {wanted}")
    docnames[:] = reading_order(docnames, wanted)


EXECUTED_VARIABLE = "GANBOOK_EXECUTED_NOTEBOOKS"


def _announce_executed_notebooks(app: Sphinx) -> None:
    os.environ[EXECUTED_VARIABLE] = str(Path(app.outdir).parent / "jupyter_execute")  # myst-nb's folder


def _record_cell_timing() -> None:
    execute = myst_nb_cached_execution.single_nb_execution
    if not isinstance(execute, functools.partial):
        myst_nb_cached_execution.single_nb_execution = functools.partial(execute, record_timing=True)


def setup(app: Sphinx) -> dict:
    app.add_config_value("ganbook_execution_order", [], "env", [list])
    app.connect("env-before-read-docs", _reorder)
    app.connect("builder-inited", _announce_executed_notebooks)
    _record_cell_timing()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
