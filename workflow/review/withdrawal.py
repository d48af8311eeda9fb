"""Withdrawal (复查撤除, 第十七条): a signed `withdrawal:` block in front matter.

    withdrawal:
      by: zhou.jie                    # a reviewer holding the site's final level
      at: '2026-11-26T10:00:00+08:00'
      mode: notice                    # notice: the URL shows a notice page; gone: 410
      reason: "……"
      signature: |                    # SSHSIG over approval.withdrawal_payload(…)

Like approvals, the signature covers the item's canonical bytes, so an edit
after the withdrawal voids it (and the gate then refuses the item).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from workflow.model.findings import ERROR, Finding
from workflow.model.schema import Context, Field, validate
from workflow.review import approval
from workflow.review import permissions as policy

if TYPE_CHECKING:
    from workflow.model.items import Item
    from workflow.model.sites import Site

MODES = {"notice": "显示撤除说明页", "gone": "返回 410（已删除）"}
KEY = "withdrawal"

SCHEMA = {
    "by": Field("撤除人（审核人标识）", kind="id", required=True, example="zhou.jie"),
    "at": Field("撤除时间", kind="datetime", required=True, example="2026-11-26T10:00:00+08:00"),
    "mode": Field("撤除方式", kind="choice", required=True, choices=tuple(MODES), example="notice"),
    "reason": Field("撤除原因", required=True, example="经复查，信息已过时"),
    "path": Field("撤除时的文件位置（govsite withdraw 生成）"),
    "signature": Field("签名", required=True, example="-----BEGIN SSH SIGNATURE-----…"),
}


class Checking(Protocol):
    """What verifying a withdrawal needs of the run's checker (workflow/rules/checker.py)."""

    @property
    def verify(self) -> Callable[[bytes, str, str, dt.datetime], approval.Verdict]: ...

    def subject(self, item: Item) -> str: ...

    def site(self, item: Item) -> Site | None: ...


def verified(item: Item, ctx: Checking, report: list[Finding] | None = None) -> dict[str, Any] | None:
    """The item's withdrawal when it is valid, else None.

    `report`, when given, collects a Finding for a withdrawal that does not count.
    """
    block = (item.meta or {}).get(KEY)
    if block is None:
        return None
    add: Callable[[Finding], None] = report.append if report is not None else (lambda f: None)
    line = item.line_of(KEY)
    fix = "不要手工编辑 withdrawal，请审核人重新运行 govsite withdraw"
    if not isinstance(block, dict):
        add(Finding("withdrawal.invalid", ERROR, item.relpath, line, "withdrawal 应为键值映射", KEY, fix))
        return None
    sc = Context(item.relpath, "withdrawal", {KEY: line} if line else {})
    values = validate(block, SCHEMA, sc, f"{KEY}.")
    if sc.findings or any(k not in values for k, spec in SCHEMA.items() if spec.required):
        for f in sc.findings:
            add(Finding("withdrawal.invalid", ERROR, f.path, f.line, f.message, f.field, fix))
        return None
    at_text = approval.format_time(values["at"])
    data = approval.withdrawal_payload(item.canonical, values["by"], at_text, values["mode"], values["reason"],
                                       ctx.subject(item))
    verdict = ctx.verify(data, values["signature"], values["by"], values["at"])
    if not verdict.ok:
        add(Finding("withdrawal.invalid", ERROR, item.relpath, line, f"撤除签名无效：{verdict.reason}", KEY,
                    "撤除后信息被修改，或签名来自别处：请审核人重新运行 govsite withdraw"))
        return None
    site = ctx.site(item)
    if site is None:
        return None
    problems = policy.withdrawal_problems(site, values["by"])
    for rule, message, fix in problems:
        add(Finding(rule, ERROR, item.relpath, line, message, KEY, fix))
    return None if problems else values


def block_text(item: Item, by: str, at: str, mode: str, reason: str, signature: str) -> str:
    """The item's text with its withdrawal block written (approvals untouched)."""
    entry = {"by": by, "at": at, "mode": mode, "reason": reason, "path": item.relpath, "signature": signature}
    return approval.replace_block(item, KEY, approval.withdrawal_block(entry))
