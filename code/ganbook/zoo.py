"""Named recipes: ``zoo.get("mlp-ce")`` returns a trained model, from the cache when it can.

The registry: it serves the recipes that :data:`ganbook.recipes.RECIPES` declares (``zoo``
imports ``recipes``, never the other way round). Chapters, the benchmark, ``pretrain`` and tests
are its only callers (nothing else in the package imports ``zoo``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ganbook.cache import Recipe, Trained, load_or_train


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
    """The trained model of recipe ``name``: loaded from the cache, or trained and cached."""
    return load_or_train(recipe(name, **overrides), retrain=retrain)
