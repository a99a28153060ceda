"""Named recipes: ``zoo.get("mlp-ce")`` returns a trained model, from the cache when it can.

Recipes register themselves with :func:`register`; chapters, the benchmark and tests are
the only callers (nothing else in the package imports ``zoo``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ganbook.cache import Recipe, Trained, load_or_train

_RECIPES: dict[str, Callable[[], Recipe]] = {}


def register(name: str) -> Callable[[Callable[[], Recipe]], Callable[[], Recipe]]:
    """Decorator: register a function returning the default :class:`Recipe` under ``name``."""

    def decorate(factory: Callable[[], Recipe]) -> Callable[[], Recipe]:
        if name in _RECIPES:
            raise ValueError(f"a recipe named {name!r} is already registered")
        _RECIPES[name] = factory
        return factory

    return decorate


def names() -> list[str]:
    """The names of all registered recipes."""
    _import_recipes()
    return sorted(_RECIPES)


def recipe(name: str, **overrides: Any) -> Recipe:
    """The recipe ``name`` with some hyper-parameters (or ``seed``) overridden."""
    _import_recipes()
    if name not in _RECIPES:
        raise KeyError(f"no recipe named {name!r}; known recipes: {', '.join(sorted(_RECIPES)) or 'none'}")
    return _RECIPES[name]().with_params(**overrides)


def get(name: str, retrain: bool = False, **overrides: Any) -> Trained:
    """The trained model of recipe ``name``: loaded from the cache, or trained and cached."""
    return load_or_train(recipe(name, **overrides), retrain=retrain)


def _import_recipes() -> None:
    """Import the modules that register recipes (kept lazy so ``import ganbook.zoo`` is cheap)."""
    from ganbook import recipes  # noqa: F401
