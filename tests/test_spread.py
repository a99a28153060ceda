"""ganbook.spread: glued numbers are collected from a build and summarised across seeds."""

from __future__ import annotations

import json

import pytest

from ganbook import results, spread


def glue_entry(key: str, text: str) -> dict:
    return {"output_type": "display_data", "metadata": {"scrapbook": {"name": key}}, "data": {"text/plain": text}}


def write_build(folder, values: dict[str, str]) -> None:
    (folder / "book").mkdir(parents=True)
    entries = {key: glue_entry(key, text) for key, text in values.items()}
    (folder / "book" / "gan.glue.json").write_text(json.dumps(entries))
    (folder / "book" / "intro.glue.json").write_text(json.dumps({"title": glue_entry("title", "'a word'")}))


def test_collect_keeps_the_finite_numbers_of_each_chapter_with_the_seed(tmp_path, monkeypatch):
    write_build(tmp_path, {"fid": "14.5", "epochs": "6", "verdict": "'below'", "broken": "nan"})
    monkeypatch.setenv("GANBOOK_SEED", "2")
    build = spread.collect(tmp_path)
    assert build["numbers"] == {"gan": {"fid": 14.5, "epochs": 6.0}} and build["seed"] == 2


def test_collect_names_a_folder_without_glued_numbers(tmp_path):
    with pytest.raises(FileNotFoundError, match="jupyter_execute"):
        spread.collect(tmp_path)


def test_summarise_gives_mean_sd_and_range_of_each_number_present_in_every_build():
    builds = [{"commit": "abc", "seed": seed, "numbers": {"gan": {"fid": fid, "only-once": 1.0} if seed == 0
                                                           else {"fid": fid}}}
              for seed, fid in ((0, 14.0), (1, 15.0), (2, 16.0))]
    summary = spread.summarise(builds)
    assert summary["seeds"] == [0, 1, 2] and set(summary["numbers"]["gan"]) == {"fid"}
    assert summary["numbers"]["gan"]["fid"] == {"mean": 15.0, "sd": 1.0, "min": 14.0, "max": 16.0,
                                               "values": [14.0, 15.0, 16.0]}


@pytest.mark.parametrize("builds, message", [
    ([{"commit": "a", "seed": 0, "numbers": {}}, {"commit": "b", "seed": 1, "numbers": {}}], "different commits"),
    ([{"commit": "a", "seed": 0, "numbers": {}}, {"commit": "a", "seed": 0, "numbers": {}}], "different seeds"),
    ([{"commit": "a", "seed": 0, "numbers": {}}], "two or more")])
def test_summarise_refuses_builds_that_are_not_one_commit_with_different_seeds(builds, message):
    with pytest.raises(ValueError, match=message):
        spread.summarise(builds)


def test_the_command_writes_both_files(tmp_path, monkeypatch):
    for seed in (0, 1):
        write_build(tmp_path / f"build-{seed}", {"fid": str(14.0 + seed)})
        monkeypatch.setenv("GANBOOK_SEED", str(seed))
        spread.main(["collect", str(tmp_path / f"build-{seed}"), "--out", str(tmp_path / f"seed-{seed}.json")])
    spread.main(["summarise", str(tmp_path / "seed-0.json"), str(tmp_path / "seed-1.json"),
                 "--out", str(tmp_path / "spread.json")])
    summary = json.loads((tmp_path / "spread.json").read_text())
    assert summary["numbers"]["gan"]["fid"]["mean"] == 14.5


def test_collect_keeps_the_headline_numbers_the_chapters_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBOOK_CACHE_DIR", str(tmp_path / "cache"))
    write_build(tmp_path / "build", {"fid": "14.5"})
    results.record("chap-gan", "DCGAN: Fréchet distance", 14.49, digits=1)
    build = spread.collect(tmp_path / "build")
    assert build["headline"] == {"chap-gan": {"DCGAN: Fréchet distance": {"value": 14.49, "unit": "", "digits": 1}}}


def test_headline_rows_give_mean_sd_and_each_seeds_value_with_the_recorded_digits_and_unit():
    builds = [{"commit": "abc", "seed": seed, "numbers": {},
               "headline": {"chap-gan": {"accuracy": {"value": value, "unit": "%", "digits": 1}}}}
              for seed, value in ((0, 97.0), (1, 98.0), (2, 99.0))]
    summary = spread.summarise(builds)
    assert summary["headline"]["chap-gan"]["accuracy"]["sd"] == 1.0
    assert spread.headline_rows(summary, "chap-gan") == [["accuracy", "98.0 ± 1.00 % (97.0, 98.0, 99.0)"]]
    assert spread.headline_rows(summary, "chap-vae") == []


def test_summarise_lists_each_claim_with_each_builds_verdict_and_values():
    builds = [{"commit": "abc", "seed": seed, "numbers": {},
               "claims": {"A beats B": {"held": held, "measured": {"gap": gap}}}}
              for seed, held, gap in ((0, True, 2.0), (1, False, -0.5))]
    assert spread.summarise(builds)["claims"] == {"A beats B": {"held": [True, False],
                                                                "measured": [{"gap": 2.0}, {"gap": -0.5}]}}
