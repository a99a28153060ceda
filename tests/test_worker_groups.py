"""tests/conftest.py's rule for which tests share a worker process under ``scripts/test.sh``."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PAGE_CHECKS, WHOLE_MODULES, worker_group

REPO = Path(__file__).resolve().parents[1]


def test_a_built_pages_checks_share_one_group_and_another_pages_do_not():
    renders = worker_group(f"{PAGE_CHECKS}::test_page_renders_in_chromium[book/gan]")
    audited = worker_group(f"{PAGE_CHECKS}::test_page_meets_wcag_21_aa[book/gan]")
    other = worker_group(f"{PAGE_CHECKS}::test_page_meets_wcag_21_aa[book/vae]")
    assert renders == audited != other


def test_a_module_with_a_shared_fixture_is_one_group_and_other_tests_run_alone():
    first, second = (worker_group(f"tests/test_vae.py::test_{name}") for name in ("one", "two[3]"))
    assert first == second == "tests/test_vae.py"
    alone = "tests/test_cache.py::test_something[2]"
    assert worker_group(alone) == alone
    unparametrised = f"{PAGE_CHECKS}::test_the_pdf_has_the_tables_of_the_html"
    assert worker_group(unparametrised) == unparametrised


def test_every_grouped_module_exists():
    assert all((REPO / path).is_file() for path in (*WHOLE_MODULES, PAGE_CHECKS))
