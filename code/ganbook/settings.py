"""Where data and caches live, and TensorFlow's settings and quiet start-up.

Four environment variables steer the package:

- ``GANBOOK_DATA_DIR``: a folder that already holds the data sets (``mnist/`` with the four
  IDX ``.gz`` files, ``cats_and_dogs_filtered/``). It may be read-only: nothing is written there.
- ``GANBOOK_CACHE_DIR``: where downloads, derived arrays and trained models are cached
  (default: ``$XDG_CACHE_HOME/ganbook`` or ``~/.cache/ganbook``).
- ``GANBOOK_MODELS_URL``: where trained models missing from the cache are downloaded from before
  they are trained (``off``: never; default: the published book's, see ``ganbook.remote``).
- ``GANBOOK_SEED``: the book's seed, a whole number (default 0). Every model trains with its
  recipe's seed shifted by ``SEED_STRIDE`` times this one (``seeded``), so a build with another
  seed trains another run of each model; it is part of every model's cache key. (The chapters'
  own draws, such as which samples a figure shows, keep their seeds.)

Importing the package also gives NumPy's, SciPy's and scikit-learn's thread pools one thread
each (``one_numerics_thread``), unless ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` or
``MKL_NUM_THREADS`` is set.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

DATA_DIR_VARIABLE = "GANBOOK_DATA_DIR"
CACHE_DIR_VARIABLE = "GANBOOK_CACHE_DIR"
MODELS_URL_VARIABLE = "GANBOOK_MODELS_URL"
# "off": a build executes every chapter itself rather than take published executions (ganbook.rebuild)
PUBLISHED_CHAPTERS_VARIABLE = "GANBOOK_PUBLISHED_CHAPTERS"
SEED_VARIABLE = "GANBOOK_SEED"
# Seeds within one build stay below this (recipes use 0-10, chapters up to 784), so builds with
# different book seeds never share a seed.
SEED_STRIDE = 1000

# TensorFlow reads these once, when it is first imported.
_TENSORFLOW_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # hide C++ INFO and WARNING lines once TensorFlow's logging is set up
    # oneDNN's kernels: on the 2-core development machine (AMD EPYC, AVX2) the training steps of the
    # CNN judge, the latent GAN and the pet classifier and VAE ran 1.9-2.1x faster, the DCGAN 1.5x,
    # the others within the noise (``python -m ganbook.bench``). TensorFlow turns them on by itself
    # only on CPUs with AVX-512 VNNI or AMX; they change round-off, so every model trains with them.
    "TF_ENABLE_ONEDNN_OPTS": "1",
}


def quiet_pooch():
    """pooch, with its INFO lines silenced before it downloads anything: its "Downloading ..." line
    on stderr would fail a build that treats warnings as errors."""
    import pooch

    pooch.get_logger().setLevel("WARNING")
    return pooch


def quiet_tensorflow() -> None:
    """Set TensorFlow's environment (unless the user chose otherwise); its import, whenever it comes, is silent.

    TensorFlow 2.21 logs through absl, which writes every message logged before its set-up to
    stderr whatever ``TF_CPP_MIN_LOG_LEVEL`` says: at import, the notice that oneDNN is on (twice)
    and which CPU instructions the binary could use. So the first ``import tensorflow`` (by
    any module, Keras included) runs with the process's stderr (file descriptor 2) pointed at the
    null device; an import that fails still raises. Importing ``ganbook`` does not import
    TensorFlow: the data package, for one, never needs it.
    """
    for name, value in _TENSORFLOW_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietImport())


# The thread pools under NumPy, SciPy and scikit-learn (OpenBLAS, OpenMP), which start one thread
# per core and spin while they wait for work. The build runs a chapter's kernel beside three
# training processes on two cores. Measured on a 2-core Xeon: scikit-learn's Gaussian mixture on
# 10,000 autoencoder codes took 13.5 s with two threads and 9.4 s with one on an idle machine;
# beside two one-thread TensorFlow processes, 40.2 s against 15.7 s, and it slowed them from
# about 115 to 78 GFLOP/s. Precision and recall of 10,000 features: 4.8 against 4.2 s idle, 6.8
# against 6.3 s beside them. TensorFlow's own pool (set per process) is not affected.
NUMERICS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_numerics_thread() -> None:
    """One thread for the BLAS and OpenMP pools of this process, unless the user set one of
    ``NUMERICS_THREAD_VARIABLES``.

    The variables reach the libraries loaded from now on; threadpoolctl limits those already
    loaded (NumPy's BLAS, when NumPy was imported first).
    """
    if any(os.environ.get(name, "").strip() for name in NUMERICS_THREAD_VARIABLES):
        return
    for name in NUMERICS_THREAD_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # not as a context: the limit stays for the process's life


@contextlib.contextmanager
def _stderr_to_null() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _QuietImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """An import hook for the ``tensorflow`` package alone: it runs the package's own loader silently, once."""

    def find_spec(self, name, path, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # from now on the normal machinery, for this and every other name
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        self.loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        module.__spec__.loader = module.__loader__ = self.loader
        with _stderr_to_null():
            self.loader.exec_module(module)


# Set (to "1") in a process whose TensorFlow runs one thread, the only kind that trains models
# (``ganbook.pretrain.one_thread_each``): XLA's reductions round differently with more threads, so
# a model trained elsewhere would differ in its last bits from the build's.
TRAINING_PROCESS_VARIABLE = "GANBOOK_TRAINING_PROCESS"


def in_training_process() -> bool:
    """Whether this process trains models itself (one TensorFlow thread), or asks a trainer process."""
    return os.environ.get(TRAINING_PROCESS_VARIABLE) == "1"


def onednn_enabled() -> bool:
    """Whether TensorFlow runs oneDNN's kernels in this process (``TF_ENABLE_ONEDNN_OPTS`` as TensorFlow reads it)."""
    return os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip().lower() in ("1", "true")


def data_dir() -> Path | None:
    """The local data folder named by ``GANBOOK_DATA_DIR``, or None when it is unset."""
    value = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    return Path(value).expanduser().resolve() if value else None


def cache_dir() -> Path:
    """The cache folder (created on demand by whoever writes into it)."""
    value = os.environ.get(CACHE_DIR_VARIABLE, "").strip()
    if value:
        return Path(value).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return (base / "ganbook").resolve()


def models_url_setting() -> str | None:
    """``GANBOOK_MODELS_URL`` as set (an address, or ``off``), None when unset or empty."""
    value = os.environ.get(MODELS_URL_VARIABLE, "").strip()
    return value or None


def published_chapters_wanted() -> bool:
    """Whether a build may take published chapter executions: ``GANBOOK_PUBLISHED_CHAPTERS`` is not ``off``."""
    return os.environ.get(PUBLISHED_CHAPTERS_VARIABLE, "").strip().lower() != "off"


def book_seed() -> int:
    """``GANBOOK_SEED`` as a whole number >= 0 (0 when unset); anything else is a clear error."""
    value = os.environ.get(SEED_VARIABLE, "").strip() or "0"
    if not value.isdigit():
        raise ValueError(f"{SEED_VARIABLE} must be a whole number such as 0, 1 or 2, got {value!r}: fix or unset it")
    return int(value)


def seeded(seed: int) -> int:
    """``seed`` (one of a build's own seeds, below ``SEED_STRIDE``) shifted by the book's seed."""
    if not 0 <= seed < SEED_STRIDE:
        raise ValueError(f"a build's own seeds lie in [0, {SEED_STRIDE}), got {seed}")
    return seed + SEED_STRIDE * book_seed()
