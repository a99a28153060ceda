#!/usr/bin/env bash
# Run the unit tests: install what they need, then pytest. "No tests collected" is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/python-env.sh  # the active virtual environment, or the project's .venv/
ganbook_env test
# One worker process per core (pytest-xdist). Tests go to whichever worker is free, the slow ones
# first, except the groups that tests/conftest.py names (worker_group), each run in one worker: a
# module whose expensive fixture (a resolver run, a small trained model) should be made once, and
# each built page's checks, which share one opened page (tests/test_built_book.py).
# GANBOOK_TEST_WORKERS=0 runs everything in this process (for pdb, or -x on the first failure).
workers="${GANBOOK_TEST_WORKERS:-auto}"
case "$workers" in
  auto | [0-9] | [0-9][0-9]) ;;
  *) echo "GANBOOK_TEST_WORKERS must be a number of worker processes or auto, got '$workers'" >&2; exit 2 ;;
esac
status=0
"$PY" -m pytest -n "$workers" --dist loadgroup "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: treating that as a failure" >&2
  exit 1
fi
exit "$status"
