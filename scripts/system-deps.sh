#!/usr/bin/env bash
# Debian packages the tests use: real Chromium + CJK fonts (page tests), nginx
# (deploy and config tests), OpenSSH server + rsync (deploy over SSH).
set -euo pipefail
PKGS=(chromium fonts-noto-cjk nginx rsync openssh-server openssh-client git)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "缺少系统软件包：${missing[*]}；请以 root 运行 apt-get install ${missing[*]}" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
        exit 0
    fi
    echo "apt 被占用或失败，第 $attempt 次重试…" >&2
    sleep 15
done
exit 1
