"""Shared fixtures: the real data folder when present, and a private cache per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_DEFAULT_DATA = REPO.parent / "shared" / "data"


def real_data_dir() -> Path | None:
    """GANBOOK_DATA_DIR as the session started, else ../shared/data beside the repo, else None."""
    value = os.environ.get("GANBOOK_DATA_DIR")
    path = Path(value) if value else _DEFAULT_DATA
    return path if (path / "mnist").is_dir() else None


REAL_DATA = real_data_dir()
needs_real_data = pytest.mark.skipif(REAL_DATA is None, reason="set GANBOOK_DATA_DIR to the data folder")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Every test gets an empty cache folder, so tests never see each other's files."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("GANBOOK_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory):
    """One cache folder for the session, for derived data that is slow to build (cats vs dogs)."""
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture
def real_data(monkeypatch):
    if REAL_DATA is None:
        pytest.skip("set GANBOOK_DATA_DIR to the data folder")
    monkeypatch.setenv("GANBOOK_DATA_DIR", str(REAL_DATA))
    return REAL_DATA
