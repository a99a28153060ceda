"""What the build script checks in the built book, and what it forgets after a failed build.

    python scripts/built_pages.py check _build/html      # exit 1 naming each page with error output
    python scripts/built_pages.py forget-failed _build   # drop cached executions with stderr or errors

A cell's stderr is a warning, and with ``-W`` a failed build; but Sphinx's saved environment does
not repeat an earlier run's warnings, so a rerun that re-reads nothing would report success over a
page that still shows the stderr block. ``check`` reads the pages themselves; ``forget-failed``
makes the next build execute those notebooks again (tests/test_built_book.py uses the same markers).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Text that must never appear on a built page: error and stderr output of a cell, the warning of a
# failed claim (ganbook.results.FAILED_CLAIM_CLASS), the log lines of TensorFlow and of Python's
# warnings module, and a glue role left unrendered (a number missing from the prose).
MARKERS = ("Traceback (most recent call last)", 'class="output traceback', "output stderr", "ganbook-failed-claim",
           "CellExecutionError", "WARNING:tensorflow", "WARNING:absl", "UserWarning", "DeprecationWarning",
           "{glue")


def page_problems(html_dir: Path) -> dict[str, list[str]]:
    """{page: markers found} for every built chapter page under ``html_dir`` that shows error output."""
    found = {}
    for page in sorted(Path(html_dir).rglob("*.html")):
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        text = page.read_text(errors="replace")
        hits = [marker for marker in MARKERS if marker in text]
        if hits:
            found[str(page.relative_to(html_dir))] = hits
    return found


def _has_error_output(notebook) -> bool:
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" or output.get("name") == "stderr":
                return True
    return False


def forget_failed(build_dir: Path) -> list[str]:
    """Remove the jupyter-cache records whose notebook holds stderr or error output; return their paths."""
    cache_path = Path(build_dir) / ".jupyter_cache"
    if not cache_path.is_dir():
        return []
    from jupyter_cache import get_cache

    cache = get_cache(cache_path)
    forgotten = []
    for record in cache.list_cache_records():
        if _has_error_output(cache.get_cache_bundle(record.pk).nb):
            forgotten.append(record.uri)
            cache.remove_cache(record.pk)
    return forgotten


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("check", "forget-failed"):
        print(__doc__, file=sys.stderr)
        return 2
    command, folder = argv
    if command == "check":
        problems = page_problems(Path(folder))
        for page, hits in problems.items():
            print(f"built page {page} shows error output: {', '.join(hits)}", file=sys.stderr)
        return 1 if problems else 0
    for uri in forget_failed(Path(folder)):
        print(f"forgetting the cached execution of {uri}: it wrote to stderr or raised")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
