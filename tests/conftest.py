"""Shared fixtures: the real data folder when present, and a private cache per test."""

from __future__ import annotations

import os
from pathlib import Path

import pooch
import pytest

REPO = Path(__file__).resolve().parents[1]
_DEFAULT_DATA = REPO.parent / "shared" / "data"


def real_data_dir() -> Path | None:
    """GANBOOK_DATA_DIR as the session started, else ../shared/data beside the repo, else None."""
    value = os.environ.get("GANBOOK_DATA_DIR")
    path = Path(value) if value else _DEFAULT_DATA
    return path if (path / "mnist").is_dir() else None


REAL_DATA = real_data_dir()


# Tests that must run in one worker process (scripts/test.sh runs pytest-xdist): a module whose tests
# share an expensive module-scoped fixture (pip's resolution of every platform, a small trained
# model), and each built page's checks in tests/test_built_book.py, which share the opened page.
WHOLE_MODULES = ("tests/test_platforms.py", "tests/test_evaluation.py", "tests/test_sampling.py", "tests/test_vae.py")
PAGE_CHECKS = "tests/test_built_book.py"


def worker_group(nodeid: str) -> str:
    """The group a test runs in: its module for ``WHOLE_MODULES``, its page for a built page's check
    (a test of ``PAGE_CHECKS`` with one parameter), else the test alone."""
    path, _, name = nodeid.partition("::")
    if path in WHOLE_MODULES:
        return path
    if path == PAGE_CHECKS and name.endswith("]"):
        return f"{path} page {name[name.index('[') + 1:-1]}"
    return nodeid


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """For ``--dist loadgroup``: xdist's scheduler by scope, with ``worker_group`` as the scope.

    Our own rule, not xdist_group marks: with pytest 9.2, xdist 3.8 no longer sees those marks
    (pytest-dev/pytest-xdist#1386) and hands the tests out one by one.
    """
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Grouped(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_group(nodeid)

    return Grouped(config, log)


@pytest.hookimpl(trylast=True)  # after pytest's own ordering (a module-scoped parameter's tests together)
def pytest_collection_modifyitems(items):
    """The tests marked ``slow`` first, the rest in their order: with several workers (pytest-xdist
    hands out tests in this order), a test of minutes that started last would keep one worker busy
    long after the others had finished."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Every test gets an empty cache folder, so tests never see each other's files.

    Nor does a test download published models (a clone of a GitHub repository has a default
    address for them): a test that wants the published models sets GANBOOK_MODELS_URL itself.
    """
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("GANBOOK_CACHE_DIR", str(cache))
    monkeypatch.setenv("GANBOOK_MODELS_URL", "off")
    monkeypatch.delenv("GANBOOK_PUBLISHED_CHAPTERS", raising=False)  # a test that takes them says so
    monkeypatch.delenv("GANBOOK_SEED", raising=False)
    return cache


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory):
    """One cache folder for the session, for derived data that is slow to build (cats vs dogs)."""
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture
def real_data(monkeypatch):
    """The real data folder, as GANBOOK_DATA_DIR for this test only; skips the test where there is none."""
    if REAL_DATA is None:
        pytest.skip("set GANBOOK_DATA_DIR to the data folder")
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(REAL_DATA))
    return REAL_DATA


@pytest.fixture
def fake_download(monkeypatch):
    """Replace pooch.retrieve: like pooch, it reuses a file already there, else "downloads" ``served``.

    The known hash it was asked for is kept in ``served["known_hash"]``; no GANBOOK_DATA_DIR is set.
    """
    served = {"payload": b"", "downloads": 0, "known_hash": None}

    def retrieve(url, known_hash, fname, path, progressbar):
        served["known_hash"] = known_hash
        target = Path(path) / fname
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(served["payload"])
            served["downloads"] += 1
        return str(target)

    monkeypatch.setattr(pooch, "retrieve", retrieve)
    monkeypatch.delenv("GANBOOK_DATA_DIR", raising=False)
    return served
