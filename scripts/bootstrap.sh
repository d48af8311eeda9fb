#!/usr/bin/env bash
# Create .venv (Python >= 3.11) and install govsite from the lock file: exact
# versions, every download checked against its hash.
#   bash scripts/bootstrap.sh          what the build needs (requirements.lock)
#   bash scripts/bootstrap.sh test     and the test tools (requirements-test.lock)
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again.
# After changing pyproject.toml, regenerate both lock files (.venv/bin/pip install pip-tools;
# the --no-emit flags keep this machine's package mirror out of the files):
#   pip-compile --generate-hashes --allow-unsafe --strip-extras --all-build-deps --no-emit-find-links --no-emit-index-url -o requirements.lock pyproject.toml
#   pip-compile --generate-hashes --allow-unsafe --strip-extras --all-build-deps --no-emit-find-links --no-emit-index-url --extra test -o requirements-test.lock pyproject.toml
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
what=${1:-build}
case "$what" in
    build) lock=requirements.lock ;;
    test) lock=requirements-test.lock ;;
    *) echo "用法：bash scripts/bootstrap.sh [build|test]" >&2; exit 2 ;;
esac
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "需要 Python 3.11 或更高版本（当前：$("$PY" --version 2>&1)）" >&2
    exit 2
fi
if [ ! -x .venv/bin/python ]; then
    echo "正在创建虚拟环境 .venv …"
    "$PY" -m venv .venv
fi
stamp=.venv/.govsite-installed-$what
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    count=$(grep -c '^[a-zA-Z0-9]' "$lock")
    echo "正在安装 $count 个软件包（$lock：锁定版本并核对哈希；首次需要一两分钟）…"
    .venv/bin/python -m pip install -q --require-hashes -r "$lock"
    echo "正在安装 govsite 本身 …"
    .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
    touch "$stamp"
fi
