"""Rules on approvals: every required level, validly signed, by the right person."""
from __future__ import annotations

from .. import approval, policy
from ..findings import ERROR, Finding
from ..schema import Context, Field, validate

ENTRY = {
    "level": Field("审核级别", required=True, example="终审"),
    "by": Field("审核人标识", kind="id", required=True, example="zhou.jie"),
    "at": Field("审核时间", kind="datetime", required=True, example="2026-11-20T10:00:00+08:00"),
    "signature": Field("签名", required=True, example="-----BEGIN SSH SIGNATURE-----…"),
}


def valid_approvals(item, ctx, report=None) -> dict[str, str]:
    """Levels carried by a valid approval: {level: reviewer}.

    `report`, when given, collects a Finding for every approval that does not count.
    Worked out once per item and checker (the rule and the gate both ask).
    """
    memo = item.__dict__.get("_approvals")
    if memo is None or memo[0] is not ctx:
        found: list[Finding] = []
        memo = item.__dict__["_approvals"] = (ctx, _valid_approvals(item, ctx, found), found)
    if report is not None:
        report.extend(memo[2])
    return dict(memo[1])


def _valid_approvals(item, ctx, report: list) -> dict[str, str]:
    site = ctx.site(item)
    line = item.line_of("approvals")
    entries = item.meta.get("approvals") or []
    add = report.append
    if not isinstance(entries, list):
        add(Finding("approval.invalid", ERROR, item.relpath, line, "approvals 应为列表", "approvals",
                    "不要手工编辑 approvals，使用 govsite approve 生成"))
        return {}
    canonical = approval.canonical_bytes(item)
    signed: list[tuple[str, str]] = []
    for i, entry in enumerate(entries):
        name = f"approvals[{i}]"
        if not isinstance(entry, dict):
            add(Finding("approval.invalid", ERROR, item.relpath, line, f"{name} 应为键值映射", "approvals",
                        "不要手工编辑 approvals，使用 govsite approve 生成"))
            continue
        sc = Context(item.relpath, "approval", {"approvals": line} if line else {})
        values = validate(entry, ENTRY, sc, f"{name}.")
        if sc.findings or len(values) < len(ENTRY):
            for f in sc.findings:
                add(Finding("approval.invalid", ERROR, f.path, f.line, f.message, f.field, f.fix))
            continue
        at_text = approval.format_time(values["at"])
        data = approval.payload(canonical, values["level"], values["by"], at_text)
        verdict = approval.verify(data, values["signature"], values["by"], values["at"], ctx.signers)
        if not verdict.ok:
            add(Finding(verdict.rule, ERROR, item.relpath, line,
                        f"{name}（{values['level']}，{values['by']}）：{verdict.reason}", "approvals",
                        "内容在审核后被修改，或签名来自别处：请审核人重新运行 govsite approve"
                        if verdict.rule == "approval.invalid" else
                        "新审核人先按 README 把公钥加入 keys/allowed_signers，再重新审核"))
            continue
        signed.append((values["level"], values["by"]))
    author = item.fields.get("author")
    counted: dict[str, str] = {}
    for level, by in signed:
        others = {lv: b for lv, b in signed if (lv, b) != (level, by)}
        problems = policy.approval_problems(site, author, level, by, others)
        for rule, message, fix in problems:
            add(Finding(rule, ERROR, item.relpath, line, message, "approvals", fix))
        if not problems:
            counted.setdefault(level, by)
    return counted


def check(item, ctx):
    site = ctx.site(item)
    required = site.required_levels(item.column)
    if not item.meta.get("approvals"):
        yield Finding("approval.missing", ERROR, item.relpath, item.line_of("approvals"),
                      f"信息未经审核（需要：{'、'.join(required)}），未经审核的信息不得上网发布",
                      "approvals", "请审核人运行 govsite approve 文件 --key 私钥 --as 审核人标识")
        return
    findings: list[Finding] = []
    counted = valid_approvals(item, ctx, findings)
    yield from findings
    for level in required:
        if level not in counted:
            yield Finding("approval.level-missing", ERROR, item.relpath, item.line_of("approvals"),
                          f"缺少有效的“{level}”审核（本栏目需要：{'、'.join(required)}）", "approvals",
                          f"请持有“{level}”级别的审核人（{'、'.join(site.holders(level))}）运行 govsite approve")


ORDER = 10
RULES = [check]
