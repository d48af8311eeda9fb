"""Rules on approvals: every required level, validly signed, by the right person,
at a believable time."""
from __future__ import annotations

import datetime as dt

from workflow.model.findings import ERROR, Finding
from workflow.model.schema import Context, Field, validate
from workflow.review import approval
from workflow.review import permissions as policy

ENTRY = {
    "level": Field("审核级别", required=True, example="终审"),
    "by": Field("审核人标识", kind="id", required=True, example="zhou.jie"),
    "at": Field("审核时间", kind="datetime", required=True, example="2026-11-20T10:00:00+08:00"),
    "path": Field("签名时的文件位置（govsite approve 生成）"),
    "files": Field("签名时的附件（govsite approve 生成）", kind="list", item=Field("附件")),
    "signature": Field("签名", required=True, example="-----BEGIN SSH SIGNATURE-----…"),
}
REQUIRED = [name for name, spec in ENTRY.items() if spec.required]
SKEW = dt.timedelta(minutes=5)      # clocks of editors', reviewers' and CI machines differ a little
_MANUAL = "不要手工编辑 approvals，使用 govsite approve 生成"


def valid_approvals(item, ctx, report=None) -> dict[str, str]:
    """Levels carried by a valid approval: {level: reviewer}.

    `report`, when given, collects a Finding for every approval that does not count.
    Worked out once per item and checker (the rule and the gate both ask).
    """
    counted, _, found = _approvals(item, ctx)
    if report is not None:
        report.extend(found)
    return dict(counted)


def approval_times(item, ctx) -> dict[str, dt.datetime]:
    """When each counted level was signed."""
    return dict(_approvals(item, ctx)[1])


def _approvals(item, ctx):
    return ctx.remember(("approvals", item.relpath, item.sha256), lambda: _valid_approvals(item, ctx))


def _valid_approvals(item, ctx) -> tuple[dict[str, str], dict[str, dt.datetime], list[Finding]]:
    site = ctx.site(item)
    line = item.line_of("approvals")
    entries = item.meta.get("approvals") or []
    found: list[Finding] = []
    add = found.append
    if not isinstance(entries, list):
        add(Finding("approval.invalid", ERROR, item.relpath, line, "approvals 应为列表", "approvals", _MANUAL))
        return {}, {}, found
    subject = ctx.subject(item)
    signed: list[tuple[str, str, dt.datetime]] = []
    for i, entry in enumerate(entries):
        name = f"approvals[{i}]"
        if not isinstance(entry, dict):
            add(Finding("approval.invalid", ERROR, item.relpath, line, f"{name} 应为键值映射", "approvals", _MANUAL))
            continue
        sc = Context(item.relpath, "approval", {"approvals": line} if line else {})
        values = validate(entry, ENTRY, sc, f"{name}.")
        if sc.findings or any(k not in values for k in REQUIRED):
            for f in sc.findings:
                add(Finding("approval.invalid", ERROR, f.path, f.line, f.message, f.field, f.fix))
            continue
        at_text = approval.format_time(values["at"])
        data = approval.payload(item.canonical, values["level"], values["by"], at_text, subject)
        verdict = ctx.verify(data, values["signature"], values["by"], values["at"])
        if not verdict.ok:
            reason = verdict.reason
            if verdict.rule == "approval.stale":
                reason = _moved_or_replaced(item, ctx, values) or reason
            add(Finding(verdict.rule, ERROR, item.relpath, line,
                        f"{name}（{values['level']}，{values['by']}）：{reason}", "approvals",
                        "内容、位置或附件在审核后被改动，或签名来自别处：请审核人重新运行 govsite approve"
                        if verdict.rule == "approval.stale" else
                        "新审核人先按 README 把公钥加入 keys/allowed_signers，再重新审核"))
            continue
        signed.append((values["level"], values["by"], values["at"]))
    author = item.fields.get("author")
    counted: dict[str, str] = {}
    times: dict[str, dt.datetime] = {}
    pairs = [(lv, by) for lv, by, _ in signed]
    for level, by, at in signed:
        others = {lv: b for lv, b in pairs if (lv, b) != (level, by)}
        problems = policy.approval_problems(site, author, level, by, others)
        problems += history_problems(item, ctx, site, by, at)
        for rule, message, fix in problems:
            add(Finding(rule, ERROR, item.relpath, line, message, "approvals", fix))
        if not problems and level not in counted:
            counted[level], times[level] = by, at
    return counted, times, found


def _moved_or_replaced(item, ctx, values) -> str | None:
    """When the signature verifies for the place and files its entry records, say
    what changed since (the item was moved or copied; an attachment was replaced)."""
    signed_path = values.get("path")
    signed_files = _parse_files(values.get("files") or [])
    if signed_path is None and signed_files is None:
        return None
    now_files = {n: (s, d) for n, s, d in ctx.covered(item)}
    then_files = signed_files if signed_files is not None else now_files
    subject = approval.subject(signed_path or item.relpath,
                              [(n, s, d) for n, (s, d) in then_files.items()])
    data = approval.payload(item.canonical, values["level"], values["by"],
                            approval.format_time(values["at"]), subject)
    if not ctx.verify(data, values["signature"], values["by"], values["at"]).ok:
        return None
    said = []
    if signed_path and signed_path != item.relpath:
        said.append(f"审核时信息位于 {signed_path}，现在位于 {item.relpath}（移动、复制或改名后须重新审核）")
    for name in sorted(set(then_files) | set(now_files)):
        if name not in now_files:
            said.append(f"附件 {name} 审核后被删除或不能发布")
        elif name not in then_files:
            said.append(f"附件 {name} 是审核后新增的")
        elif then_files[name] != now_files[name]:
            said.append(f"附件 {name} 审核后被替换（审核时 {then_files[name][1][:12]}…，"
                        f"现在 {now_files[name][1][:12]}…）")
    return "；".join(said) or None


def _parse_files(entries) -> dict[str, tuple[int, str]] | None:
    out = {}
    for text in entries:
        parts = str(text).rsplit(" ", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        out[parts[0]] = (int(parts[1]), parts[2])
    return out


def history_problems(item, ctx, site, by: str, at: dt.datetime) -> list[tuple[str, str, str]]:
    """An approval against the clock and Git: not in the future, not older than the
    text it approves, not by someone who wrote that text."""
    problems = []
    if at > ctx.now + SKEW:
        problems.append(("approval.future", f"{by} 的审核时间 {approval.format_time(at)} 晚于当前时间",
                         "审核时间由 govsite approve 按签名时的时间写入；请检查签名机器的时钟后重新审核"))
    changes = ctx.text_changes(item)
    for commit in changes:
        if policy.is_person(site, by, commit.name, commit.email):
            problems.append(("approval.self",
                             f"{by} 是修改过本信息正文的 Git 提交 {commit.sha[:10]}（{commit.name} <{commit.email}>）的作者，"
                             "不得审核自己修改过的信息", "请另一位没有修改过本信息的审核人审核"))
            break
    if changes:
        last = changes[0]
        if at < last.date - SKEW:
            problems.append(("approval.before-change",
                             f"{by} 的审核时间 {approval.format_time(at)} 早于正文最后一次修改的提交 {last.sha[:10]}"
                             f"（{approval.format_time(last.date)}）：这一审核不可能针对现在的内容",
                             "请审核人对现在的内容重新运行 govsite approve"))
        elif not ctx.key_valid_at(by, last.date):
            problems.append(("approval.invalid",
                             f"{by} 的签名密钥在正文最后一次修改（{approval.format_time(last.date)}）时已不在有效期内",
                             "请持有有效密钥的审核人重新审核"))
    return problems


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
