#!/usr/bin/env bash
# Run the unit tests: install what they need, then pytest. "No tests collected" is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/python-env.sh  # the active virtual environment, or the project's .venv/
ganbook_env test
status=0
"$PY" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: treating that as a failure" >&2
  exit 1
fi
exit "$status"
