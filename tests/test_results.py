"""ganbook.results: recorded numbers come back exactly; bad numbers are refused."""

from __future__ import annotations

import math

import numpy as np

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


def test_a_true_claim_passes_silently():
    assert results.claim(3.0 > 2.0, "three beats two", three=3.0) is None
    assert results.claim(np.float64(1.0) < 2, "a numpy comparison is a condition too") is None


def test_a_false_claim_fails_naming_the_sentence_and_the_measured_values():
    with pytest.raises(results.ClaimError, match=r"'the 20-d VAE beats the 2-d VAE by more than 40 nats'.*gap = 12.5"):
        results.claim(12.5 > 40, "the 20-d VAE beats the 2-d VAE by more than 40 nats", gap=12.5)


def test_a_claim_needs_a_condition_not_a_number():
    with pytest.raises(TypeError, match="True/False"):
        results.claim(0.3, "a value passed where a comparison was meant")
