"""Headline numbers: chapters record them here, the reproducibility appendix lists them.

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

from ganbook import settings
from ganbook.atomic import atomic_path


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
