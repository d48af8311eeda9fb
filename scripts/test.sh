#!/usr/bin/env bash
# Fresh machine -> the whole test suite (command (b) of README).
set -euo pipefail
cd "$(dirname "$0")/.."
# Chinese everywhere: never let a bare C locale make text I/O ASCII.
export LANG="${LANG:-C.UTF-8}"
bash scripts/system-deps.sh
bash scripts/bootstrap.sh test
# The linters first (settings in pyproject.toml): any finding fails the run.
.venv/bin/ruff check workflow plugins tests benchmarks scripts \
    || { echo "代码检查未通过（ruff）：请按上面列出的问题修改" >&2; exit 1; }
.venv/bin/mypy workflow \
    || { echo "类型检查未通过（mypy）：请按上面列出的问题修改" >&2; exit 1; }
exec .venv/bin/python -m pytest -q "$@"
