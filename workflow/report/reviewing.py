"""What a reviewer is asked to sign: per item its state, its problems, the levels
it awaits and who may sign them, where its preview page is, and the text
changed since it was last approved (`govsite review`, CI's pull-request summary).

"Last approved" is the newest version of the item — the working copy, then
each version in Git history, newest first — that carries an approval whose
signature verifies over that version's text (at the place and with the files
the approval recorded). Without one, the text is compared with the base of the
pull request (a new item: all of it is new).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from workflow.gate import stages
from workflow.model import dates
from workflow.model.findings import ERROR
from workflow.review import approval
from workflow.rules.approvals import _parse_files

MAX_DIFF_LINES = 400


@dataclass
class Row:
    path: str
    state: str                       # 待审核 | 可发布 | 被拒绝 | 定时发布 | 已撤除
    problems: list[str] = field(default_factory=list)      # findings that are not pending (formatted)
    awaiting: list = field(default_factory=list)           # stages.Awaiting
    url: str | None = None                                 # the item's page in a (review) build
    since: str = ""                                        # what the diff is against (Chinese)
    diff: list[str] = field(default_factory=list)


def rows(gate, decisions, base: str | None, mode: str = "review") -> list[Row]:
    from workflow.model.itemlinks import item_url

    out = []
    for d in decisions:
        item = d.item
        errors = [f for f in d.findings if f.severity == ERROR]
        pending = stages.only_pending(d.findings)
        state = {"published": "可发布", "scheduled": "定时发布", "withdrawn": "已撤除"}.get(d.state.value, "被拒绝")
        if pending:
            state = "待审核"
        row = Row(item.relpath, state,
                  [f.format() for f in errors if not stages.is_pending(f)],
                  stages.awaiting(item, gate.checker) if item.meta is not None else [])
        if item.meta is not None and item.site_id in gate.group.sites and len(item.relpath.split("/")) == 4:
            row.url = item_url(item.relpath, gate.group, mode)
            row.since, row.diff = changes_since_approval(item, gate.checker, base)
        out.append(row)
    return out


def changes_since_approval(item, checker, base: str | None) -> tuple[str, list[str]]:
    now = _text(item)
    for where, version in _versions(item, checker):
        signed = _approved_by(version, item, checker)
        if signed:
            return f"自上次审核（{signed}，{where}）以来的改动", _diff(_text(version), now, where)
    if base:
        old = checker.history.version(base, item.relpath)
        if old is not None:
            return f"相对目标分支 {base} 的改动（从未审核）", _diff(_text(old), now, base)
    return "全文（新信息，从未审核）", _diff("", now, "无")


def _versions(item, checker):
    yield "当前文件", item
    for commit, _, blob in checker.history.log.get(item.relpath, ()):
        if blob != "0" * 40:
            version = checker.history._item(blob)
            if version is not None and version.meta is not None:
                yield f"提交 {commit.sha[:10]}", version


def _approved_by(version, item, checker) -> str:
    """'初审 chu.shen、…' of the approvals that verify over this version's text."""
    found = []
    for entry in (version.meta or {}).get("approvals") or []:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("level", "by", "signature")):
            continue
        try:
            at = dates.parse_datetime(entry.get("at"))
        except (ValueError, TypeError):
            continue
        signed = _parse_files(entry.get("files") or [])
        files = checker.covered(item) if signed is None else [(n, s, h) for n, (s, h) in signed.items()]
        subject = approval.subject(entry.get("path") or item.relpath, files)
        data = approval.payload(version.canonical, entry["level"], entry["by"], approval.format_time(at), subject)
        if checker.verify(data, entry["signature"], entry["by"], at).ok:
            found.append(f"{entry['level']} {entry['by']}")
    return "、".join(found)


def _text(item) -> str:
    return (item.canonical or item.raw).decode("utf-8", "replace")


def _diff(old: str, new: str, where: str) -> list[str]:
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), f"a（{where}）", "b（现在）", lineterm=""))
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"…（其余 {len(lines) - MAX_DIFF_LINES} 行从略）"]
    return lines


def for_reviewer(rows_: list[Row], rid: str) -> list[Row]:
    return [r for r in rows_ if any(rid in dict(a.reviewers) for a in r.awaiting)]


def as_text(rows_: list[Row], rid: str | None, preview: str | None) -> str:
    out = []
    for r in rows_:
        mine = [a for a in r.awaiting if rid is None or rid in dict(a.reviewers)]
        out.append(f"== {r.path}  [{r.state}]")
        if mine:
            out.append("   待审核：" + "；".join(a.format() for a in mine))
        for p in r.problems:
            out.append(f"   问题：{p}")
        if r.url and preview:
            out.append(f"   预览：{preview.rstrip('/')}{r.url}")
        if r.since:
            out.append(f"   {r.since}：" + ("无" if not r.diff else ""))
            out += ["     " + line for line in r.diff]
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(rows_: list[Row], preview: str | None, note: str | None = None) -> str:
    out = ["## govsite 审核清单", ""]
    if note:
        out += [note, ""]
    if not rows_:
        return "\n".join(out + ["本次改动不涉及任何信息。", ""])
    out += ["| 信息 | 状态 | 问题 | 待审核（可审核人） | 预览 |", "|---|---|---|---|---|"]
    for r in rows_:
        link = f"[打开]({preview.rstrip('/')}{r.url})" if r.url and preview else (f"`{r.url}`" if r.url else "")
        out.append(f"| `{_cell(r.path)}` | {r.state} | {_cell('；'.join(r.problems)) or '无'} | "
                   f"{_cell('；'.join(a.format() for a in r.awaiting)) or '无'} | {link} |")
    out.append("")
    for r in rows_:
        if not r.since:
            continue
        fence = "````" if any("```" in line for line in r.diff) else "```"
        out += [f"<details><summary>{_cell(r.path)}：{r.since}（{len(r.diff)} 行）</summary>", "",
                f"{fence}diff", *r.diff, fence, "", "</details>", ""]
    return "\n".join(out)
