#!/usr/bin/env bash
# Fresh machine -> the whole test suite (command (b) of README).
set -euo pipefail
cd "$(dirname "$0")/.."
# Chinese everywhere: never let a bare C locale make text I/O ASCII.
export LANG="${LANG:-C.UTF-8}"
bash scripts/system-deps.sh
bash scripts/bootstrap.sh test
exec .venv/bin/python -m pytest -q "$@"
