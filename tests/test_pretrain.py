"""ganbook.pretrain: the order of the queue, the number of processes, clear errors, and training through the cache."""

from __future__ import annotations

import pytest

from ganbook import pretrain, zoo


def test_training_order_is_longest_first_then_unknown_names_alphabetically():
    assert pretrain.training_order(["mlp-talk", "zz-new", "vae-20", "aa-new", "vae-20"]) == [
        "vae-20", "mlp-talk", "aa-new", "zz-new"]


def test_every_known_order_entry_is_a_registered_recipe():
    # an entry left behind by a renamed recipe would silently send the new name to the end of the queue
    assert set(pretrain.LONGEST_FIRST) <= set(zoo.names())


def test_default_jobs_follows_the_environment_and_names_bad_values(monkeypatch):
    monkeypatch.delenv(pretrain.JOBS_VARIABLE, raising=False)
    assert 1 <= pretrain.default_jobs() <= pretrain.DEFAULT_JOBS
    monkeypatch.setenv(pretrain.JOBS_VARIABLE, "3")
    assert pretrain.default_jobs() == 3
    for bad in ("0", "two"):
        monkeypatch.setenv(pretrain.JOBS_VARIABLE, bad)
        with pytest.raises(ValueError, match=pretrain.JOBS_VARIABLE):
            pretrain.default_jobs()


def test_unknown_recipe_names_are_named_in_the_error():
    with pytest.raises(KeyError, match="no-such-model"):
        pretrain.pretrain(["mlp-talk", "no-such-model"])
    with pytest.raises(ValueError, match="jobs"):
        pretrain.pretrain(["mlp-talk"], jobs=0)


def test_pretrain_trains_into_the_cache_then_finds_it_there(monkeypatch):
    # a short variant of the smallest recipe, in this test's private cache
    monkeypatch.setattr(pretrain, "train_one", lambda name: _short_softmax(name))
    lines = []
    first = pretrain.pretrain(["softmax-regression"], report=lines.append)
    second = pretrain.pretrain(["softmax-regression"], report=lines.append)
    assert [loaded for _, _, loaded in first + second] == [False, True]
    assert "trained" in lines[0] and "in the cache" in lines[1]


def test_a_recipe_already_in_the_cache_is_not_sent_to_a_worker(monkeypatch):
    zoo.get("softmax-regression", steps=20, eval_every=10)
    monkeypatch.setattr(pretrain, "train_one", lambda name: pytest.fail(f"{name} was sent to a worker"))
    monkeypatch.setattr(zoo, "recipe", lambda name, **kw: zoo._RECIPES[name]().with_params(steps=20, eval_every=10))
    assert pretrain.pretrain(["softmax-regression"], jobs=2, report=lambda line: None) == [
        ("softmax-regression", 0.0, True)]


def _short_softmax(name):
    trained = zoo.get(name, steps=20, eval_every=10)
    return name, 0.0, trained.loaded


def test_worker_processes_train_into_the_shared_cache():
    # the real path: a spawned worker trains the smallest recipe; the parent then loads it from the cache
    done = pretrain.pretrain(["softmax-regression"], jobs=2, report=lambda line: None)
    assert [(name, loaded) for name, _, loaded in done] == [("softmax-regression", False)]
    assert zoo.get("softmax-regression").loaded


def test_without_file_locks_the_command_trains_nothing(monkeypatch, capsys):
    from ganbook import cache

    monkeypatch.setattr(cache, "LOCKS_AVAILABLE", False)
    monkeypatch.setattr(pretrain, "pretrain", lambda *a, **k: pytest.fail("must not train without locks"))
    assert pretrain.main([]) == 0
    assert "no file locks" in capsys.readouterr().out
