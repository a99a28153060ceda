"""Where data and caches live, and a quiet TensorFlow start-up.

Two environment variables steer the package:

- ``GANBOOK_DATA_DIR``: a folder that already holds the data sets (``mnist/`` with the four
  IDX ``.gz`` files, ``cats_and_dogs_filtered/``). It may be read-only: nothing is written there.
- ``GANBOOK_CACHE_DIR``: where downloads, derived arrays and trained models are cached
  (default: ``$XDG_CACHE_HOME/ganbook`` or ``~/.cache/ganbook``).
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VARIABLE = "GANBOOK_DATA_DIR"
CACHE_DIR_VARIABLE = "GANBOOK_CACHE_DIR"

# TensorFlow reads these once, when it is first imported.
_QUIET_TENSORFLOW_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # hide C++ INFO and WARNING lines at start-up
    "TF_ENABLE_ONEDNN_OPTS": "0",  # no oneDNN notice; results do not depend on op order
}


def quiet_tensorflow() -> None:
    """Set TensorFlow's logging environment unless the user already chose otherwise."""
    for name, value in _QUIET_TENSORFLOW_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


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
