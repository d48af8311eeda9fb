"""`govsite approve FILE --key KEY --as REVIEWER [--level LEVEL]`: sign an item."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from workflow.cli.commands import signing_problem
from workflow.errors import GovsiteError, UsageError
from workflow.model import dates
from workflow.model.findings import ERROR
from workflow.model.sites import load_group
from workflow.review import approval
from workflow.review import permissions as policy
from workflow.rules import Checker
from workflow.rules.approvals import history_problems, valid_approvals


def register(sub):
    p = sub.add_parser("approve", help="审核人用自己的 SSH 密钥签署一条信息")
    p.add_argument("file", type=Path)
    p.add_argument("--key", required=True, type=Path, help="审核人的 SSH 私钥")
    p.add_argument("--as", required=True, dest="reviewer", help="审核人标识（与 keys/allowed_signers 一致）")
    p.add_argument("--level", help="审核级别（默认：本信息尚缺的下一级）")
    p.set_defaults(func=run)



def run(args) -> int:
    group = load_group(args.root)
    problem = signing_problem(args)
    if problem:
        raise UsageError(problem)
    checker = Checker(group)
    item = checker.load(args.file)
    site = checker.site(item)
    findings = checker.check(item)
    # What a new approval resolves: missing or void approvals, and a deleted withdrawal
    # (republishing it needs every level signed again, after the withdrawal).
    republish = any(f.rule == "withdrawal.removed" for f in findings)
    blocking = [f for f in findings if f.severity == ERROR and not f.rule.startswith("approval.")
                and f.rule != "withdrawal.removed"]
    if item.meta is None or site is None or item.column is None or blocking:
        print("该信息还有以下问题，须先由编辑修改，才能审核：", file=sys.stderr)
        for f in blocking or findings:
            print("  " + f.format(), file=sys.stderr)
        return 1
    valid = {} if republish else valid_approvals(item, checker)
    required = site.required_levels(item.column)
    level = args.level or next((lv for lv in required if lv not in valid), None)
    if level is None:
        print(f"{item.relpath}：所需审核级别（{'、'.join(required)}）均已有有效签名，无需再审。")
        return 0
    if level in valid:
        raise GovsiteError(f"“{level}”已由 {valid[level]} 签署，无需重复审核")
    now = dates.now()
    problems = policy.approval_problems(site, item.fields.get("author"), level, args.reviewer, valid)
    problems += history_problems(item, checker, site, args.reviewer, now)
    if problems:
        raise GovsiteError("；".join(f"{m}（{fix}）" for _, m, fix in problems))
    at = approval.format_time(now)
    files = checker.covered(item)
    data = approval.payload(item.canonical, level, args.reviewer, at, checker.subject(item))
    try:
        signature = approval.sign_checked(data, args.key, args.reviewer, at, checker.signers)
    except approval.SignerError as exc:
        raise GovsiteError(str(exc)) from exc
    # Keep the approvals that still count; drop those voided by later edits.
    kept = [e for e in (item.meta.get("approvals") or []) if isinstance(e, dict) and _counts(e, valid)]
    dropped = len(item.meta.get("approvals") or []) - len(kept)
    for e in kept:
        e["at"] = approval.format_time(dates.parse_datetime(e["at"]))
    entries = kept + [{"level": level, "by": args.reviewer, "at": at, "path": item.relpath,
                       "files": [f"{n} {size} {d}" for n, size, d in files], "signature": signature}]
    text = approval.replace_block(item, "approvals", approval.approvals_block(entries))
    approval.save(item, text)
    print(f"{item.relpath}：{args.reviewer} 已签署“{level}”。" +
          (f"（移除了 {dropped} 个已失效的签名）" if dropped else ""))
    still = [lv for lv in required if lv not in valid and lv != level]
    if still:
        print(f"尚缺：{'、'.join(still)}")
    return 0


def _counts(entry: dict[Any, Any], valid: dict[str, str]) -> bool:
    """Is this entry of the approvals block one of the valid approvals? (A hand-written
    entry may lack its signer or hold a list where the level goes.)"""
    level, by = entry.get("level"), entry.get("by")
    return isinstance(level, str) and by is not None and valid.get(level) == by
