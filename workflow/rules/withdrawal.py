"""Withdrawals (复查撤除) stay withdrawn.

A withdrawal block that does not verify refuses the item (it never comes back
by accident). A withdrawal that was committed and later deleted refuses the
item too, unless every approval it is published with is dated after that
withdrawal: Git history remembers it (and `govsite check --base REF` compares
with the base branch of a pull request, for clones without that history).
"""
from __future__ import annotations

from workflow.model import dates
from workflow.model.findings import ERROR, Finding
from workflow.review import approval, withdrawal
from workflow.rules.approvals import approval_times


def check(item, ctx):
    found: list[Finding] = []
    withdrawal.verified(item, ctx, found)
    yield from found


def removed(item, ctx):
    if item.meta.get(withdrawal.KEY) is not None:
        return
    earlier = [(f"Git 提交 {c.sha[:10]}", block) for c, block in ctx.history.withdrawals(item.relpath)]
    if ctx.base:
        base = ctx.history.version(ctx.base, item.relpath)
        block = (base.meta or {}).get(withdrawal.KEY) if base is not None else None
        if isinstance(block, dict):
            earlier.insert(0, (f"基准分支 {ctx.base}", block))
    for where, block in earlier:
        try:
            at = dates.parse_datetime(block.get("at"))
        except ValueError:
            continue
        times = approval_times(item, ctx)
        stale = sorted(level for level, signed in times.items() if signed < at)
        if stale or not times:
            yield Finding("withdrawal.removed", ERROR, item.relpath, item.line_of("approvals"),
                          f"本信息曾于 {approval.format_time(at)} 被撤除（{where}，撤除人 {block.get('by')}），"
                          f"撤除块已被删除，但{'、'.join(stale) or '全部'}审核签名早于撤除：撤除的信息不能这样恢复发布",
                          "withdrawal", "确需重新发布的，请审核人对现在的内容重新运行 govsite approve（签名时间晚于撤除）")
        return
