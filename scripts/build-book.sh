#!/usr/bin/env bash
# Build the book: install what it needs, execute every chapter, write HTML (_build/html) and PDF
# (_build/latex/ganbook.pdf). Warnings are errors and a failing cell fails the build.
# The PDF needs XeLaTeX: on Debian/Ubuntu the script installs it when run as root; otherwise
# install the packages listed in TEX_PACKAGES yourself, or set GANBOOK_SKIP_PDF=1.
set -euo pipefail

caller="$PWD"  # relative cache and data folders mean this folder (made absolute below)
cd "$(dirname "$0")/.."
TEX_PACKAGES="$(cat scripts/tex-packages.txt)"  # one list, also read by .github/workflows/book.yml

# A Python within pyproject.toml's requires-python: the active virtual environment, or the
# project's own .venv/ (created on the first run); "$PY" is its interpreter.
source scripts/python-env.sh
ganbook_env book
# Relative cache and data folders mean the caller's folder, and a leading ~ the home folder (also
# when quoted, as a CI "env:" block passes it): made absolute once, with Python's expanduser as the
# package itself does, so the pre-training (run from here) and the chapters (run from book/) agree.
for variable in GANBOOK_CACHE_DIR GANBOOK_DATA_DIR; do
  value="${!variable:-}"
  if [ -n "$value" ]; then
    value=$("$PY" -c 'import os, sys; print(os.path.join(sys.argv[1], os.path.expanduser(sys.argv[2])))' \
      "$caller" "$value")
    export "$variable=$value"
  fi
done
# A bad GANBOOK_TRAIN_JOBS stops the build now, not after the chapters have run.
"$PY" -m ganbook.pretrain --check

# Jupyter Book re-executes a chapter only when its code cells change. A chapter's outputs also
# depend on the package code it calls and on the models it loads: ganbook.rebuild forgets the
# cached execution of each chapter whose key (that code and those models' keys) changed since the
# last clean build, so that it runs again, and no other; each model still comes from the model
# cache unless its own recipe or code changed. A chapter with no cached execution is taken from
# the published site when it holds the chapter's execution under the same key (like the models).
"$PY" -m ganbook.rebuild prepare _build

# Sphinx's saved environment does not repeat an earlier run's warnings: after a build that failed
# or was stopped, a rerun would re-read nothing and report success. So a build that did not end
# well leaves no "ok" in its outcome stamp, and the next one starts from a fresh environment (every
# page read again) and executes again each chapter whose cached run wrote to stderr or raised.
outcome=_build/.ganbook-last-build
if [ -d _build/html ] && [ "$(cat "$outcome" 2>/dev/null)" != "ok" ]; then
  echo "the last build did not finish cleanly: reading every page again"
  rm -rf _build/.doctrees _build/html _build/latex _build/jupyter_execute
  "$PY" scripts/built_pages.py forget-failed _build
fi
mkdir -p _build && echo "running" > "$outcome"

# Each long-running step runs in the background in a process group of its own (set -m), and the
# script waits for it, so that SIGTERM or Ctrl-C reach the script at once and stop every child:
# jupyter-book with its Jupyter kernel, and the pre-training with its workers. SIGKILL cannot be
# caught: then jupyter-book runs on as an orphan until it finishes, and the pre-training notices
# that its parent is gone, stops its workers and exits (see ganbook.pretrain).
set -m
children=()
stop() {
  trap - INT TERM EXIT
  for pid in ${children[@]+"${children[@]}"}; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM
trap 'stop $?' EXIT
run() {  # run "$@" in its own process group and wait for it; its exit status is ours
  "$@" &
  children+=("$!")
  wait "$!"
}

start=$(date +%s)
# Train the models the chapters use (or find them in the model cache) in worker processes, three
# at a time on two or more cores (GANBOOK_TRAIN_JOBS sets how many), while the chapters execute:
# a chapter that needs a model being trained waits for it, and trains one that is not started yet
# itself (each model is trained once; see ganbook.cache.load_or_train). A failed training fails
# the build.
"$PY" -m ganbook.pretrain &
pretrain_pid=$!
children+=("$pretrain_pid")
# The download menu links the book's PDF only when this build makes it (see _ext/ganbook_downloads.py).
if [ "${GANBOOK_SKIP_PDF:-0}" = "1" ]; then export GANBOOK_PDF_LINK=0; else export GANBOOK_PDF_LINK=1; fi
run jupyter-book build . -W -n --keep-going
wait "$pretrain_pid"
"$PY" scripts/built_pages.py check _build/html
"$PY" -m ganbook.rebuild remember _build
echo "HTML built in $(( $(date +%s) - start )) s (model training included): $(pwd)/_build/html/index.html"

if [ "${GANBOOK_SKIP_PDF:-0}" = "1" ]; then
  echo "GANBOOK_SKIP_PDF=1: not building the PDF"
else
  if ! command -v xelatex >/dev/null || ! command -v latexmk >/dev/null; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
      echo "installing XeLaTeX for the PDF: $TEX_PACKAGES"
      apt-get update -qq
      # shellcheck disable=SC2086  # a space-separated list of packages, split on purpose
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $TEX_PACKAGES >/dev/null
    else
      echo "The PDF needs XeLaTeX and latexmk: install the Debian packages $TEX_PACKAGES (or your" >&2
      echo "system's equivalents), or set GANBOOK_SKIP_PDF=1 to build only the HTML." >&2
      exit 1
    fi
  fi
  start=$(date +%s)
  run jupyter-book build . --builder pdflatex -W -n --keep-going
  cp _build/latex/ganbook.pdf _build/html/ganbook.pdf  # for the HTML's download menu and the published site
  echo "PDF built in $(( $(date +%s) - start )) s: $(pwd)/_build/latex/ganbook.pdf (and in _build/html)"
fi
echo "ok" > "$outcome"
