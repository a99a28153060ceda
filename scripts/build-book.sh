#!/usr/bin/env bash
# Build the book: install what it needs, execute every chapter, write HTML (_build/html) and PDF
# (_build/latex/ganbook.pdf). Warnings are errors and a failing cell fails the build.
# The PDF needs XeLaTeX: on Debian/Ubuntu the script installs it when run as root; otherwise
# install the packages listed in TEX_PACKAGES yourself, or set GANBOOK_SKIP_PDF=1.
set -euo pipefail
cd "$(dirname "$0")/.."
TEX_PACKAGES="latexmk texlive-latex-extra texlive-fonts-recommended texlive-xetex fonts-freefont-otf"

python -m pip install --quiet --disable-pip-version-check -e '.[book]'

# Jupyter Book re-executes a chapter only when its code cells change. A chapter's outputs also
# depend on the package (a recipe's hyper-parameters, a metric's code), so when the package source
# changed since the last build, forget the executed notebooks: every chapter runs again, and each
# model still comes from the model cache unless its own recipe or code changed.
package_hash=$(find code/ganbook -name '*.py' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
stamp=_build/.ganbook-package-hash
if [ -d _build/.jupyter_cache ] && [ "$(cat "$stamp" 2>/dev/null)" != "$package_hash" ]; then
  echo "the ganbook package changed since the last build: re-executing every chapter"
  rm -rf _build/.jupyter_cache
fi

start=$(date +%s)
# Train the models the chapters use (or find them in the model cache) in worker processes, three
# at a time on two or more cores (GANBOOK_TRAIN_JOBS sets how many), while the chapters execute:
# a chapter that needs a model being trained waits for it, and trains one that is not started yet
# itself (each model is trained once; see ganbook.cache.load_or_train). A failed training fails
# the build.
python -m ganbook.pretrain &
pretrain_pid=$!
trap 'kill "$pretrain_pid" 2>/dev/null || true' EXIT
jupyter-book build . -W -n --keep-going
wait "$pretrain_pid"
trap - EXIT
mkdir -p _build && echo "$package_hash" > "$stamp"
echo "HTML built in $(( $(date +%s) - start )) s (model training included): $(pwd)/_build/html/index.html"

if [ "${GANBOOK_SKIP_PDF:-0}" = "1" ]; then
  echo "GANBOOK_SKIP_PDF=1: not building the PDF"
  exit 0
fi
if ! command -v xelatex >/dev/null || ! command -v latexmk >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing XeLaTeX for the PDF: $TEX_PACKAGES"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $TEX_PACKAGES >/dev/null
  else
    echo "The PDF needs XeLaTeX and latexmk: install the Debian packages $TEX_PACKAGES (or your" >&2
    echo "system's equivalents), or set GANBOOK_SKIP_PDF=1 to build only the HTML." >&2
    exit 1
  fi
fi
start=$(date +%s)
jupyter-book build . --builder pdflatex -W -n --keep-going
echo "PDF built in $(( $(date +%s) - start )) s: $(pwd)/_build/latex/ganbook.pdf"
