"""The audit trail of each item (第十七条 谁发布、谁审核、谁负责).

For every item: who created it (the Git author of the commit that added the
file), who approved it at which level and when (only approvals whose
signature verifies count), when it was first published, and who withdrew it,
when and why (a verified `withdrawal` block).

"First published" is the first production deploy that contained the item, read
from the target's deploy-log.jsonl (written by `govsite deploy`, one line per
deploy with the items of every site): that is when it went live. A preview
build deployed for testing (--allow-preview) is not a publication. Without a deploy
log it is unknown, and said so.
"""
from __future__ import annotations

import datetime as dt
import subprocess
import unicodedata
from pathlib import Path

from workflow.build import manifest
from workflow.gate.gate import Gate
from workflow.model import dates
from workflow.model.sites import Group
from workflow.review.permissions import State
from workflow.rules.approvals import valid_approvals

STATES = {State.PUBLISHED: "已发布", State.REFUSED: "拒绝发布", State.SCHEDULED: "定时发布",
          State.WITHDRAWN: "已撤除"}


def git_creators(root: Path) -> dict[str, dict] | None:
    """relpath -> {name, email, at} of the commit that added it; None if not a Git repository."""
    proc = subprocess.run(["git", "-C", str(root), "log", "--diff-filter=A", "--name-only", "--no-renames",
                           "--format=>%an%x09%ae%x09%aI", "--", "content"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    found: dict[str, dict] = {}
    author = None
    for line in proc.stdout.splitlines():
        if line.startswith(">"):
            name, email, at = line[1:].split("\t")
            author = {"name": name, "email": email, "at": dates.parse_datetime(at).isoformat()}
        elif line.strip() and author:
            found[line.strip()] = author          # log is newest first: the oldest add wins
    return found


def first_deploys(log: list[dict]) -> dict[str, dict]:
    """relpath -> {at, release} of the first production deploy containing it. A preview
    build deployed with --allow-preview published nothing (noindex, /<site>/ URLs);
    entries written before the log recorded the mode count as production."""
    first: dict[str, dict] = {}
    deploys = [e for e in log if e.get("action") == "deploy" and e.get("mode", "production") == "production"]
    for entry in sorted(deploys, key=lambda e: e.get("at") or ""):
        for paths in (entry.get("items") or {}).values():
            for path in paths:
                first.setdefault(path, {"at": entry.get("at"), "release": entry.get("release")})
    return first


def collect(group: Group, sites: list[str] | None = None, since: dt.datetime | None = None,
            deploy_log: list[dict] | None = None) -> list[dict]:
    creators = git_creators(group.root) or {}
    published = first_deploys(deploy_log) if deploy_log is not None else {}
    gate = Gate(group)
    rows = []
    for decision in gate.decide_all():
        item = decision.item
        if sites and item.site_id not in sites:
            continue
        site = gate.checker.site(item)
        approvals = valid_approvals(item, gate.checker) if item.meta is not None and site else {}
        times = manifest.approval_times(item)
        withdrawn = decision.withdrawal
        row = {
            "path": item.relpath,
            "site": item.site_id,
            "title": (item.meta or {}).get("title"),
            "status": decision.state.value,
            "created": creators.get(item.relpath),
            "author": item.fields.get("author"),
            "approvals": [{"level": level, "by": by, "name": site.reviewer_name(by) if site else by,
                           "at": times.get((level, by))} for level, by in approvals.items()],
            "first_published": published.get(item.relpath),
            "withdrawal": {"by": withdrawn["by"], "name": site.reviewer_name(withdrawn["by"]),
                           "at": approval_time(withdrawn["at"]), "reason": withdrawn["reason"],
                           "mode": withdrawn.get("mode")} if withdrawn and site else None,
        }
        if since is None or any(t and dates.parse_datetime(t) >= since for t in event_times(row)):
            rows.append(row)
    return rows


def approval_time(value) -> str:
    return dates.parse_datetime(value).isoformat(timespec="seconds")


def event_times(row: dict) -> list[str | None]:
    return [(row["created"] or {}).get("at"), *(a["at"] for a in row["approvals"]),
            (row["first_published"] or {}).get("at"), (row["withdrawal"] or {}).get("at")]


# -- the table ------------------------------------------------------------------------------

def short(moment: str | None) -> str:
    return dates.parse_datetime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def cells(row: dict, have_log: bool) -> list[str]:
    created = row["created"]
    withdrawn = row["withdrawal"]
    first = row["first_published"]
    return [
        row["path"],
        STATES.get(State(row["status"]), row["status"]),
        f"{created['name']} {short(created['at'])}" if created else "（未提交到 Git）",
        "；".join(f"{a['level']} {a['name']}（{a['by']}）{short(a['at'])}" for a in row["approvals"]) or "无有效审核",
        f"{short(first['at'])} {first['release']}" if first else ("未部署" if have_log else "（未提供部署记录）"),
        f"{withdrawn['name']} {short(withdrawn['at'])}：{withdrawn['reason']}" if withdrawn else "",
    ]


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(rows: list[dict], have_log: bool) -> str:
    head = ["信息", "状态", "创建（Git 作者）", "审核（签名有效）", "首次发布", "撤除"]
    body = [cells(r, have_log) for r in rows]
    widths = [max(width(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = []
    for r in [head, *body]:
        lines.append("  ".join(c + " " * (w - width(c)) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)
