"""ganbook.pretrain: the order of the queue, the number of processes, clear errors, and training through the cache."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import numpy as np

from ganbook import bench, cache, pretrain, recipes, settings, zoo

pytestmark = pytest.mark.slow


def test_training_order_follows_the_declared_order_then_unknown_names_alphabetically():
    assert pretrain.training_order(["mlp-talk", "zz-new", "vae-20", "aa-new", "vae-20"]) == [
        "vae-20", "mlp-talk", "aa-new", "zz-new"]


def test_the_declared_order_names_every_registered_recipe_once():
    # an entry left behind by a renamed recipe would silently send the new name to the end of the queue
    assert sorted(pretrain.TRAINING_ORDER) == sorted(zoo.names())


def test_the_three_longest_recipes_start_first():
    longest = sorted(zoo.names(), key=lambda name: bench.recipe_work(name).total, reverse=True)[:3]
    assert set(pretrain.TRAINING_ORDER[:pretrain.DEFAULT_JOBS]) == set(longest)


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


def test_pretrain_trains_into_the_cache_then_finds_it_there(real_data, monkeypatch):
    # a short variant of the smallest recipe, in this test's private cache
    monkeypatch.setattr(pretrain, "train_one", lambda name: _short_softmax(name))
    lines = []
    first = pretrain.pretrain(["softmax-regression"], report=lines.append)
    second = pretrain.pretrain(["softmax-regression"], report=lines.append)
    assert [source for _, _, source in first + second] == ["trained", "cache"]
    assert "trained" in lines[0] and "in the cache" in lines[1]


def _short_softmax_recipe(monkeypatch):
    """The zoo's softmax regression trains for 20 steps: fast enough for a test."""
    short = recipes.softmax_regression().with_params(steps=20, eval_every=10)
    monkeypatch.setitem(recipes.RECIPES, "softmax-regression", lambda: short)


def test_a_recipe_already_in_the_cache_is_not_sent_to_a_worker(monkeypatch, real_data):
    zoo.get("softmax-regression", steps=20, eval_every=10)
    monkeypatch.setattr(pretrain, "train_one", lambda name: pytest.fail(f"{name} was sent to a worker"))
    _short_softmax_recipe(monkeypatch)
    assert pretrain.pretrain(["softmax-regression"], jobs=2, report=lambda line: None) == [
        ("softmax-regression", 0.0, "cache")]


def _short_softmax(name):
    trained = zoo.get(name, steps=20, eval_every=10)
    return name, 0.0, trained.source


def test_worker_processes_train_into_the_shared_cache(real_data):
    # the real path: a spawned worker trains the smallest recipe; the parent then loads it from the cache
    done = pretrain.pretrain(["softmax-regression"], jobs=2, report=lambda line: None)
    assert [(name, source) for name, _, source in done] == [("softmax-regression", "trained")]
    assert zoo.get("softmax-regression").loaded


def test_a_thousand_processes_are_refused_before_anything_starts(monkeypatch, capsys):
    monkeypatch.setenv(pretrain.JOBS_VARIABLE, "1000")
    with pytest.raises(ValueError, match=f"from 1 to {pretrain.max_jobs()}"):
        pretrain.default_jobs()
    assert pretrain.main(["--check"]) == 2
    assert "GANBOOK_TRAIN_JOBS" in capsys.readouterr().err
    monkeypatch.setenv(pretrain.JOBS_VARIABLE, "1")
    assert pretrain.main(["--check"]) == 0


def test_nothing_to_train_starts_no_pool(monkeypatch, real_data):
    zoo.get("softmax-regression", steps=20, eval_every=10)
    _short_softmax_recipe(monkeypatch)
    monkeypatch.setattr(pretrain, "ProcessPoolExecutor", lambda *a, **k: pytest.fail("a pool was started"))
    assert pretrain.pretrain(["softmax-regression"], jobs=3, report=lambda line: None)[0][2] == "cache"


def test_a_damaged_entry_is_not_reported_as_in_the_cache(monkeypatch, real_data):
    from ganbook import cache

    _short_softmax_recipe(monkeypatch)
    recipe = zoo.recipe("softmax-regression")
    cache.load_or_train(recipe)
    (cache.entry_dir(recipe) / cache.WEIGHTS_FILE).write_bytes(b"\0" * 64)
    sent = []
    monkeypatch.setattr(pretrain, "train_one", lambda name: sent.append(name) or (name, 0.0, "trained"))
    pretrain.pretrain(["softmax-regression"], report=lambda line: None)
    assert sent == ["softmax-regression"], "a damaged entry must be trained again, not reported as cached"


def _die_while_training(name):
    """A worker's task that notes its model, as train_one does, and is then killed (as by the OOM killer)."""
    (pretrain._status_dir / str(os.getpid())).write_text(name)
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_worker_fails_promptly_naming_its_model_and_leaves_no_process(monkeypatch):
    monkeypatch.setattr(pretrain, "train_one", _die_while_training)
    start = time.monotonic()
    with pytest.raises(pretrain.WorkerDied, match="training process of vae-20 died"):
        pretrain.pretrain(["vae-20"], jobs=2, report=lambda line: None)
    assert time.monotonic() - start < 60, "a dead worker must not hang the pre-training"
    assert multiprocessing.active_children() == []


def _one_dies_while_another_trains(name):
    """vae-20's worker is killed a second into its training; the other worker is still training then."""
    (pretrain._status_dir / str(os.getpid())).write_text(name)
    time.sleep(1.0)
    if name == "vae-20":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)
    return name, 60.0, "trained"


def test_a_killed_worker_is_named_alone_not_with_the_models_still_training(monkeypatch):
    monkeypatch.setattr(pretrain, "train_one", _one_dies_while_another_trains)
    with pytest.raises(pretrain.WorkerDied) as raised:
        pretrain.pretrain(["vae-20", "dcgan"], jobs=2, report=lambda line: None)
    assert "training process of vae-20 died" in str(raised.value) and "dcgan" not in str(raised.value)
    assert multiprocessing.active_children() == []


def test_a_killed_trainer_process_is_named_with_its_signal(monkeypatch, real_data):
    monkeypatch.delenv(settings.TRAINING_PROCESS_VARIABLE, raising=False)
    monkeypatch.setattr(zoo, "TRAINER", (sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))
    with pytest.raises(RuntimeError, match=r"killed by signal 9 \(SIGKILL, perhaps the out-of-memory killer"):
        zoo.get("softmax-regression", steps=3, eval_every=3)


GET_AND_SAY = "from ganbook import zoo; print('SOURCE', zoo.get('softmax-regression', steps=40, eval_every=20).source)"


def test_two_processes_asking_for_one_new_model_report_what_each_did(real_data, monkeypatch):
    monkeypatch.delenv(settings.TRAINING_PROCESS_VARIABLE, raising=False)
    runs = [subprocess.Popen([sys.executable, "-c", GET_AND_SAY], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, settings.MODELS_URL_VARIABLE: "off"}) for _ in range(2)]
    said = sorted(line.split()[1] for run in runs for line in run.communicate(timeout=600)[0].splitlines()
                  if line.startswith("SOURCE "))
    assert said == ["cache", "trained"], "one trained it; the other loaded what the first trained"


def test_a_model_trained_by_another_process_after_this_one_looked_is_reported_as_loaded(real_data, monkeypatch):
    """The race of two callers, made deterministic: the entry appears after ``find`` looked, so the
    trainer process finds it in the cache, trains nothing, and says so."""
    short = {"steps": 20, "eval_every": 10}
    monkeypatch.setenv(settings.TRAINING_PROCESS_VARIABLE, "1")
    zoo.get("softmax-regression", **short)  # "the other process" trains it
    monkeypatch.delenv(settings.TRAINING_PROCESS_VARIABLE)
    monkeypatch.setattr(zoo, "find", lambda made: None)  # this one looked just before it was saved
    assert zoo.get("softmax-regression", **short).source == "cache"


def test_the_command_exits_when_its_parent_is_killed(tmp_path):
    # SIGKILL to the build script cannot be passed on: the pre-training notices that its parent is gone
    pid_file = tmp_path / "pid"
    child = ("import os, sys, time; from ganbook import pretrain; pretrain.exit_when_orphaned(os.getppid()); "
             f"open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)")
    parent = subprocess.Popen(["bash", "-c", f'"{sys.executable}" -c "{child}" & wait'])
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = int(pid_file.read_text())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid), "the orphaned process is still running"


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


_THREADS_OF_A_TRAINING_PROCESS = """
import os
from ganbook import pretrain, settings
pretrain.one_thread_each()
import tensorflow as tf
print(tf.config.threading.get_intra_op_parallelism_threads(),
      tf.config.threading.get_inter_op_parallelism_threads(), settings.in_training_process())
"""


def test_a_training_process_runs_one_tensorflow_thread_and_says_so():
    run = subprocess.run([sys.executable, "-c", _THREADS_OF_A_TRAINING_PROCESS], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1", "1", "True"]


def test_a_model_not_in_the_cache_is_trained_by_a_trainer_process_once(monkeypatch, real_data):
    calls = []
    train = zoo.train_in_trainer
    monkeypatch.setattr(zoo, "train_in_trainer", lambda *args: calls.append(args) or train(*args))
    monkeypatch.delenv(settings.TRAINING_PROCESS_VARIABLE, raising=False)
    first = zoo.get("softmax-regression", steps=20, eval_every=10)
    assert calls == [("softmax-regression", {"steps": 20, "eval_every": 10}, False)]
    assert not first.loaded and first.history["test_error"]
    again = zoo.get("softmax-regression", steps=20, eval_every=10)
    assert again.loaded and len(calls) == 1
    for a, b in zip(first.model.get_weights(), again.model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_numpy_numbers_reach_the_trainer_process_as_json(monkeypatch, real_data):
    sent = []
    monkeypatch.delenv(settings.TRAINING_PROCESS_VARIABLE, raising=False)
    monkeypatch.setattr(zoo, "find", lambda made: None)
    monkeypatch.setattr(zoo, "train_in_trainer", lambda name, overrides, retrain: sent.append(json.dumps(overrides)))
    monkeypatch.setattr(zoo, "load_or_train", lambda made: cache.Trained(None, None, "k", source="cache", train_seconds=0.0))
    zoo.get("softmax-regression", steps=np.int64(20), eval_every=np.int64(10))
    assert sent == ['{"steps": 20, "eval_every": 10}']


def test_a_training_process_trains_in_itself(monkeypatch, real_data):
    monkeypatch.setenv(settings.TRAINING_PROCESS_VARIABLE, "1")
    monkeypatch.setattr(zoo, "train_in_trainer", lambda *args: pytest.fail("sent to another process"))
    assert not zoo.get("softmax-regression", steps=20, eval_every=10).loaded


def test_a_failed_trainer_process_is_an_error_with_its_message(monkeypatch, real_data):
    monkeypatch.delenv(settings.TRAINING_PROCESS_VARIABLE, raising=False)
    monkeypatch.setattr(zoo, "TRAINER", (sys.executable, "-c", "import sys; sys.exit('out of memory, say')"))
    with pytest.raises(RuntimeError, match="(?s)softmax-regression .*out of memory, say"):
        zoo.get("softmax-regression", steps=3, eval_every=3)
