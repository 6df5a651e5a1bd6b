#!/usr/bin/env bash
# Fuzz the whole API from its own OpenAPI, longer than the suite does, and print the figures
# (operations, cases, server errors, nonconforming responses) per backend and role.
# Knobs (environment): FUZZ_EXAMPLES requests per operation and generation mode (default 25),
# FUZZ_BACKENDS (default sqlite,postgresql), FUZZ_ROLES (default secretariat,kaz-focal-point),
# FUZZ_SEED (default 1; the same seed sends the same requests), FUZZ_PATHS (a regular expression:
# only the operations whose path matches). Exit status 1 when anything failed.
# Usage: scripts/fuzz.sh            FUZZ_EXAMPLES=100 FUZZ_BACKENDS=postgresql scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
export PYTHONPATH="src${PYTHONPATH:+:$PYTHONPATH}"
exec "$PYTHON" -m tests.support.fuzz_run \
  --examples "${FUZZ_EXAMPLES:-25}" \
  --backends "${FUZZ_BACKENDS:-sqlite,postgresql}" \
  --roles "${FUZZ_ROLES:-secretariat,kaz-focal-point}" \
  --seed "${FUZZ_SEED:-1}" ${FUZZ_PATHS:+--paths "$FUZZ_PATHS"} "$@"
