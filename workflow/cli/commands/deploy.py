"""`govsite deploy --to TARGET [--to TARGET…]`: switch the live site to this build, atomically,
on every target (primary and standby servers) or on none."""
from __future__ import annotations

import argparse
from pathlib import Path

from workflow.model.sites import load_group
from workflow.publish.deploy import KEEP, DeployError, SwitchedError, Target, deploy
from workflow.review.approval import ALLOWED_SIGNERS


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，实际是“{text}”")
    return value


def target_args(p, verb: str = "部署") -> None:
    """--to (repeatable) and --ssh, shared by deploy, rollback and verify."""
    p.add_argument("--to", action="append", required=True, metavar="TARGET", dest="targets",
                   help=f"{verb}目标：本地目录，或 user@host:/path（rsync over SSH）；可重复，用于主备服务器")
    p.add_argument("--ssh", metavar="CMD", help="ssh 命令行（默认环境变量 GOVSITE_SSH 或 ssh）")


def register(sub):
    p = sub.add_parser("deploy", help="把已构建的站群部署为新版本，签署清单，原子切换 current（可回滚）")
    target_args(p)
    p.add_argument("--keep", type=positive, default=KEEP, metavar="N",
                   help=f"保留最近 N 个版本作为备份（默认 {KEEP}）")
    p.add_argument("--output", type=Path, help="已构建的输出目录（默认 output/）")
    p.add_argument("--sign-key", type=Path, metavar="KEY",
                   help="部署密钥（私钥），用于签署各版本的清单；默认环境变量 GOVSITE_DEPLOY_KEY")
    p.add_argument("--allowed-signers", type=Path, metavar="FILE",
                   help=f"公钥清单（默认 {ALLOWED_SIGNERS}）")
    p.add_argument("--force", action="store_true", help="即使与线上版本完全相同也建立新版本")
    p.add_argument("--allow-preview", action="store_true", help="允许部署预览构建（网址为 /<网站标识>/，仅用于测试环境）")
    p.add_argument("--nginx-conf", type=Path, metavar="FILE",
                   help="govsite nginx-config 生成的配置；切换后安装到 TARGET/nginx/govsite.conf")
    p.add_argument("--reload", metavar="CMD",
                   help="切换后在每个目标上运行的命令，如 \"sudo nginx -t -q && sudo nginx -s reload\"")
    p.add_argument("--bwlimit", type=positive, metavar="KBPS", help="限制 rsync 传输速率（KB/s）")
    p.set_defaults(func=run)


def run(args) -> int:
    group = load_group(args.root)
    output = (args.output or args.root / "output").resolve()
    targets = [Target.parse(t, args.ssh) for t in args.targets]
    try:
        deploy(output, list(group.sites), targets, args.sign_key,
               args.allowed_signers or args.root / ALLOWED_SIGNERS, args.keep, args.bwlimit, args.force,
               args.allow_preview, args.nginx_conf, args.reload)
    except SwitchedError:
        raise                           # its message says what is live where
    except DeployError as exc:
        raise DeployError(f"未部署，线上网站未改动：{exc}", exc.code) from exc
    return 0
