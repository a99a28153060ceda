"""Headline numbers for the appendix, and checked claims for the prose.

``claim(condition, sentence)`` guards a sentence of a chapter that describes a result ("the 20-d
VAE beats the 2-d VAE by more than 40 nats"). When the condition is false, the cell shows a
warning beside the sentence, naming it and the measured numbers, and writes a line to stderr.
Stderr in a cell is a Sphinx warning (``nb_output_stderr: warn`` in ``_config.yml``): a build with
``-W`` (the README's script, CI) fails, while a reader's plain ``jupyter-book build .`` still
produces the whole book, with the sentence flagged on its page. (Raising instead would abort a
reader's build over one sentence.) Claim cells are therefore tagged ``remove-input``, not
``remove-cell``, which would drop the warning with the cell. Numbers that depend on a run reach the
prose through myst-nb's ``glue``.

Every claim, true or false, is also noted with its measured values in
``$GANBOOK_CACHE_DIR/results/claims/claims.json`` (``load_claims``), so that builds with different
seeds can be compared claim by claim (``ganbook.spread``).

``record("chap-vae", "20-d VAE test ELBO", value, "nats")`` stores the number in
``$GANBOOK_CACHE_DIR/results/<chapter>.json`` (written atomically) and returns it, so the text
and the appendix read the same value. Each chapter runs in a kernel of its own: the first number a
process records for a chapter starts that chapter's file afresh, so a number the chapter no longer
records (renamed, removed) leaves the appendix at the chapter's next execution.
"""

from __future__ import annotations

import html
import json
import math
import sys
from pathlib import Path

import numpy as np

from ganbook import settings
from ganbook.atomic import atomic_path


# The class of the warning a failed claim shows; scripts/built_pages.py looks for it on the pages.
FAILED_CLAIM_CLASS = "ganbook-failed-claim"


def claim(condition: bool, sentence: str, **measured: float) -> None:
    """Check ``condition``; if false, flag ``sentence`` (the text it guards) with the ``measured`` numbers.

    ``condition`` is written with a tolerance that reflects run-to-run noise, so it fails when the
    result changes, not when the last digit moves. Returns nothing, so that a claim ending a cell
    adds no output to the page.
    """
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(f"claim needs a True/False condition, got {type(condition).__name__}: {sentence!r}")
    _note_claim(sentence, bool(condition), measured)
    if not condition:
        _flag(sentence, ", ".join(f"{name} = {value:.4g}" if isinstance(value, (int, float, np.number))
                                  else f"{name} = {value}" for name, value in measured.items()))


def _flag(sentence: str, values: str) -> None:
    """The failed claim's warning: on the page (HTML, and plain text for the PDF) and on stderr."""
    from IPython.display import display

    measured = f" ({values})" if values else ""
    message = (f"The text says \u201c{sentence}\u201d, but this build measured otherwise{measured}: "
               "the sentence nearby may not hold for this build.")
    page = (f'<div class="admonition warning {FAILED_CLAIM_CLASS}"><p class="admonition-title">'
            f"A sentence on this page does not match this build</p><p>{html.escape(message)}</p></div>")
    display({"text/html": page, "text/plain": f"Warning: {message}"}, raw=True)
    print(f"ganbook: failed claim: {sentence!r}{measured}: rewrite the sentence or find what changed",
          file=sys.stderr)


def _plain(value):
    """A measured value as JSON can hold it: numbers as floats, arrays and tuples as lists, else its text."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(item) for item in value]
    return str(value)


def _claims_path() -> Path:
    return results_dir() / "claims" / "claims.json"


def _note_claim(sentence: str, held: bool, measured: dict) -> None:
    path = _claims_path()
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        known = {}
    known[sentence] = {"held": held, "measured": {name: _plain(value) for name, value in measured.items()}}
    with atomic_path(path, suffix=".json") as temporary:
        temporary.write_text(json.dumps(known, indent=1, sort_keys=True))


def load_claims() -> dict[str, dict]:
    """Every claim this cache's builds checked: {sentence: {"held": bool, "measured": {name: value}}}."""
    try:
        return json.loads(_claims_path().read_text())
    except (OSError, ValueError):
        return {}


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


def replace_chapter(chapter: str, entries: dict) -> None:
    """Set ``chapter``'s headline numbers to ``entries`` (as ``record`` writes them), after checking each:
    a published chapter's numbers, taken with its execution (``ganbook.rebuild``)."""
    for name, entry in entries.items():
        good = (isinstance(entry, dict) and isinstance(entry.get("value"), (int, float))
                and not isinstance(entry.get("value"), bool) and math.isfinite(entry["value"])
                and isinstance(entry.get("unit"), str) and isinstance(entry.get("digits"), int)
                and 0 <= entry["digits"] <= 12)
        if not good:
            raise ValueError(f"headline number {name!r} of {chapter} is not a recorded number: {entry!r}")
    path = results_dir() / f"{chapter}.json"
    if not entries:  # a chapter that records nothing has no file, as when it runs here
        path.unlink(missing_ok=True)
        return
    with atomic_path(path, suffix=".json") as temporary:
        temporary.write_text(json.dumps(entries, indent=1, sort_keys=True))


def load_all() -> dict[str, dict[str, dict]]:
    """Every recorded number, by chapter label (only chapters that recorded some)."""
    found = {path.stem: json.loads(path.read_text()) for path in sorted(results_dir().glob("*.json"))}
    return {chapter: entries for chapter, entries in found.items() if entries}


def formatted(entry: dict) -> str:
    text = f"{entry['value']:.{entry['digits']}f}"
    return f"{text} {entry['unit']}".strip()
