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

It also records how long each cell took, so that a page executed after the chapters (the
reading-group plan) can report it (:func:`ganbook.machine.cell_seconds`). myst-nb's cached
execution runs nbclient without ``record_timing``; the only way in is to wrap the one function it
calls. The times go to a file beside jupyter-cache's database, keyed by each cell's source, not into
the notebook: jupyter-cache hashes the cells' metadata, so times there would make every notebook
miss the cache. The kernels learn where that file and the executed notebooks are from
``GANBOOK_CELL_SECONDS`` and ``GANBOOK_EXECUTED_NOTEBOOKS``.
"""

from __future__ import annotations

import os
from pathlib import Path

import myst_nb.core.execute.cache as myst_nb_cached_execution
from ganbook import machine
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError


def reading_order(docnames: list[str], wanted: list[str]) -> list[str]:
    """``docnames`` with the ``wanted`` ones first, in that order, and the others after them, sorted."""
    return machine.in_declared_order(docnames, wanted)


def _reorder(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    wanted = list(app.config.ganbook_execution_order)
    if len(set(wanted)) != len(wanted):
        raise ConfigError(f"ganbook_execution_order names a document twice: {wanted}")
    docnames[:] = reading_order(docnames, wanted)


CELL_SECONDS_FILE = "ganbook-cell-seconds.json"


class _TimedExecution:
    """myst-nb's notebook execution with nbclient's per-cell times, written to :attr:`seconds_file`."""

    def __init__(self, execute):
        self.execute = execute
        self.seconds_file: Path | None = None

    def __call__(self, notebook, *args, **kwargs):
        result = self.execute(notebook, *args, **{**kwargs, "record_timing": True})
        seconds = {}
        for cell in notebook.cells:
            timing = cell.metadata.pop("execution", None)  # out of the notebook, whose hash it would change
            if cell.cell_type == "code" and timing:
                taken = machine.execution_seconds(timing)
                if taken is not None:
                    seconds[machine.source_key(cell.source)] = taken
        if self.seconds_file is not None and seconds:
            machine.record_cell_seconds(self.seconds_file, seconds)
        return result


def _timed_execution() -> _TimedExecution:
    execute = myst_nb_cached_execution.single_nb_execution
    if not isinstance(execute, _TimedExecution):
        execute = myst_nb_cached_execution.single_nb_execution = _TimedExecution(execute)
    return execute


def _announce_executed_notebooks(app: Sphinx) -> None:
    build = Path(app.outdir).parent
    os.environ[machine.EXECUTED_VARIABLE] = str(build / "jupyter_execute")  # myst-nb's folder
    seconds_file = build / ".jupyter_cache" / CELL_SECONDS_FILE  # kept and forgotten with the cache
    _timed_execution().seconds_file = seconds_file
    os.environ[machine.CELL_SECONDS_VARIABLE] = str(seconds_file)


def setup(app: Sphinx) -> dict:
    app.add_config_value("ganbook_execution_order", [], "env", [list])
    app.connect("env-before-read-docs", _reorder)
    app.connect("builder-inited", _announce_executed_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
