"""`govsite rollback --to TARGET [--to TARGET…] [RELEASE]`: back to the release live before
(by the deploy log), or to a named one; refuses a tampered release or one that would bring
back withdrawn items unless --force."""
from __future__ import annotations

from pathlib import Path

from workflow.cli.commands.deploy import target_args
from workflow.errors import UsageError
from workflow.publish import release_signing
from workflow.publish.deploy import DeployError, SwitchedError, Target
from workflow.publish.rollback import rollback
from workflow.review.approval import ALLOWED_SIGNERS


def register(sub):
    p = sub.add_parser("rollback", help="把线上网站切回上一个（按部署记录）或指定的已部署版本")
    target_args(p, "回滚")
    p.add_argument("release", nargs="?", help="要切换到的版本名（默认：部署记录中当前版本之前上线的版本）")
    p.add_argument("--force", action="store_true",
                   help="即使该版本未通过防篡改校验、或会恢复已撤除的信息，也回滚")
    p.add_argument("--allowed-signers", type=Path, metavar="FILE", help=f"公钥清单（默认 {ALLOWED_SIGNERS}）")
    p.add_argument("--reload", metavar="CMD", help="切换后在每个目标上运行的命令（如重新加载 nginx）")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        allowed = release_signing.signers(args.allowed_signers or args.root / ALLOWED_SIGNERS)
    except release_signing.SigningError as exc:
        raise UsageError(f"未回滚，线上网站未改动：{exc}") from exc
    try:
        rollback([Target.parse(t, args.ssh) for t in args.targets], allowed, args.release, args.force,
                 args.reload)
    except SwitchedError:
        raise                           # its message says what is live where
    except DeployError as exc:
        raise DeployError(f"未回滚，线上网站未改动：{exc}", exc.code) from exc
    return 0
