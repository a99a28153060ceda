"""ganbook.results: recorded numbers come back exactly; bad numbers are refused."""

from __future__ import annotations

import math

import pytest

from ganbook import results


def test_record_and_load_round_trip():
    assert results.record("chap-x", "accuracy", 0.98125, "%", 3) == 0.98125
    results.record("chap-x", "loss", 1.5)
    results.record("chap-y", "nats", -93.97, "nats")
    stored = results.load_all()
    assert stored["chap-x"]["accuracy"]["value"] == 0.98125 and stored["chap-y"]["nats"]["unit"] == "nats"
    assert results.formatted(stored["chap-x"]["accuracy"]) == "0.981 %"
    results.record("chap-x", "loss", 1.25)  # re-recording replaces the old value
    assert results.load_all()["chap-x"]["loss"]["value"] == 1.25


def test_nan_is_refused():
    with pytest.raises(ValueError, match="refusing"):
        results.record("chap-x", "broken", math.nan)


def test_a_new_execution_of_a_chapter_replaces_its_old_numbers(monkeypatch):
    results.record("chap-x", "old name", 1.0)
    results.record("chap-x", "kept", 2.0)
    monkeypatch.setattr(results, "_started", set())  # the chapter's next execution: a new kernel process
    results.record("chap-x", "new name", 3.0)
    results.record("chap-x", "kept", 2.5)
    assert results.load_all()["chap-x"].keys() == {"new name", "kept"}
