"""Named recipes: ``zoo.get("mlp-ce")`` returns a trained model, from the cache when it can.

The registry: it serves the recipes that :data:`ganbook.recipes.RECIPES` declares (``zoo``
imports ``recipes``, never the other way round). Chapters, the benchmark, ``pretrain`` and tests
are its only callers (nothing else in the package imports ``zoo``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from ganbook import cache as cache_module
from ganbook import remote, settings
from ganbook.cache import TRAINED, Recipe, Trained, find, load_or_train

# The command that trains one model in a fresh one-thread process (see ganbook.pretrain).
TRAINER = (sys.executable, "-m", "ganbook.pretrain")


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

    A model neither cached nor published (:mod:`ganbook.remote`) is trained in a one-thread process
    (:func:`train_in_trainer`) unless this process is one, so that a chapter, a reader's notebook and
    the build's workers all get the same weights. ``source`` says which of the three happened.
    """
    made = recipe(name, **overrides)
    if settings.in_training_process():
        return load_or_train(made, retrain=retrain)
    if not retrain:
        _show_cache_notes()
        found = find(made)  # waits while another process trains it
        if found is not None:
            return found
    train_in_trainer(name, overrides, retrain)
    return dataclasses.replace(load_or_train(made), source=TRAINED)


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


def train_in_trainer(name: str, overrides: dict[str, Any], retrain: bool = False) -> None:
    """Run ``python -m ganbook.pretrain name --params overrides`` and wait; its output only on failure.

    The trainer does not look for the model on the server again (this process just did).
    """
    command = [*TRAINER, name, "--params", json.dumps(overrides, default=list)] + (["--retrain"] if retrain else [])
    environment = {**os.environ, settings.MODELS_URL_VARIABLE: remote.OFF}
    run = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if run.returncode != 0:
        raise RuntimeError(f"training {name} {overrides or ''} in a trainer process failed "
                           f"(exit {run.returncode}):\n{(run.stderr or run.stdout)[-4000:]}")
