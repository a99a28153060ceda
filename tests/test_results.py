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


def test_a_true_claim_passes_silently(capsys):
    assert results.claim(3.0 > 2.0, "three beats two", three=3.0) is None
    assert results.claim(np.float64(1.0) < 2, "a numpy comparison is a condition too") is None
    assert capsys.readouterr() == ("", "")


def test_a_false_claim_is_flagged_on_the_page_and_on_stderr_naming_the_sentence_and_values(monkeypatch, capsys):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda bundle, raw: shown.append(bundle))
    sentence = "the 20-d VAE beats the 2-d VAE by more than 40 nats"
    assert results.claim(12.5 > 40, sentence, gap=12.5) is None
    (bundle,) = shown
    assert results.FAILED_CLAIM_CLASS in bundle["text/html"] and "admonition warning" in bundle["text/html"]
    for text in (bundle["text/html"], bundle["text/plain"]):
        assert sentence in text and "gap = 12.5" in text
    stderr = capsys.readouterr().err
    assert f"failed claim: {sentence!r} (gap = 12.5)" in stderr


def test_the_failed_claim_warning_escapes_the_sentence_for_html(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda bundle, raw: shown.append(bundle))
    results.claim(False, "recall < 0.5 & precision > 0.7")
    assert "recall &lt; 0.5 &amp; precision &gt; 0.7" in shown[0]["text/html"]


def test_a_claim_needs_a_condition_not_a_number():
    with pytest.raises(TypeError, match="True/False"):
        results.claim(0.3, "a value passed where a comparison was meant")


def test_every_claim_is_noted_with_whether_it_held_and_its_measured_values(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GANBOOK_CACHE_DIR", str(tmp_path))
    results.claim(True, "the VAE wins", gap=np.float32(2.5), shape=(500, 500))
    results.claim(False, "the GAN wins", gap=-1)
    assert results.load_claims() == {"the VAE wins": {"held": True, "measured": {"gap": 2.5, "shape": [500.0, 500.0]}},
                                     "the GAN wins": {"held": False, "measured": {"gap": -1.0}}}
    assert "the GAN wins" in capsys.readouterr().err
    assert "claims" not in results.load_all(), "the claims are no chapter's headline numbers"


def test_a_chapters_numbers_are_replaced_whole_and_a_malformed_entry_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBOOK_CACHE_DIR", str(tmp_path))
    results.record("chap-gan", "old number", 1.0)
    results.replace_chapter("chap-gan", {"FID": {"value": 14.3, "unit": "", "digits": 1}})
    assert results.load_all() == {"chap-gan": {"FID": {"value": 14.3, "unit": "", "digits": 1}}}
    with pytest.raises(ValueError, match="not a recorded number"):
        results.replace_chapter("chap-gan", {"FID": {"value": float("nan"), "unit": "", "digits": 1}})
    assert results.load_all()["chap-gan"]["FID"]["value"] == 14.3


def test_a_published_chapter_that_recorded_nothing_leaves_no_table(tmp_path, monkeypatch):
    """The appendix makes a table, and a reference, for each chapter load_all lists: the introduction
    records nothing, and has no label for one (found by a reader's first build)."""
    monkeypatch.setenv("GANBOOK_CACHE_DIR", str(tmp_path))
    results.record("chap-intro", "a stale number", 1.0)
    results.replace_chapter("chap-intro", {})
    results.replace_chapter("chap-appetizer", {})
    assert results.load_all() == {}
    assert not list((tmp_path / "results").glob("chap-*.json"))
