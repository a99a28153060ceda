#!/usr/bin/env bash
# Build the book: install what it needs, execute every chapter, write HTML to _build/html.
# Warnings are errors and a failing cell fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e '.[book]'
jupyter-book build . -W -n --keep-going
echo "HTML: $(pwd)/_build/html/index.html"
