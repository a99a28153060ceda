"""Train the book's models before its chapters run, several at a time: ``python -m ganbook.pretrain``.

Training is most of a cold build, and one training at a time leaves a 2-core CPU partly idle
(small steps wait on Python and on TensorFlow's dispatch). Measured here: a ring GAN, the pet
VAE, the other ring GAN and the pet DCGAN took 108 s one after the other and 81 s as two
side-by-side queues. Worker processes train the recipes into the model cache, in the order the chapters need them
(``TRAINING_ORDER``).
``scripts/build-book.sh`` runs this beside the chapters' execution: a chapter loads a model that
is ready, waits for one that is being trained, and has one that is not started yet trained by
``python -m ganbook.pretrain NAME --params JSON`` (``ganbook.zoo.get``); either way each model
is trained once (see ``ganbook.cache.load_or_train``), and always in a process whose
TensorFlow runs one thread, so its weights do not depend on who asked for it first.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

JOBS_VARIABLE = "GANBOOK_TRAIN_JOBS"
# On 2 cores, six recipes took 106 s in two queues and 92 s in three: while one process waits on
# Python or on TensorFlow's dispatch, another computes. Each process holds 1-1.5 GB.
DEFAULT_JOBS = 3
# More processes than one per core plus one only share the cores more thinly and add 1-1.5 GB each.
EXTRA_JOBS_BEYOND_CORES = 1
ORPHAN_POLL_SECONDS = 1.0
STOP_WAIT_SECONDS = 10.0  # per killed worker; SIGKILL cannot be ignored, so this is only the kernel's delay

# The long recipes in the order the book's chapters first need them, as the build executes the
# chapters (``ganbook_execution_order`` in ``_config.yml``), the three longest first: the pixel
# DCGAN (whose worker trains the judge first if no one has, since the judge scores it as it
# trains), the conditional DCGAN (whose worker waits for that judge, leaving both cores to the
# others meanwhile) and the latent GAN (the GAN chapter needs it a minute after it starts);
# then the 20-d VAE, the judge, the DCGAN's two ablation runs (the GAN chapter), the 2-d VAE,
# the latent WGAN-GP (comparison), the ring GANs (open problems, then divergences, which also
# needs the ring WGAN-GP), the 50-d VAE and the GAN on the 20-d VAE's codes (the VAE-or-GAN
# chapter), the cats-and-dogs models last (their chapter runs last). The short recipes come
# last: the first chapters need them before a worker would be free, so a trainer process started
# by the chapter's zoo.get trains them, and a worker finds them in the cache.
LONG_IN_ORDER_OF_NEED = ("dcgan", "dcgan-conditional", "latent-gan", "vae-20", "cnn-judge", "dcgan-unnormalised",
                         "dcgan-paper", "vae-2", "latent-wgan-gp", "ring-gan-r1",
                         "ring-gan", "ring-wgan-gp", "vae-latent-gan", "vae-50", "pet-classifier", "pet-dcgan", "pet-vae")
SHORT = ("mlp-ce", "autoencoder", "mlp-talk", "softmax-regression")
TRAINING_ORDER = LONG_IN_ORDER_OF_NEED + SHORT


class WorkerDied(RuntimeError):
    """A training process ended abruptly (killed, e.g. by the out-of-memory killer)."""


def training_order(names: Iterable[str]) -> list[str]:
    """``names`` in ``TRAINING_ORDER``, unknown names last in name order."""
    from ganbook import machine

    return machine.in_declared_order(set(names), TRAINING_ORDER)


def max_jobs() -> int:
    return (os.cpu_count() or 1) + EXTRA_JOBS_BEYOND_CORES


def default_jobs() -> int:
    """``$GANBOOK_TRAIN_JOBS`` if set, else ``DEFAULT_JOBS``, at most one more than the cores (one on one core)."""
    value = os.environ.get(JOBS_VARIABLE, "").strip()
    if value:
        try:
            jobs = int(value)
        except ValueError:
            jobs = 0
        if not 1 <= jobs <= max_jobs():
            raise ValueError(f"{JOBS_VARIABLE} must be a whole number from 1 to {max_jobs()} on this machine "
                             f"(its cores plus one; each process holds 1-1.5 GB), got {value!r}")
        return jobs
    cores = os.cpu_count() or 1
    return min(DEFAULT_JOBS, max_jobs()) if cores > 1 else 1


def exit_when_orphaned(parent: int) -> None:
    """Stop this process and its workers once ``parent`` is gone (a SIGKILL it could not pass on).

    A thread polls the parent's pid: a process whose parent dies is adopted by another one.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_POLL_SECONDS)
        _stop_workers()
        os._exit(1)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _stop_workers() -> None:
    """Kill the worker processes and wait for them to go: a killed process lingers until it is reaped."""
    children = multiprocessing.active_children()
    for child in children:
        child.kill()
    for child in children:
        child.join(STOP_WAIT_SECONDS)


# In a worker: the folder where it notes which recipe it is training, so that the parent can name
# the model whose worker died (concurrent.futures only says that "a process" died).
_status_dir: Path | None = None


def _start_worker(status_dir: str, parent: int) -> None:
    global _status_dir
    _status_dir = Path(status_dir)
    exit_when_orphaned(parent)
    signal.signal(signal.SIGTERM, _forget_note_and_exit)
    _log_to_stdout()
    one_thread_each()


def _forget_note_and_exit(signum, frame) -> None:
    """A worker stopped by the pool (because another one died) takes its note along: the notes left
    then name the model whose worker died, not every model in progress."""
    if _status_dir is not None:
        (_status_dir / str(os.getpid())).unlink(missing_ok=True)
    os._exit(128 + signum)


# TensorFlow threads per worker, for its operations and between them. By default each process
# starts as many threads as there are cores, so three workers on two cores run six busy threads.
# A fixed mix of eight short trainings (oneDNN on) took 365 s in three default workers, 271 s in
# three one-thread workers, 311 s in two one-thread workers and 275 s in two default workers.
# The weights can depend on it (XLA-compiled steps, such as the MLPs', round differently with
# more threads), so every training runs in such a process (settings.in_training_process).
WORKER_THREADS = 1


def one_thread_each() -> None:
    """Give this process's TensorFlow ``WORKER_THREADS`` threads (before its first operation),
    and mark it as the kind of process that trains models."""
    import tensorflow as tf

    from ganbook import settings

    tf.config.threading.set_intra_op_parallelism_threads(WORKER_THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(WORKER_THREADS)
    os.environ[settings.TRAINING_PROCESS_VARIABLE] = "1"


def train_variant(name: str, overrides: dict, retrain: bool = False) -> tuple[str, float, str]:
    """Train (or load) recipe ``name`` with ``overrides`` in this process, with one thread."""
    one_thread_each()
    from ganbook import zoo

    start = time.perf_counter()
    source = zoo.get(name, retrain=retrain, **overrides).source
    return name, time.perf_counter() - start, source


def _log_to_stdout() -> None:
    """The cache's one-line notes (a damaged entry retrained) on the build's log, not on stderr."""
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s: %(message)s")


def train_one(name: str) -> tuple[str, float, str]:
    """Load, download or train recipe ``name``; return (name, seconds, where it came from: ``Trained.source``)."""
    from ganbook import zoo  # importing ganbook has already quietened TensorFlow's start-up

    note = _status_dir / str(os.getpid()) if _status_dir else None
    if note:
        note.write_text(name)
    start = time.perf_counter()
    source = zoo.get(name).source
    seconds = time.perf_counter() - start
    import keras

    keras.backend.clear_session()  # the worker goes on to the next recipe: free this one's graphs
    gc.collect()
    if note:
        note.unlink()
    return name, seconds, source


def _in_progress(status_dir: Path) -> list[str]:
    return sorted(path.read_text() for path in status_dir.iterdir())


def _train_in_workers(order: list[str], jobs: int, report) -> list[tuple[str, float, str]]:
    """Train ``order`` in ``jobs`` spawned processes; raise ``WorkerDied`` naming a lost model."""
    done = []
    # "spawn": fresh interpreters, never a fork of a process using TensorFlow. Each worker trains
    # one recipe after another (an interpreter and TensorFlow per recipe cost about 4 s each).
    with tempfile.TemporaryDirectory(prefix="ganbook-pretrain-") as status_dir:
        executor = ProcessPoolExecutor(min(jobs, len(order)), mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_start_worker, initargs=(status_dir, os.getpid()))
        try:
            pending = {executor.submit(train_one, name) for name in order}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    done.append(future.result())
                    report(_describe(done[-1]))
        except BaseException as error:  # a failed training, a dead worker, an interrupt: stop the rest now
            # a broken pool has already stopped the other workers (SIGTERM): wait until they have gone
            executor.shutdown(wait=isinstance(error, BrokenProcessPool), cancel_futures=True)
            _stop_workers()
            if isinstance(error, BrokenProcessPool):
                lost = ", ".join(_in_progress(Path(status_dir))) or "a model"
                raise WorkerDied(f"the training process of {lost} died (killed by a signal, perhaps the "
                                 "out-of-memory killer: try fewer processes, GANBOOK_TRAIN_JOBS=1 or 2)") from None
            raise
        executor.shutdown(wait=True)
    return done


def pretrain(names: Sequence[str] | None = None, jobs: int = 1, report=None) -> list[tuple[str, float, str]]:
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
        if cache.has_entry(zoo.recipe(name)):  # verified; a warm build starts no worker at all
            done.append((name, 0.0, cache.FROM_CACHE))
            report(_describe(done[-1]))
        else:
            order.append(name)
    if not order:
        return done
    if jobs == 1:  # here, or through zoo.get in a trainer process if this one is not a training process
        for name in order:
            done.append(train_one(name))
            report(_describe(done[-1]))
        return done
    return done + _train_in_workers(order, jobs, report)


_DESCRIPTION = {"cache": "in the cache", "downloaded": "downloaded", "trained": "trained"}  # by Trained.source


def _describe(outcome: tuple[str, float, str]) -> str:
    name, seconds, source = outcome
    return f"{name:20s} {_DESCRIPTION[source]} ({seconds:.0f} s)"


def _stop(signum, frame) -> None:
    # a build that stops early kills this process: take the workers with it, without waiting on the pool
    _stop_workers()
    os._exit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganbook.pretrain", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="recipes to train (default: all)")
    parser.add_argument("--jobs", type=int, default=None,
                        help=f"trainings at a time (default: ${JOBS_VARIABLE}, else {DEFAULT_JOBS}, at most cores + 1)")
    parser.add_argument("--check", action="store_true", help=f"only check ${JOBS_VARIABLE} and --jobs, then exit")
    parser.add_argument("--params", metavar="JSON", help="train one recipe with these parameters overridden, "
                        "in this process (what ganbook.zoo.get does for a model not in the cache)")
    parser.add_argument("--retrain", action="store_true", help="with --params: train even if it is cached")
    args = parser.parse_args(argv)
    if args.params is not None:
        if len(args.names) != 1:
            print("ganbook.pretrain: --params needs exactly one recipe name", file=sys.stderr)
            return 2
        outcome = train_variant(args.names[0], json.loads(args.params), args.retrain)
        from ganbook import zoo

        print(_describe(outcome), flush=True)
        print(f"{zoo.SOURCE_LINE}{outcome[2]}", flush=True)  # what zoo.get then reports
        return 0
    try:
        jobs = args.jobs if args.jobs is not None else default_jobs()
        if not 1 <= jobs <= max_jobs():
            raise ValueError(f"--jobs must be from 1 to {max_jobs()} on this machine, got {jobs}")
    except ValueError as error:
        print(f"ganbook.pretrain: {error}", file=sys.stderr)
        return 2
    if args.check:
        return 0
    from ganbook import cache

    cache.sweep_stale_saves()
    if jobs == 1:
        one_thread_each()  # this process trains, as a worker would
    start = time.perf_counter()
    try:
        done = pretrain(args.names or None, jobs=jobs)
    except WorkerDied as error:
        print(f"ganbook.pretrain: {error}", file=sys.stderr, flush=True)
        return 1
    trained = sum(source == "trained" for _, _, source in done)
    how = f" with {jobs} process{'es' if jobs > 1 else ''}" if trained else ""
    print(f"{len(done)} models ready ({trained} trained) in {time.perf_counter() - start:.0f} s{how}", flush=True)
    return 0


def _guard_process() -> None:
    """As a command: stop the workers on SIGTERM or when the parent dies; the cache's notes on stdout."""
    signal.signal(signal.SIGTERM, _stop)
    exit_when_orphaned(os.getppid())
    _log_to_stdout()


if __name__ == "__main__":
    _guard_process()
    sys.exit(main())
