"""Headline numbers for the appendix, and checked claims for the prose.

``claim(condition, sentence)`` guards a sentence of a chapter that describes a result ("the 20-d
VAE beats the 2-d VAE by more than 40 nats"): when the condition is false the build fails with
``ClaimError`` naming the sentence, instead of publishing a sentence the run no longer
supports. Numbers that depend on a run reach the prose through myst-nb's ``glue``.

``record("chap-vae", "20-d VAE test ELBO", value, "nats")`` stores the number in
``$GANBOOK_CACHE_DIR/results/<chapter>.json`` (written atomically) and returns it, so the text
and the appendix read the same value. Each chapter runs in a kernel of its own: the first number a
process records for a chapter starts that chapter's file afresh, so a number the chapter no longer
records (renamed, removed) leaves the appendix at the chapter's next execution.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ganbook import settings
from ganbook.atomic import atomic_path


class ClaimError(AssertionError):
    """A sentence of the book states a result that this build did not measure."""


def claim(condition: bool, sentence: str, **measured: float) -> None:
    """Fail the build unless ``condition`` holds; ``sentence`` is the text it guards, ``measured`` the numbers.

    ``condition`` is written with a tolerance that reflects run-to-run noise, so it fails when the
    result changes, not when the last digit moves.
    """
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(f"claim needs a True/False condition, got {type(condition).__name__}: {sentence!r}")
    if not condition:
        values = ", ".join(f"{name} = {value:.4g}" if isinstance(value, (int, float, np.number)) else
                           f"{name} = {value}" for name, value in measured.items())
        raise ClaimError(f"the text says {sentence!r}, but this build measured otherwise"
                         + (f" ({values})" if values else "") + ": rewrite the sentence or find what changed")


_started: set[Path] = set()  # the chapters' files this process has started afresh


def results_dir() -> Path:
    return settings.cache_dir() / "results"


def record(chapter: str, name: str, value: float, unit: str = "", digits: int = 2) -> float:
    """Store one headline number of ``chapter`` (a page label such as ``"chap-gan"``) and return it."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"headline number {name!r} of {chapter} is {value}: refusing to record it")
    path = results_dir() / f"{chapter}.json"
    entries = json.loads(path.read_text()) if path in _started and path.is_file() else {}
    entries[name] = {"value": value, "unit": unit, "digits": digits}
    with atomic_path(path, suffix=".json") as temporary:
        temporary.write_text(json.dumps(entries, indent=1, sort_keys=True))
    _started.add(path)
    return value


def load_all() -> dict[str, dict[str, dict]]:
    """Every recorded number, by chapter label."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(results_dir().glob("*.json"))}


def formatted(entry: dict) -> str:
    text = f"{entry['value']:.{entry['digits']}f}"
    return f"{text} {entry['unit']}".strip()
