#!/usr/bin/env bash
# Fresh machine -> built demo site group in output/<site>/ (command (a) of README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/govsite build "$@"
echo "预览：.venv/bin/govsite serve  然后打开 http://127.0.0.1:8000/"
