"""`govsite rollback --to TARGET [RELEASE]`: point `current` at an earlier release."""
from __future__ import annotations

import sys

from ..deploy import DeployError, Target, rollback


def register(sub):
    p = sub.add_parser("rollback", help="把线上网站切回上一个（或指定的）已部署版本")
    p.add_argument("--to", required=True, metavar="TARGET", help="部署目标：本地目录或 user@host:/path")
    p.add_argument("release", nargs="?", help="要切换到的版本名（默认：当前版本的上一个）")
    p.add_argument("--ssh", metavar="CMD", help="ssh 命令行（默认环境变量 GOVSITE_SSH 或 ssh）")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        rollback(Target.parse(args.to, args.ssh), args.release)
    except DeployError as exc:
        print(f"govsite rollback: 未回滚，线上网站未改动：{exc}", file=sys.stderr)
        return exc.code
    return 0
