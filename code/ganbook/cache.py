"""The trained-model cache: return a trained model for a recipe, training it only when needed.

A ``Recipe`` says how to build a model and how to train it. Its cache key hashes
everything that could change the trained weights: the recipe's name, hyper-parameters and
seed, a fingerprint of its data, and the code its build and train functions reach
(``ganbook.codekeys``: as syntax, so documentation edits keep the key).
(jupyter-cache re-executes a notebook only when its cells change; without the code hash, an
edit to ``ganbook`` would silently reuse stale models.) An entry is a folder holding the
weights and a ``record.json`` with the training history, metrics and the weights' SHA-256; it
is written under a temporary name and renamed into place, so an interrupted save is never
trusted. An entry that cannot be read, lacks a field or whose weights do not match their hash
is retrained, with one line on the log; a model whose loss or weights are not finite is never
stored.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from ganbook import codekeys, remote, settings
from ganbook.atomic import atomic_directory, sha256_of
from ganbook.codekeys import CACHE_FORMAT, Recipe, cache_key, plain_value  # noqa: F401 (cache.Recipe, ...)
from ganbook.train import TrainingRecord

log = logging.getLogger(__name__)

WEIGHTS_FILE = "model.weights.h5"
RECORD_FILE = "record.json"
RECORD_FIELDS = ("key", "history", "metrics", "train_seconds", "weights_sha256")
STALE_SAVE_SECONDS = 24 * 3600  # a save folder this old belongs to a process that crashed


# Where a model came from: the local cache, the published models (ganbook.remote), or training now.
FROM_CACHE, DOWNLOADED, TRAINED = "cache", "downloaded", "trained"
_PROVENANCE = {FROM_CACHE: "loaded from the model cache", DOWNLOADED: "downloaded from the published models",
               TRAINED: "trained now"}


@dataclass
class Trained:
    """A trained model with its record; ``source`` says where it came from (``FROM_CACHE``,
    ``DOWNLOADED`` or ``TRAINED``)."""

    model: Any
    record: TrainingRecord
    key: str
    source: str
    train_seconds: float

    @property
    def loaded(self) -> bool:
        """Whether the model was ready (cached or downloaded) rather than trained for this call."""
        return self.source != TRAINED

    @property
    def provenance(self) -> str:
        """Where the model came from, in words: "loaded from the model cache", "trained now", ..."""
        return _PROVENANCE[self.source]

    @property
    def history(self) -> dict[str, list[float]]:
        return self.record.history

    @property
    def metrics(self) -> dict[str, float]:
        return self.record.metrics


def models_dir() -> Path:
    """Where cache entries live: ``$GANBOOK_CACHE_DIR/models``."""
    return settings.cache_dir() / "models"


def entry_dir(recipe: Recipe) -> Path:
    return models_dir() / f"{recipe.name}-{cache_key(recipe)}"


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow so training is reproducible on one machine."""
    import keras

    keras.utils.set_random_seed(seed)


def _read_entry(folder: Path, note: bool = True) -> dict[str, Any] | None:
    """The entry's record if the entry is whole: every field present, the weights matching their hash.

    A damaged entry is noted on the log (INFO, so no stderr in a chapter) when ``note`` is true.
    """
    if not folder.exists():
        return None
    try:
        for name in (RECORD_FILE, WEIGHTS_FILE):
            if not (folder / name).is_file():
                raise ValueError(f"{name} is {'not a file' if (folder / name).exists() else 'missing'}")
        stored = json.loads((folder / RECORD_FILE).read_text())
        problem = record_problem(stored)
        if problem:
            raise ValueError(problem)
        if sha256_of(folder / WEIGHTS_FILE) != stored["weights_sha256"]:
            raise ValueError("the weights do not match their SHA-256")
    except (OSError, ValueError, TypeError) as error:
        if note:
            log.info("cache entry %s is damaged (%s): retraining", folder.name, error)
        return None
    return stored


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# What each field of record.json must be; a record with a field of another type is damaged.
RECORD_TYPES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "key": ("a string", lambda value: isinstance(value, str)),
    "weights_sha256": ("a string", lambda value: isinstance(value, str)),
    "train_seconds": ("a number", _is_number),
    "history": ("an object of lists", lambda value: isinstance(value, dict)
                and all(isinstance(series, list) for series in value.values())),
    "metrics": ("an object of numbers", lambda value: isinstance(value, dict)
                and all(_is_number(number) for number in value.values())),
    "name": ("a string", lambda value: isinstance(value, str)),
    "params": ("an object", lambda value: isinstance(value, dict)),
    "seed": ("an integer", lambda value: isinstance(value, int) and not isinstance(value, bool)),
}


def record_problem(stored: Any) -> str | None:
    """What is wrong with a ``record.json`` (a field missing, or of the wrong type), or None."""
    if not isinstance(stored, dict):
        return "record.json is not an object"
    missing = [name for name in RECORD_FIELDS if name not in stored]
    if missing:
        return f"record.json lacks {', '.join(missing)}"
    wrong = [f"{name} is not {kind}" for name, (kind, fits) in RECORD_TYPES.items()
             if name in stored and not fits(stored[name])]
    return f"record.json: {'; '.join(wrong)}" if wrong else None


def _load(recipe: Recipe, folder: Path, note: bool = True, source: str = FROM_CACHE) -> Trained | None:
    stored = _read_entry(folder, note)
    if stored is None:
        return None
    try:
        seed_everything(settings.seeded(recipe.seed))
        model = recipe.build(recipe.params)
        model.load_weights(folder / WEIGHTS_FILE)
    except Exception as error:  # noqa: BLE001 - any unreadable entry is retrained
        if note:
            log.info("cache entry %s is unreadable (%s): retraining", folder.name, error)
        return None
    record = TrainingRecord(history=stored["history"], metrics=stored["metrics"])
    return Trained(model, record, stored["key"], source=source, train_seconds=stored["train_seconds"])


def has_entry(recipe: Recipe) -> bool:
    """Whether the cache holds a whole entry for the recipe (all fields, weights matching their hash)."""
    return _read_entry(entry_dir(recipe), note=False) is not None


def stored_record(recipe: Recipe) -> dict[str, Any] | None:
    """The cache entry's ``record.json`` (history, metrics, training seconds), or None if not cached."""
    path = entry_dir(recipe) / RECORD_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _save(recipe: Recipe, trained: Trained, folder: Path) -> None:
    with atomic_directory(folder) as staging:
        trained.model.save_weights(staging / WEIGHTS_FILE)
        record = {
            "weights_sha256": sha256_of(staging / WEIGHTS_FILE),
            "name": recipe.name,
            "key": trained.key,
            "params": recipe.params.record(),
            "seed": recipe.seed,
            "book_seed": settings.book_seed(),
            "data": recipe.data,
            "code": codekeys.reached_names(recipe.build, recipe.train),  # what the key hashed
            "train_seconds": trained.train_seconds,
            "history": trained.record.history,
            "metrics": trained.record.metrics,
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        problem = record_problem(json.loads(json.dumps(record, default=float)))
        if problem:  # a recipe whose record could never be loaded again: say so now, not at every load
            raise TypeError(f"{recipe.name}: {problem}; its train function must return numbers as metrics")
        _write_record(staging / RECORD_FILE, record)


def _write_record(path: Path, record: dict[str, Any]) -> None:
    path.write_text(json.dumps(record, indent=1, default=float))


def train_fresh(recipe: Recipe) -> Trained:
    """Seed, build and train the recipe's model, without touching the cache."""
    seed = settings.seeded(recipe.seed)  # the recipe's seed, shifted by the book's (GANBOOK_SEED)
    seed_everything(seed)
    model = recipe.build(recipe.params)
    start = time.perf_counter()
    record = recipe.train(model, recipe.params, seed)
    seconds = time.perf_counter() - start
    check_finite(recipe.name, model, record)
    return Trained(model, record, cache_key(recipe), source=TRAINED, train_seconds=seconds)


def check_finite(name: str, model: Any, record: TrainingRecord) -> None:
    """Refuse a diverged model: every weight and the last value of every history series must be finite."""
    bad_weights = sum(int(np.size(w) - np.isfinite(w).sum()) for w in model.get_weights())
    bad_series = [key for key, values in record.history.items()
                  if len(values) and isinstance(values[-1], (int, float)) and not np.isfinite(values[-1])]
    if bad_weights or bad_series:
        what = ([f"{bad_weights} weights are not finite"] if bad_weights else []) + [
            f"the last {key} is {record.history[key][-1]}" for key in bad_series]
        raise FloatingPointError(f"training {name} diverged ({'; '.join(what)}): it is not cached; "
                                 "lower the learning rate")


def sweep_stale_saves(max_age: float = STALE_SAVE_SECONDS) -> list[Path]:
    """Delete the save folders of crashed processes (``.<entry>.*.part`` older than ``max_age`` seconds)."""
    return [folder for folder in models_dir().glob(".*.part") if _remove_if_older(folder, max_age)]


def _remove_if_older(folder: Path, max_age: float) -> bool:
    try:
        if time.time() - folder.stat().st_mtime < max_age:
            return False
    except OSError:
        return False
    shutil.rmtree(folder, ignore_errors=True)
    log.info("removed %s, left by an interrupted save", folder.name)
    return True


@contextlib.contextmanager
def _training_lock(folder: Path):
    """Hold an exclusive lock on ``folder``'s entry while checking and training it.

    Two processes that need the same untrained model (the parallel pre-training of
    ``ganbook.pretrain``, two builds sharing a cache) then train it once: the second waits
    and loads the first one's entry. ``filelock`` locks on every platform.
    """
    locks = settings.cache_dir() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with FileLock(locks / f"{folder.name}.lock"):
        yield


def _fetch_published(recipe: Recipe, folder: Path) -> Trained | None:
    """The recipe's entry downloaded from the published models into ``folder``, or None (and why, logged).

    Called holding the entry's lock. The unpacked entry must pass the checks a local one does
    (every field, weights matching their hash) and carry this recipe's key before it is renamed
    into place.
    """
    base = remote.models_url()
    if base is None:
        return None
    try:
        with atomic_directory(folder) as staging:
            remote.fetch(folder.name, staging, base)
            stored = _read_entry(staging, note=False)
            if stored is None:
                raise remote.FetchError(f"the archive of {folder.name} is not a whole cache entry (a missing "
                                        "field, or weights that do not match their SHA-256)")
            if stored["key"] != cache_key(recipe):
                raise remote.FetchError(f"the archive of {folder.name} holds the entry of another key, "
                                        f"{stored['key']}")
    except remote.ServerSkipped as error:  # its failure was noted once, when it happened
        log.debug("%s: %s; training it", recipe.name, error)
        return None
    except remote.FetchError as error:
        log.info("%s: not downloaded from %s (%s); training it", recipe.name, base, error)
        return None
    return _load(recipe, folder, source=DOWNLOADED)


def _local_or_published(recipe: Recipe, folder: Path) -> Trained | None:
    """Holding the lock: the cached entry (perhaps just trained by another process), else the published one."""
    return _load(recipe, folder) or _fetch_published(recipe, folder)


def find(recipe: Recipe) -> Trained | None:
    """The recipe's model from the cache or the published models, without training; None if neither has it.

    Waits while another process trains the model, and then loads its entry.
    """
    folder = entry_dir(recipe)
    cached = _load(recipe, folder, note=False)  # the common case, without waiting for any lock
    if cached is not None:
        return cached
    with _training_lock(folder):
        return _local_or_published(recipe, folder)


def load_or_train(recipe: Recipe, retrain: bool = False) -> Trained:
    """Return the recipe's trained model from the cache (or the published models), or train and store it."""
    folder = entry_dir(recipe)
    if not retrain:
        cached = _load(recipe, folder, note=False)  # the common case, without waiting for any lock
        if cached is not None:
            return cached
    with _training_lock(folder):
        if not retrain:
            found = _local_or_published(recipe, folder)  # trained by another process while we waited?
            if found is not None:
                return found
        # holding the lock, any save folder of this entry was left by a process that crashed
        for stale in folder.parent.glob(f".{folder.name}.*.part"):
            _remove_if_older(stale, max_age=0)
        trained = train_fresh(recipe)
        _save(recipe, trained, folder)
    return trained


def current_entries(recipes: Mapping[str, Recipe]) -> list[Path]:
    """The whole entries that the current code would make: what ``python -m ganbook.publish`` packs.

    An entry is current when the recipe of its name (in ``recipes``), with the parameters and seed
    its record stores, has its key now: the default recipes and any variant a chapter trained, but
    no entry of code that has since changed.
    """
    current = []
    for folder in sorted(models_dir().glob("[!.]*")):
        stored = _read_entry(folder, note=False)
        base = recipes.get(stored.get("name", "")) if stored else None
        if base is None or not isinstance(stored.get("params"), dict):
            continue
        try:
            made = base.with_params(**stored["params"], seed=stored.get("seed", base.seed))
        except TypeError:  # a parameter the recipe no longer has
            continue
        if entry_dir(made) == folder:
            current.append(folder)
    return current
