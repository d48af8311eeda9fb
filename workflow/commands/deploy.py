"""`govsite deploy --to TARGET [--keep N]`: switch the live site to this build, atomically."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..deploy import KEEP, DeployError, Target, deploy
from ..sites import load_group


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，实际是“{text}”")
    return value


def register(sub):
    p = sub.add_parser("deploy", help="把已构建的站群部署为新版本，原子切换 current（可回滚）")
    p.add_argument("--to", required=True, metavar="TARGET",
                   help="部署目标：本地目录，或 user@host:/path（rsync over SSH）")
    p.add_argument("--keep", type=positive, default=KEEP, metavar="N",
                   help=f"保留最近 N 个版本作为备份（默认 {KEEP}）")
    p.add_argument("--output", type=Path, help="已构建的输出目录（默认 output/）")
    p.add_argument("--ssh", metavar="CMD", help="ssh 命令行（默认环境变量 GOVSITE_SSH 或 ssh）")
    p.add_argument("--force", action="store_true", help="即使与线上版本完全相同也建立新版本")
    p.add_argument("--bwlimit", type=positive, metavar="KBPS", help="限制 rsync 传输速率（KB/s）")
    p.set_defaults(func=run)


def run(args) -> int:
    group = load_group(args.root)
    output = (args.output or args.root / "output").resolve()
    try:
        deploy(output, list(group.sites), Target.parse(args.to, args.ssh), args.keep, args.bwlimit,
               args.force)
    except DeployError as exc:
        print(f"govsite deploy: 未部署，线上网站未改动：{exc}", file=sys.stderr)
        return exc.code
    return 0
