"""Train the book's models before its chapters run, several at a time: ``python -m ganbook.pretrain``.

Training is most of a cold build, and one training at a time leaves a 2-core CPU partly idle
(small steps wait on Python and on TensorFlow's dispatch). Measured here: a ring GAN, the pet
VAE, the other ring GAN and the pet DCGAN took 108 s one after the other and 81 s as two
side-by-side queues. Worker processes train the recipes into the model cache, longest first.
``scripts/build-book.sh`` runs this beside the chapters' execution: a chapter loads a model that
is ready, waits for one that is being trained, and trains one that is not started yet itself;
either way each model is trained once (see :func:`ganbook.cache.load_or_train`).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterable, Sequence

JOBS_VARIABLE = "GANBOOK_TRAIN_JOBS"
# On 2 cores, six recipes took 106 s in two queues and 92 s in three: while one process waits on
# Python or on TensorFlow's dispatch, another computes. Each process holds 1-1.5 GB.
DEFAULT_JOBS = 3

# The recipes in decreasing order of their training time in a cold CI build (longest first keeps
# the queues even at the end); recipes not listed train last, in name order.
LONGEST_FIRST = ("vae-20", "dcgan", "vae-2", "pet-classifier", "pet-dcgan", "latent-gan", "pet-vae",
                 "cnn-judge", "ring-gan", "ring-gan-r1", "mlp-ce", "autoencoder", "mlp-talk", "softmax-regression")


def training_order(names: Iterable[str]) -> list[str]:
    """``names`` sorted longest first (by :data:`LONGEST_FIRST`), unknown names last in name order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    return sorted(set(names), key=lambda name: (rank.get(name, len(rank)), name))


def default_jobs() -> int:
    """``$GANBOOK_TRAIN_JOBS`` if set, else :data:`DEFAULT_JOBS`, at most one more than the cores (one on one core)."""
    value = os.environ.get(JOBS_VARIABLE, "").strip()
    if value:
        try:
            jobs = int(value)
        except ValueError:
            jobs = 0
        if jobs < 1:
            raise ValueError(f"{JOBS_VARIABLE} must be a whole number >= 1, got {value!r}")
        return jobs
    cores = os.cpu_count() or 1
    return min(DEFAULT_JOBS, cores + 1) if cores > 1 else 1


def train_one(name: str) -> tuple[str, float, bool]:
    """Load or train recipe ``name``; return (name, seconds, whether it came from the cache)."""
    from ganbook import zoo  # importing ganbook has already quietened TensorFlow's start-up

    start = time.perf_counter()
    loaded = zoo.get(name).loaded
    seconds = time.perf_counter() - start
    import keras

    keras.backend.clear_session()  # the worker goes on to the next recipe: free this one's graphs
    gc.collect()
    return name, seconds, loaded


def pretrain(names: Sequence[str] | None = None, jobs: int = 1, report=None) -> list[tuple[str, float, bool]]:
    """Train each recipe in ``names`` (default: all) that is not in the cache, ``jobs`` processes at a time."""
    from ganbook import cache, zoo

    known = zoo.names()
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise KeyError(f"no recipe named {', '.join(unknown)}; known recipes: {', '.join(known)}")
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    report = report or (lambda line: print(line, flush=True))
    done = []
    order = []
    for name in training_order(names or known):
        if cache.has_entry(zoo.recipe(name)):  # a warm build starts no worker at all
            done.append((name, 0.0, True))
            report(_describe(done[-1]))
        else:
            order.append(name)
    with contextlib.ExitStack() as stack:
        if jobs == 1:
            outcomes = map(train_one, order)
        else:
            # "spawn": fresh interpreters, never a fork of a process using TensorFlow. Each worker trains
            # one recipe after another (an interpreter and TensorFlow per recipe cost about 4 s each).
            pool = stack.enter_context(multiprocessing.get_context("spawn").Pool(jobs))
            outcomes = pool.imap_unordered(train_one, order)
        for outcome in outcomes:
            done.append(outcome)
            report(_describe(outcome))
    return done


def _describe(outcome: tuple[str, float, bool]) -> str:
    name, seconds, loaded = outcome
    return f"{name:20s} {'in the cache' if loaded else 'trained'} ({seconds:.0f} s)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganbook.pretrain", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="recipes to train (default: all)")
    parser.add_argument("--jobs", type=int, default=None,
                        help=f"trainings at a time (default: ${JOBS_VARIABLE}, else {DEFAULT_JOBS}, at most cores + 1)")
    args = parser.parse_args(argv)
    # a build that stops early kills this process: exit through Python so the pool stops its workers too
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    from ganbook import cache

    if not cache.LOCKS_AVAILABLE:
        # without file locks a worker and a chapter could train the same model at once
        print("no file locks on this platform (fcntl): not pre-training; the chapters train their models", flush=True)
        return 0
    start = time.perf_counter()
    jobs = args.jobs if args.jobs is not None else default_jobs()
    done = pretrain(args.names or None, jobs=jobs)
    trained = sum(not loaded for _, _, loaded in done)
    how = f" with {jobs} process{'es' if jobs > 1 else ''}" if trained else ""
    print(f"{len(done)} models ready ({trained} trained) in {time.perf_counter() - start:.0f} s{how}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
