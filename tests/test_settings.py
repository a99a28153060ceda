"""ganbook.settings: TensorFlow starts with oneDNN on, silently, unless the user chose otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ganbook import settings


def _python(code: str, **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TF_")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**env, **environment})


def test_tensorflow_imported_after_ganbook_has_onednn_on_and_writes_nothing_to_stderr():
    run = _python("import ganbook, os, sys; loaded = 'tensorflow' in sys.modules; import keras; "
                  "import tensorflow as tf; tf.constant(1.0) + 1.0; "
                  "print(os.environ['TF_ENABLE_ONEDNN_OPTS'], loaded, tf.__spec__.loader is not None)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1", "False", "True"]  # ganbook alone does not import TensorFlow
    assert run.stderr == ""  # TensorFlow's import-time notices ("oneDNN custom operations are on") are gone


def test_stderr_works_again_after_the_import():
    run = _python("import ganbook, sys, os; import tensorflow; print('after', file=sys.stderr); os.write(2, b'fd 2')")
    assert run.returncode == 0 and run.stderr == "after\nfd 2"


def test_a_failed_import_still_raises_and_is_heard():
    run = _python("import sys, ganbook; sys.path.insert(0, '/nonexistent'); import tensorflow.no_such_module")
    assert run.returncode == 1 and "ModuleNotFoundError" in run.stderr


def test_a_users_own_choice_wins():
    run = _python("import ganbook, os; print(os.environ['TF_ENABLE_ONEDNN_OPTS'])", TF_ENABLE_ONEDNN_OPTS="0")
    assert run.stdout.strip() == "0"


def test_onednn_enabled_reads_the_variable_as_tensorflow_does(monkeypatch):
    for value, expected in (("1", True), ("true", True), ("0", False), ("False", False)):
        monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", value)
        assert settings.onednn_enabled() is expected


def test_the_book_seed_is_0_unless_set_and_a_bad_value_is_named(monkeypatch):
    monkeypatch.delenv(settings.SEED_VARIABLE, raising=False)
    assert settings.book_seed() == 0 and settings.seeded(7) == 7
    monkeypatch.setenv(settings.SEED_VARIABLE, " 2 ")
    assert settings.book_seed() == 2 and settings.seeded(7) == 2 * settings.SEED_STRIDE + 7
    for bad in ("-1", "one", "1.5"):
        monkeypatch.setenv(settings.SEED_VARIABLE, bad)
        with pytest.raises(ValueError, match="GANBOOK_SEED must be a whole number"):
            settings.book_seed()


def test_a_builds_own_seed_outside_the_stride_is_refused(monkeypatch):
    monkeypatch.delenv(settings.SEED_VARIABLE, raising=False)
    with pytest.raises(ValueError, match=r"\[0, 1000\)"):
        settings.seeded(settings.SEED_STRIDE)


def _numerics_environment() -> dict[str, str]:
    return {name: "" for name in settings.NUMERICS_THREAD_VARIABLES}


_POOL_THREADS = ("import threadpoolctl; "
                 "print(sorted({p['user_api'] + '=' + str(p['num_threads']) "
                 "for p in threadpoolctl.threadpool_info()}))")


def test_blas_and_openmp_pools_run_one_thread_after_importing_ganbook_even_when_numpy_came_first():
    # numpy (and its BLAS) loaded before ganbook; scikit-learn (OpenMP) and SciPy's BLAS after it
    run = _python("import numpy, ganbook, scipy.linalg, sklearn.mixture; " + _POOL_THREADS,
                  **_numerics_environment())
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "['blas=1', 'openmp=1']"


def test_a_users_thread_setting_leaves_the_pools_alone():
    environment = {**_numerics_environment(), "OPENBLAS_NUM_THREADS": "2"}
    run = _python("import os, numpy, ganbook, threadpoolctl; "
                  "print(os.environ['OMP_NUM_THREADS'] or 'unset', "
                  "sorted({p['num_threads'] for p in threadpoolctl.threadpool_info() "
                  "if p['internal_api'] == 'openblas'}))", **environment)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["unset", "[2]"]
