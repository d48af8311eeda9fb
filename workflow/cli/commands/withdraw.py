"""`govsite withdraw FILE --reason TEXT --as REVIEWER --key KEY [--mode notice|gone]`:
复查撤除 — take an item off the site, signed like an approval."""
from __future__ import annotations

import sys
from pathlib import Path

from workflow.cli.commands import signing_problem
from workflow.errors import GovsiteError, UsageError
from workflow.model import dates
from workflow.model.sites import load_group
from workflow.review import approval, withdrawal
from workflow.review import permissions as policy
from workflow.rules import Checker


def register(sub):
    p = sub.add_parser("withdraw", help="复查撤除：审核人签名撤下一条已发布的信息")
    p.add_argument("file", type=Path)
    p.add_argument("--reason", required=True, help="撤除原因（将显示在撤除说明页上）")
    p.add_argument("--as", required=True, dest="reviewer", help="审核人标识（须持有本网站最高审核级别）")
    p.add_argument("--key", required=True, type=Path, help="审核人的 SSH 私钥")
    p.add_argument("--mode", choices=tuple(withdrawal.MODES), default="notice",
                   help="notice：原网址显示撤除说明（默认）；gone：原网址返回 410")
    p.set_defaults(func=run)



def run(args) -> int:
    group = load_group(args.root)
    reason = " ".join(args.reason.split())
    problem = signing_problem(args)
    if problem:
        raise UsageError(problem)
    if not reason:
        raise UsageError("撤除原因不能为空：请用 --reason 写明撤除原因")
    checker = Checker(group)
    item = checker.load(args.file)
    site = checker.site(item)
    if item.meta is None or site is None or item.column not in site.columns:
        for f in item.findings:
            print("  " + f.format(), file=sys.stderr)
        raise GovsiteError(f"{args.file} 不是本站群网站栏目中可读取的信息文件")
    checker.check(item)        # fills the item's fields: the files it lists are signed too
    problems = policy.withdrawal_problems(site, args.reviewer)
    if problems:
        raise GovsiteError("；".join(f"{m}（{fix}）" for _, m, fix in problems))
    at = approval.format_time(dates.now())
    data = approval.withdrawal_payload(item.canonical, args.reviewer, at, args.mode, reason, checker.subject(item))
    try:
        signature = approval.sign_checked(data, args.key, args.reviewer, at, checker.signers)
    except approval.SignerError as exc:
        raise GovsiteError(str(exc)) from exc
    text = withdrawal.block_text(item, args.reviewer, at, args.mode, reason, signature)
    approval.save(item, text)
    print(f"{item.relpath}：{args.reviewer} 已撤除该信息（{withdrawal.MODES[args.mode]}）。"
          f"重新构建并部署后生效。")
    return 0
