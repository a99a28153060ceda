"""ganbook.cache: train once, load the second time, retrain when the recipe changes, trust no half-save."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import stat
import sys
import threading
import time
from dataclasses import dataclass

import keras
import numpy as np
import pytest

from ganbook import atomic, cache, zoo
from ganbook.cache import Recipe, TrainingRecord
from ganbook.codekeys import RecipeParams

CALLS = {"train": 0}


@dataclass(frozen=True, kw_only=True)
class TinyParams(RecipeParams):
    units: int
    epochs: int


def build_tiny(params):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(params.units), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return model


def train_tiny(model, params, seed):
    CALLS["train"] += 1
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    history = model.fit(x, y, epochs=params.epochs, batch_size=16, verbose=0, shuffle=False)
    return TrainingRecord(history={"loss": history.history["loss"]}, metrics={"final_loss": history.history["loss"][-1]})


def tiny_recipe(**overrides):
    base = Recipe("tiny", build_tiny, train_tiny, params=TinyParams(units=4, epochs=3), seed=1, data="toy-v1")
    return base.with_params(**overrides)


@pytest.fixture(autouse=True)
def reset_calls():
    CALLS["train"] = 0


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def test_trains_once_then_loads_identical_weights():
    first = cache.load_or_train(tiny_recipe())
    assert not first.loaded and CALLS["train"] == 1
    second = cache.load_or_train(tiny_recipe())
    assert second.loaded and CALLS["train"] == 1, "the second call must not train"
    for a, b in zip(weights_of(first.model), weights_of(second.model)):
        np.testing.assert_array_equal(a, b)
    assert second.history == first.history and second.metrics == first.metrics
    assert second.history["loss"][-1] < second.history["loss"][0], "the tiny model must learn"


def test_changing_a_hyper_parameter_or_seed_or_data_retrains():
    cache.load_or_train(tiny_recipe())
    cache.load_or_train(tiny_recipe(epochs=4))
    assert CALLS["train"] == 2
    cache.load_or_train(tiny_recipe(seed=2))
    assert CALLS["train"] == 3
    moved = tiny_recipe()
    moved = Recipe(moved.name, moved.build, moved.train, moved.params, moved.seed, data="toy-v2")
    cache.load_or_train(moved)
    assert CALLS["train"] == 4


# A tiny project: its recipe's train function calls a helper in another module, beside an unrelated
# function; the key hashes what train reaches, wherever it lives.
TINY_RECIPE = """from tinypkg import helpers
from tinypkg.tiny import build, fit


def train(model, params, seed):
    return fit(model, params, seed, helpers.scale)
"""
TINY_HELPERS = '''"""Helpers of the tiny project."""

SCALE = 1


def scale(x):
    """Multiply by SCALE."""
    return SCALE * x  # the only line that computes


def unrelated(x):
    return x - 1
'''


def _tiny_project(tmp_path, monkeypatch, recipe_source=TINY_RECIPE, helpers=TINY_HELPERS, other=""):
    package = tmp_path / "tinypkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "tiny.py").write_text("from tests.test_cache import build_tiny as build\n"
                                     "def fit(model, params, seed, scale):\n"
                                     "    return train_tiny(model, params, seed)\n"
                                     "from tests.test_cache import train_tiny\n")
    (package / "recipe.py").write_text(recipe_source)
    (package / "helpers.py").write_text(helpers)
    (package / "other.py").write_text(other)
    monkeypatch.syspath_prepend(str(tmp_path))


def _tiny_key() -> str:
    for name in [name for name in sys.modules if name == "tinypkg" or name.startswith("tinypkg.")]:
        del sys.modules[name]
    module = importlib.import_module("tinypkg.recipe")
    return cache.cache_key(Recipe("tiny", module.build, module.train, TinyParams(units=4, epochs=1)))


def test_editing_reached_code_or_a_constant_it_reads_changes_the_key(tmp_path, monkeypatch):
    _tiny_project(tmp_path, monkeypatch)
    before = _tiny_key()
    _tiny_project(tmp_path, monkeypatch, helpers=TINY_HELPERS.replace("return SCALE * x", "return SCALE * x + 1"))
    assert _tiny_key() != before
    _tiny_project(tmp_path, monkeypatch, helpers=TINY_HELPERS.replace("SCALE = 1", "SCALE = 2"))
    assert _tiny_key() != before


def test_documentation_edits_keep_the_key(tmp_path, monkeypatch):
    _tiny_project(tmp_path, monkeypatch)
    before = _tiny_key()
    edits = {"a docstring": ('"""Multiply by SCALE."""', '"""Multiply by the scale, a module constant."""'),
             "a comment": ("# the only line that computes", "# reworded"),
             "blank lines": ("\n\n\ndef scale", "\n\ndef scale")}
    for what, (old, new) in edits.items():
        _tiny_project(tmp_path, monkeypatch, helpers=TINY_HELPERS.replace(old, new))
        assert _tiny_key() == before, f"editing {what} retrained"


def test_editing_an_unrelated_function_of_a_shared_module_keeps_the_key(tmp_path, monkeypatch):
    _tiny_project(tmp_path, monkeypatch)
    before = _tiny_key()
    _tiny_project(tmp_path, monkeypatch, helpers=TINY_HELPERS.replace("return x - 1", "return x - 2"))
    assert _tiny_key() == before


def test_moving_a_function_to_another_module_or_within_its_own_keeps_the_key(tmp_path, monkeypatch):
    _tiny_project(tmp_path, monkeypatch)
    before = _tiny_key()
    reordered = TINY_HELPERS.replace("SCALE = 1\n", "") + "\nSCALE = 1\n"
    _tiny_project(tmp_path, monkeypatch, helpers=reordered)
    assert _tiny_key() == before, "reordering a module retrained"
    moved_out = TINY_HELPERS[TINY_HELPERS.index("SCALE = 1"):TINY_HELPERS.index("def unrelated")]
    _tiny_project(tmp_path, monkeypatch, recipe_source=TINY_RECIPE.replace("helpers", "other"),
                  helpers=TINY_HELPERS.replace(moved_out, ""), other=moved_out)
    assert _tiny_key() == before, "moving scale (and its constant) to another module retrained"


def test_a_function_is_hashed_from_its_file_as_it_is_now_even_after_lines_above_it_moved(tmp_path, monkeypatch):
    """inspect.getsource reads the file at the loaded code's old line numbers: after an edit above the
    function (a longer docstring) it returned the wrong lines, and the key matched no version."""
    shifting = TINY_HELPERS.replace('"""Helpers of the tiny project."""', "def first():\n    return 1\n")
    _tiny_project(tmp_path, monkeypatch, helpers=shifting)
    _tiny_key()
    module = importlib.import_module("tinypkg.recipe")  # loaded before the edit, and not reloaded
    recipe = Recipe("tiny", module.build, module.train, TinyParams(units=4, epochs=1))
    before = cache.cache_key(recipe)
    longer = '    """First.\n\n    Three more lines\n    of documentation.\n    """\n'
    helpers = tmp_path / "tinypkg" / "helpers.py"
    time.sleep(0.01)  # a new modification time, as an editor's save has
    helpers.write_text(shifting.replace("def first():\n", "def first():\n" + longer))
    assert cache.cache_key(recipe) == before
    helpers.write_text(shifting.replace("def first():\n", "def first():\n" + longer)
                       .replace("return SCALE * x", "return SCALE * x * 2"))
    assert cache.cache_key(recipe) != before


def test_same_seed_gives_same_weights_when_retrained():
    first = cache.train_fresh(tiny_recipe())
    second = cache.train_fresh(tiny_recipe())
    for a, b in zip(weights_of(first.model), weights_of(second.model)):
        np.testing.assert_array_equal(a, b)


def test_an_interrupted_save_is_not_trusted(monkeypatch):
    recipe = tiny_recipe()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("power cut while writing the record")

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(cache, "_write_record", crash)
        cache.load_or_train(recipe)
    assert not cache.entry_dir(recipe).exists()
    assert not list(cache.models_dir().iterdir()), "no staging folder may be left behind"
    again = cache.load_or_train(recipe)
    assert not again.loaded and CALLS["train"] == 2


def test_an_entry_without_its_record_is_retrained():
    recipe = tiny_recipe()
    cache.load_or_train(recipe)
    (cache.entry_dir(recipe) / cache.RECORD_FILE).unlink()
    again = cache.load_or_train(recipe)
    assert not again.loaded and CALLS["train"] == 2


def test_corrupt_weights_are_retrained():
    recipe = tiny_recipe()
    cache.load_or_train(recipe)
    (cache.entry_dir(recipe) / cache.WEIGHTS_FILE).write_bytes(b"not an HDF5 file")
    again = cache.load_or_train(recipe)
    assert not again.loaded and CALLS["train"] == 2


def test_unknown_parameter_is_a_clear_error():
    with pytest.raises(TypeError, match=r"no parameter\(s\) \['unitz'\]"):
        tiny_recipe(unitz=3)


def test_zoo_unknown_name_lists_the_known_ones():
    with pytest.raises(KeyError, match="no recipe named 'nope'"):
        zoo.recipe("nope")


def train_tiny_slowly(model, params, seed):
    """train_tiny after a pause, so that two callers certainly overlap."""
    time.sleep(0.5)
    return train_tiny(model, params, seed)


def test_two_callers_needing_the_same_untrained_model_train_it_once():
    # threads stand in for the processes of ganbook.pretrain: the lock is on an open file, per caller
    recipe = Recipe("tiny-slow", build_tiny, train_tiny_slowly, params=TinyParams(units=4, epochs=2), seed=1, data="toy-v1")
    outcomes = []
    callers = [threading.Thread(target=lambda: outcomes.append(cache.load_or_train(recipe))) for _ in range(2)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert CALLS["train"] == 1, "the second caller must wait for the first and load its entry"
    assert sorted(outcome.loaded for outcome in outcomes) == [False, True]


def test_stored_record_reads_the_entry_without_building_the_model():
    assert cache.stored_record(tiny_recipe()) is None
    trained = cache.load_or_train(tiny_recipe())
    record = cache.stored_record(tiny_recipe())
    assert record["metrics"] == trained.metrics and record["train_seconds"] > 0


def test_a_bit_flip_in_the_weights_is_detected_and_retrained(caplog):
    recipe = tiny_recipe()
    cache.load_or_train(recipe)
    weights = cache.entry_dir(recipe) / cache.WEIGHTS_FILE
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit, deep inside: still a readable HDF5 file
    weights.write_bytes(bytes(data))
    assert not cache.has_entry(recipe)
    with caplog.at_level("INFO", logger="ganbook.cache"):
        again = cache.load_or_train(recipe)
    assert not again.loaded and CALLS["train"] == 2
    assert [r.levelname for r in caplog.records if "SHA-256" in r.getMessage()] == ["INFO"], \
        "one line on the log, below WARNING so that a chapter's stderr stays empty"
    assert cache.load_or_train(recipe).loaded


@pytest.mark.parametrize("damage", ["missing history", "missing hash", "not an object"])
def test_a_record_that_parses_but_is_incomplete_is_retrained(damage):
    recipe = tiny_recipe()
    cache.load_or_train(recipe)
    path = cache.entry_dir(recipe) / cache.RECORD_FILE
    record = json.loads(path.read_text())
    if damage == "not an object":
        record = ["history"]
    else:
        del record[{"missing history": "history", "missing hash": "weights_sha256"}[damage]]
    path.write_text(json.dumps(record))
    again = cache.load_or_train(recipe)
    assert not again.loaded and CALLS["train"] == 2
    assert cache.load_or_train(recipe).loaded, "the retrained entry must replace the damaged one"


@pytest.mark.parametrize("field, value, said", [
    ("history", None, "history is not an object of lists"), ("metrics", "oops", "metrics is not an object of numbers"),
    ("metrics", {"loss": "low"}, "metrics is not an object of numbers"), ("train_seconds", [1], "not a number"),
    ("key", 7, "key is not a string"), ("params", [], "params is not an object"), ("seed", "1", "seed is not an integer")])
def test_a_record_with_a_field_of_the_wrong_type_is_retrained_with_one_line(caplog, field, value, said):
    recipe = tiny_recipe()
    cache.load_or_train(recipe)
    path = cache.entry_dir(recipe) / cache.RECORD_FILE
    path.write_text(json.dumps({**json.loads(path.read_text()), field: value}))
    assert not cache.has_entry(recipe)
    with caplog.at_level("INFO", logger="ganbook.cache"):
        again = cache.load_or_train(recipe)
    assert not again.loaded and CALLS["train"] == 2 and isinstance(again.metrics, dict)
    notes = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()]
    assert len(notes) == 1 and said in notes[0], notes
    assert cache.load_or_train(recipe).loaded


def test_a_folder_where_the_weights_file_should_be_is_damage_with_one_line(caplog):
    recipe = tiny_recipe()
    cache.load_or_train(recipe)
    weights = cache.entry_dir(recipe) / cache.WEIGHTS_FILE
    weights.unlink()
    weights.mkdir()
    with caplog.at_level("INFO", logger="ganbook.cache"):
        again = cache.load_or_train(recipe)
    assert not again.loaded and CALLS["train"] == 2
    notes = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()]
    assert len(notes) == 1 and "model.weights.h5 is not a file" in notes[0], notes
    assert cache.load_or_train(recipe).loaded


def train_wordy(model, params, seed):
    return dataclasses.replace(train_tiny(model, params, seed), metrics={"verdict": "fine"})


def test_a_recipe_whose_metrics_are_not_numbers_fails_when_it_is_saved():
    recipe = cache.Recipe("wordy", build_tiny, train_wordy, params=TinyParams(units=4, epochs=1), seed=1, data="toy-v1")
    with pytest.raises(TypeError, match="wordy: record.json: metrics is not an object of numbers"):
        cache.load_or_train(recipe)
    assert not cache.entry_dir(recipe).exists()


def train_tiny_diverging(model, params, seed):
    record = train_tiny(model, params, seed)
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    return record


def test_a_diverged_model_is_refused_and_never_cached():
    recipe = Recipe("tiny-nan", build_tiny, train_tiny_diverging, params=TinyParams(units=4, epochs=1), seed=1)
    with pytest.raises(FloatingPointError, match="tiny-nan diverged .*weights are not finite"):
        cache.load_or_train(recipe)
    assert not cache.entry_dir(recipe).exists()


def test_a_non_finite_final_loss_is_refused():
    model = build_tiny(TinyParams(units=2, epochs=1))
    record = TrainingRecord(history={"loss": [1.0, float("nan")], "epoch_list": [[1, 2]]})
    with pytest.raises(FloatingPointError, match="the last loss is nan"):
        cache.check_finite("tiny", model, record)


def test_stale_save_folders_are_swept_and_fresh_ones_kept():
    recipe = tiny_recipe()
    old = cache.models_dir() / f".{cache.entry_dir(recipe).name}.crashed.part"
    fresh = cache.models_dir() / ".other-entry.abc.part"
    for folder in (old, fresh):
        folder.mkdir(parents=True)
    assert cache.sweep_stale_saves() == [], "a save folder of today may belong to a running training"
    day_ago = time.time() - cache.STALE_SAVE_SECONDS - 60
    os.utime(fresh, (day_ago, day_ago))
    assert cache.sweep_stale_saves() == [fresh] and not fresh.exists() and old.exists()
    cache.load_or_train(recipe)  # holding the entry's lock, its own leftover save folder is stale
    assert not old.exists()


def test_entries_get_the_permissions_of_the_umask():
    old_umask = os.umask(0o022)
    try:
        importlib.reload(atomic)  # the umask is read once, when the module is imported
        importlib.reload(cache)
        recipe = tiny_recipe()
        cache.load_or_train(recipe)
        folder = cache.entry_dir(recipe)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755
        for name in (cache.RECORD_FILE, cache.WEIGHTS_FILE):
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o644
    finally:
        os.umask(old_umask)
        importlib.reload(atomic)
        importlib.reload(cache)
