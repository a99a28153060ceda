"""The trained-model cache: return a trained model for a recipe, training it only when needed.

A :class:`Recipe` says how to build a model and how to train it. Its cache key hashes
everything that could change the trained weights: the recipe's name, hyper-parameters and
seed, a fingerprint of its data, and the source code of the functions and modules that build
and train it.
(jupyter-cache re-executes a notebook only when its cells change; without the code hash, an
edit to ``ganbook`` would silently reuse stale models.) An entry is a folder holding the
weights and a ``record.json`` with the training history and metrics; it is written under a
temporary name and renamed into place, so an interrupted save is never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

LOCKS_AVAILABLE = fcntl is not None  # see _training_lock

from ganbook import settings
from ganbook.atomic import atomic_directory

log = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when the layout of an entry changes
WEIGHTS_FILE = "model.weights.h5"
RECORD_FILE = "record.json"


@dataclass
class TrainingRecord:
    """What training produced besides weights: per-epoch (or per-step) history and final metrics."""

    history: dict[str, list[float]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Recipe:
    """How to make one trained model.

    ``build(params)`` returns a built, untrained ``keras.Model``; ``train(model, params, seed)``
    trains it in place and returns a :class:`TrainingRecord`. ``data`` fingerprints the
    training data; ``code`` names the modules or functions (beyond ``build`` and
    ``train``, whose own source is always hashed) that the trained weights depend on: a
    module name hashes the whole file, ``"module:function"`` just that function.
    """

    name: str
    build: Callable[[Mapping[str, Any]], Any]
    train: Callable[[Any, Mapping[str, Any], int], TrainingRecord]
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    data: str = ""
    code: tuple[str, ...] = ()

    def with_params(self, **overrides: Any) -> Recipe:
        """A copy with some hyper-parameters (or ``seed``) replaced; unknown names are an error."""
        seed = overrides.pop("seed", self.seed)
        unknown = set(overrides) - set(self.params)
        if unknown:
            raise TypeError(f"recipe {self.name!r} has no parameter(s) {sorted(unknown)}; it has {sorted(self.params)}")
        return Recipe(self.name, self.build, self.train, {**self.params, **overrides}, seed, self.data, self.code)


@dataclass
class Trained:
    """A trained model with its record; ``loaded`` says whether it came from the cache."""

    model: Any
    record: TrainingRecord
    key: str
    loaded: bool
    train_seconds: float

    @property
    def history(self) -> dict[str, list[float]]:
        return self.record.history

    @property
    def metrics(self) -> dict[str, float]:
        return self.record.metrics


def _source_of(entry: str) -> bytes:
    """Source text of ``"package.module"`` (the whole file) or ``"package.module:function"`` (that function)."""
    module_name, _, attribute = entry.partition(":")
    module = importlib.import_module(module_name)
    if not attribute:
        return Path(inspect.getsourcefile(module)).read_bytes()
    return inspect.getsource(getattr(module, attribute)).encode()


def _qualified(function: Callable) -> str:
    return f"{function.__module__}:{function.__qualname__}"


def code_dependencies(recipe: Recipe) -> list[str]:
    """What the recipe's key hashes: its build and train functions and the modules or functions in ``code``."""
    return sorted({_qualified(recipe.build), _qualified(recipe.train), *recipe.code})


def cache_key(recipe: Recipe) -> str:
    """A hex digest that changes with the recipe, its parameters, seed, data and code."""
    description = json.dumps(
        {
            "format": CACHE_FORMAT,
            "name": recipe.name,
            "params": dict(recipe.params),
            "seed": recipe.seed,
            "data": recipe.data,
            "keras": _keras_version(),
        },
        sort_keys=True,
        default=repr,
    ).encode()
    digest = hashlib.sha256(description)
    for entry in code_dependencies(recipe):
        digest.update(entry.encode() + b"\0" + _source_of(entry) + b"\0")
    return digest.hexdigest()[:24]


def _keras_version() -> str:
    import keras

    return keras.__version__


def models_dir() -> Path:
    """Where cache entries live: ``$GANBOOK_CACHE_DIR/models``."""
    return settings.cache_dir() / "models"


def entry_dir(recipe: Recipe) -> Path:
    return models_dir() / f"{recipe.name}-{cache_key(recipe)}"


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow so training is reproducible on one machine."""
    import keras

    keras.utils.set_random_seed(seed)


def _load(recipe: Recipe, folder: Path) -> Trained | None:
    record_path, weights_path = folder / RECORD_FILE, folder / WEIGHTS_FILE
    if not _is_complete(folder):
        return None
    try:
        stored = json.loads(record_path.read_text())
        seed_everything(recipe.seed)
        model = recipe.build(recipe.params)
        model.load_weights(weights_path)
    except Exception as error:  # noqa: BLE001 - any unreadable entry is retrained
        log.warning("cache entry %s is unreadable (%s); retraining", folder, error)
        return None
    record = TrainingRecord(history=stored["history"], metrics=stored["metrics"])
    return Trained(model, record, stored["key"], loaded=True, train_seconds=stored["train_seconds"])


def _is_complete(folder: Path) -> bool:
    return (folder / RECORD_FILE).is_file() and (folder / WEIGHTS_FILE).is_file()


def has_entry(recipe: Recipe) -> bool:
    """Whether the cache holds an entry for the recipe (weights and record; not checked further)."""
    return _is_complete(entry_dir(recipe))


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
            "name": recipe.name,
            "key": trained.key,
            "params": dict(recipe.params),
            "seed": recipe.seed,
            "data": recipe.data,
            "code": code_dependencies(recipe),
            "train_seconds": trained.train_seconds,
            "history": trained.record.history,
            "metrics": trained.record.metrics,
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        _write_record(staging / RECORD_FILE, record)


def _write_record(path: Path, record: dict[str, Any]) -> None:
    path.write_text(json.dumps(record, indent=1, default=float))


def train_fresh(recipe: Recipe) -> Trained:
    """Seed, build and train the recipe's model, without touching the cache."""
    seed_everything(recipe.seed)
    model = recipe.build(recipe.params)
    start = time.perf_counter()
    record = recipe.train(model, recipe.params, recipe.seed)
    seconds = time.perf_counter() - start
    return Trained(model, record, cache_key(recipe), loaded=False, train_seconds=seconds)


@contextlib.contextmanager
def _training_lock(folder: Path):
    """Hold an exclusive lock on ``folder``'s entry while checking and training it.

    Two processes that need the same untrained model (the parallel pre-training of
    :mod:`ganbook.pretrain`, two builds sharing a cache) then train it once: the second waits
    and loads the first one's entry. Where ``fcntl`` is missing (Windows) there is no lock.
    """
    if fcntl is None:
        yield
        return
    locks = settings.cache_dir() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{folder.name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_or_train(recipe: Recipe, retrain: bool = False) -> Trained:
    """Return the recipe's trained model from the cache, or train it and store it there."""
    folder = entry_dir(recipe)
    if not retrain:
        cached = _load(recipe, folder)  # the common case, without waiting for any lock
        if cached is not None:
            return cached
    with _training_lock(folder):
        if not retrain:
            cached = _load(recipe, folder)  # trained by another process while we waited
            if cached is not None:
                return cached
        trained = train_fresh(recipe)
        _save(recipe, trained, folder)
    return trained
