"""Named recipes: ``zoo.get("mlp-ce")`` returns a trained model, from the cache when it can.

The registry: it serves the recipes that ``ganbook.recipes.RECIPES`` declares (``zoo``
imports ``recipes``, never the other way round). Chapters, the benchmark, ``pretrain`` and tests
are its only callers (nothing else in the package imports ``zoo``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from ganbook import cache as cache_module
from ganbook import remote, settings
from ganbook.cache import FROM_CACHE, TRAINED, Recipe, Trained, find, load_or_train

# The command that trains one model in a fresh one-thread process (see ganbook.pretrain), and the
# line it ends with: whether it trained the model or, another process having trained it meanwhile,
# loaded it from the cache.
TRAINER = (sys.executable, "-m", "ganbook.pretrain")
SOURCE_LINE = "ganbook-source: "


def _registry() -> dict[str, Callable[[], Recipe]]:
    """Name -> recipe factory (``recipes`` is imported on first use, so ``import ganbook.zoo`` is cheap)."""
    from ganbook import recipes

    return recipes.RECIPES


def names() -> list[str]:
    """The names of all recipes."""
    return sorted(_registry())


def recipe(name: str, **overrides: Any) -> Recipe:
    """The recipe ``name`` with some hyper-parameters (or ``seed``) overridden."""
    registry = _registry()
    if name not in registry:
        raise KeyError(f"no recipe named {name!r}; known recipes: {', '.join(sorted(registry)) or 'none'}")
    made = registry[name]().with_params(**overrides)
    if made.name != name:
        raise ValueError(f"recipes.RECIPES lists {name!r} for a recipe named {made.name!r}: make them agree")
    return made


def get(name: str, retrain: bool = False, **overrides: Any) -> Trained:
    """The trained model of recipe ``name``: from the cache, else downloaded, else trained and cached.

    A model neither cached nor published (``ganbook.remote``) is trained in a one-thread process
    (``train_in_trainer``) unless this process is one, so that a chapter, a reader's notebook and
    the build's workers all get the same weights. ``source`` says which of the three happened.
    """
    overrides = cache_module.plain_value(overrides)  # NumPy numbers as Python ones: for the key and the trainer
    made = recipe(name, **overrides)
    if settings.in_training_process():
        return load_or_train(made, retrain=retrain)
    if not retrain:
        _show_cache_notes()
        found = find(made)  # waits while another process trains it
        if found is not None:
            return found
    source = train_in_trainer(name, overrides, retrain)
    return dataclasses.replace(load_or_train(made), source=source)


def _show_cache_notes() -> None:
    """The cache's one-line notes (why a model was not downloaded, a damaged entry) in the cell's output.

    They are INFO lines on stdout, never stderr: a chapter's stderr fails the build.
    """
    notes = cache_module.log
    if not notes.handlers:
        handler = _ToCurrentStdout()
        handler.setFormatter(logging.Formatter("%(message)s"))
        notes.addHandler(handler)
        notes.setLevel(logging.INFO)
        notes.propagate = False


class _ToCurrentStdout(logging.StreamHandler):
    """A handler writing to whatever ``sys.stdout`` is at each note (Jupyter and pytest replace it)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


def train_in_trainer(name: str, overrides: dict[str, Any], retrain: bool = False) -> str:
    """Run ``python -m ganbook.pretrain name --params overrides`` and wait; its output only on failure.

    Returns what the trainer did (``Trained.source``): ``TRAINED``, or
    ``FROM_CACHE`` when another process trained the model while it waited for
    the entry's lock. The trainer does not look for the model on the server again (this process
    just did).
    """
    command = [*TRAINER, name, "--params", json.dumps(overrides, default=list)] + (["--retrain"] if retrain else [])
    environment = {**os.environ, settings.MODELS_URL_VARIABLE: remote.OFF}
    run = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if run.returncode != 0:
        raise RuntimeError(f"training {name} {overrides or ''} in a trainer process failed "
                           f"({exit_description(run.returncode)}):\n{(run.stderr or run.stdout)[-4000:]}")
    said = [line[len(SOURCE_LINE):].strip() for line in run.stdout.splitlines() if line.startswith(SOURCE_LINE)]
    return said[-1] if said and said[-1] in (TRAINED, FROM_CACHE) else TRAINED


def exit_description(returncode: int) -> str:
    """A process's exit status in words: ``exit 1``, or the signal that killed it and what may have sent it."""
    if returncode >= 0:
        return f"exit {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = "an unknown signal"
    killer = ", perhaps the out-of-memory killer: try fewer processes" if -returncode == signal.SIGKILL else ""
    return f"killed by signal {-returncode} ({name}{killer})"
