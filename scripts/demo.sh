#!/usr/bin/env bash
# Fresh machine -> built demo site group in output/<site>/ (command (a) of README).
# Installs only what the build needs (requirements.lock), not the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh build
echo "正在构建演示站群（4 个网站）…"
.venv/bin/govsite build "$@"
echo "预览：.venv/bin/govsite serve  然后打开 http://127.0.0.1:8000/"
