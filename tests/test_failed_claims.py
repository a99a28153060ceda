"""A failed claim in a real Jupyter Book build: a reader's plain build still produces the page,
with a warning beside the sentence; a build with ``-W`` (the README's script, CI) fails.

Each test builds a one-page book whose only code cell makes a claim, tagged as the chapters tag
theirs (``remove-input``), with the book's own execution settings.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
SENTENCE = "the forced claim of this test holds"

CONFIG = """\
title: claims
execute:
  execute_notebooks: force
  allow_errors: false
  stderr_output: warn
sphinx:
  config:
    nb_execution_raise_on_error: true
"""
TOC = "format: jb-book\nroot: index\n"
PAGE = """\
---
kernelspec:
  name: python3
  display_name: Python 3
jupytext:
  text_representation:
    format_name: myst
---
# A page

The paragraph the claim guards.

```{{code-cell}} ipython3
:tags: [remove-input]
from ganbook import results
results.claim({condition}, "{sentence}", measured=0.25)
```

The paragraph after it.
"""


def build(tmp_path: Path, condition: str, *flags: str) -> tuple[subprocess.CompletedProcess, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "_config.yml").write_text(CONFIG)
    (tmp_path / "_toc.yml").write_text(TOC)
    (tmp_path / "index.md").write_text(PAGE.format(condition=condition, sentence=SENTENCE))
    done = subprocess.run([str(JUPYTER_BOOK), "build", str(tmp_path), *flags], capture_output=True, text=True,
                          timeout=300)
    page = tmp_path / "_build" / "html" / "index.html"
    return done, page.read_text() if page.is_file() else ""


pytestmark = [pytest.mark.slow, pytest.mark.skipif(not JUPYTER_BOOK.is_file(), reason="jupyter-book is not installed beside Python")]


def test_a_readers_build_with_a_failed_claim_produces_the_page_with_the_warning_beside_the_sentence(tmp_path):
    from ganbook import results

    done, page = build(tmp_path, "0.25 > 0.5")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "stderr was found" in done.stderr  # Sphinx logged the failed claim as a warning
    assert results.FAILED_CLAIM_CLASS in page and SENTENCE in page and "measured = 0.25" in page
    guarded, warning, after = (page.index(text) for text in
                               ("The paragraph the claim guards", results.FAILED_CLAIM_CLASS, "The paragraph after it"))
    assert guarded < warning < after


def test_a_build_with_warnings_as_errors_fails_on_a_failed_claim_and_passes_on_a_true_one(tmp_path):
    done, _ = build(tmp_path / "false", "0.25 > 0.5", "-W", "-n", "--keep-going")
    assert done.returncode != 0
    done, page = build(tmp_path / "true", "0.25 < 0.5", "-W", "-n", "--keep-going")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "The paragraph the claim guards" in page and SENTENCE not in page
    assert '<div class="cell_output' not in page  # a true claim adds nothing to the page
