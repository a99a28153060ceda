# shellcheck shell=bash
# Sourced by build-book.sh and test.sh (not run on its own): find a Python the project supports,
# use the active virtual environment or make the project's own (.venv/), and install the package
# with the extras the caller names, skipping pip when nothing changed since the last install.
#
#   source scripts/python-env.sh; ganbook_env book     # then "$PY" and the env's tools on PATH
#
# Why a script of our own: Debian and Ubuntu ship `python3` without `python`, and their Python
# refuses `pip install` outside a virtual environment (PEP 668); no tool that is already there on
# a stock machine chooses an interpreter and a venv for us.

GANBOOK_VENV_DIR="${GANBOOK_VENV_DIR:-$PWD/.venv}"

# The supported versions, read from pyproject.toml's requires-python (">=3.11,<3.14").
_ganbook_supported() {  # $1: a Python interpreter; true when its version is supported
  "$1" - "$PWD/pyproject.toml" <<'PY' 2>/dev/null
import re, sys
spec = re.search(r'requires-python\s*=\s*"([^"]+)"', open(sys.argv[1]).read()).group(1)
ok = True
for op, ver in re.findall(r"(>=|<=|<|>|==)\s*([0-9.]+)", spec):
    want = tuple(int(p) for p in ver.split("."))
    have = sys.version_info[:len(want)]
    ok &= {">=": have >= want, "<=": have <= want, "<": have < want,
           ">": have > want, "==": have == want}[op]
sys.exit(0 if ok else 1)
PY
}

_ganbook_requires() {
  sed -n 's/^requires-python *= *"\(.*\)"/\1/p' "$PWD/pyproject.toml"
}

# The interpreter that creates .venv: $GANBOOK_PYTHON, else python3, else python, else a
# versioned python3.X (Homebrew's python3 may be newer than the project supports).
_ganbook_find_python() {
  local candidates found="" cand path version
  if [ -n "${GANBOOK_PYTHON:-}" ]; then
    candidates="$GANBOOK_PYTHON"
  else
    candidates="python3 python python3.13 python3.12 python3.11"
  fi
  for cand in $candidates; do
    path=$(command -v "$cand" 2>/dev/null) || continue
    if _ganbook_supported "$path"; then
      echo "$path"
      return 0
    fi
    version=$("$path" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null || echo "?")
    found="$found $cand ($path: $version)"
  done
  echo "ganbook needs Python $(_ganbook_requires); found:${found:- no python3 or python on the PATH}." >&2
  echo "(The range is where every pinned dependency has wheels: $(_ganbook_tensorflow) stops at the" >&2
  echo "upper bound, the book's theme, sphinx-book-theme 1.3, starts at the lower one.)" >&2
  echo "Install a supported Python, or point GANBOOK_PYTHON at one (GANBOOK_PYTHON=python3.12)." >&2
  return 1
}

# The platforms with a TensorFlow of the pinned version (pyproject.toml's markers choose
# tensorflow-cpu or tensorflow; tests/test_platforms.py resolves each of them against the registry
# and checks that this list names exactly those). $1: the interpreter that will make .venv.
GANBOOK_PLATFORMS="linux/x86_64 linux/aarch64 darwin/arm64"
_ganbook_tensorflow() {
  sed -n 's/^ *"tensorflow[-a-z]*\(==[^;"]*\).*/tensorflow\1/p' "$PWD/pyproject.toml" | head -n 1
}
_ganbook_check_platform() {
  local here
  here=$("$1" -c 'import platform, sys; print(sys.platform + "/" + platform.machine().lower())') || return 1
  case " $GANBOOK_PLATFORMS " in
    *" $here "*) return 0 ;;
  esac
  echo "ganbook needs $(_ganbook_tensorflow), which is published for Linux (x86-64, ARM64)," >&2
  echo "macOS on Apple silicon and Windows, but not for this platform ($here)." >&2
  case "$here" in
    darwin/x86_64)
      echo "On an Intel Mac, build the book in a Linux container (Docker: the python:3.12 image)," >&2
      echo "or run single chapters in Colab. On an Apple-silicon Mac this Python runs under" >&2
      echo "Rosetta: use an arm64 Python instead (Homebrew's, in /opt/homebrew/bin)." >&2 ;;
    *)
      echo "Build the book on one of: $GANBOOK_PLATFORMS (e.g. in a Linux container)." >&2 ;;
  esac
  return 1
}

# Windows: the two commands are bash scripts for a Unix environment (WSL 2 runs them as they are).
_ganbook_check_windows() {
  case "$(uname -s 2>/dev/null)" in
    MINGW* | MSYS* | CYGWIN*)
      echo "On Windows, run the two commands inside WSL 2 (Ubuntu), or build without the scripts in" >&2
      printf '%s\n' 'an activated environment: python -m venv .venv; .venv\Scripts\activate;' >&2
      echo "pip install -e .[book]; jupyter-book build . (see the README, \"On Windows\")." >&2
      return 1 ;;
  esac
}

# python3 -m venv fails on Debian/Ubuntu without the python3-venv package (no ensurepip).
_ganbook_make_venv() {
  local base="$1" pkg
  if "$base" -m venv "$GANBOOK_VENV_DIR" >/dev/null 2>&1; then
    return 0
  fi
  rm -rf "$GANBOOK_VENV_DIR"
  pkg="python$("$base" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing $pkg (python3 -m venv needs it on Debian and Ubuntu)"
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null \
       && "$base" -m venv "$GANBOOK_VENV_DIR"; then
      return 0
    fi
    rm -rf "$GANBOOK_VENV_DIR"
  fi
  echo "Could not create a virtual environment with $base -m venv." >&2
  if command -v apt-get >/dev/null; then
    echo "On Debian or Ubuntu install the venv module first:  sudo apt-get install $pkg" >&2
  fi
  return 1
}

# A short SHA-256 of the given files' paths and contents, in name order; a folder stands for the
# Python files under it (with "$PY": macOS has no sha256sum).
ganbook_hash() {
  "$PY" - "$@" <<'PY'
import hashlib, pathlib, sys
names = []
for given in map(pathlib.Path, sys.argv[1:]):
    names += sorted(given.rglob("*.py")) if given.is_dir() else [given]
digest = hashlib.sha256()
for name in sorted(map(str, names)):
    digest.update(name.encode() + b"\0" + open(name, "rb").read())
print(digest.hexdigest()[:16])
PY
}

# Sets PY (the interpreter to use) and puts its bin folder first on the PATH, so that the
# environment's jupyter-book, pytest and Jupyter kernel are the ones that run.
ganbook_env() {
  local extras="$1" prefix stamp want
  _ganbook_check_windows || return 1
  if [ -n "${VIRTUAL_ENV:-}" ] || [ -n "${CONDA_PREFIX:-}" ]; then
    prefix="${VIRTUAL_ENV:-$CONDA_PREFIX}"
    PY="$prefix/bin/python"
    [ -x "$PY" ] || PY="$prefix/bin/python3"
    if ! _ganbook_supported "$PY"; then
      echo "The active environment ($prefix) has Python $("$PY" -V 2>&1); ganbook needs" \
           "$(_ganbook_requires). Deactivate it to use the project's own .venv." >&2
      return 1
    fi
    _ganbook_check_platform "$PY" || return 1
    echo "using the active environment $prefix"
  else
    if ! { [ -x "$GANBOOK_VENV_DIR/bin/python" ] && _ganbook_supported "$GANBOOK_VENV_DIR/bin/python"; }; then
      local base
      base=$(_ganbook_find_python) || return 1
      _ganbook_check_platform "$base" || return 1
      rm -rf "$GANBOOK_VENV_DIR"
      echo "creating the project's virtual environment $GANBOOK_VENV_DIR with $base ($("$base" -V 2>&1))"
      _ganbook_make_venv "$base" || return 1
    fi
    prefix="$GANBOOK_VENV_DIR"
    PY="$prefix/bin/python"
  fi
  PATH="$(dirname "$PY"):$PATH"
  export PATH

  # Skip pip when this environment already holds this clone's package with these extras and the
  # same pyproject.toml (an editable install: changes to the package's code need no reinstall).
  stamp="$prefix/.ganbook-installed-$extras"
  want="$(ganbook_hash pyproject.toml) $PWD"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
     && "$PY" -c 'import ganbook' >/dev/null 2>&1; then
    return 0
  fi
  echo "installing ganbook and its $extras dependencies into $prefix"
  "$PY" -m pip install --quiet --disable-pip-version-check -e ".[$extras]" || return 1
  echo "$want" > "$stamp"
}
