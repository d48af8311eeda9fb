"""网上采集 (第八条): items of one site listed on another (the portal).

An item reaches a receiving site in two ways: it names the site in
`syndicate: [portal]` (listed in the receiver's `syndication.column`), or a
column rule in the receiver's site.yaml (`syndication.rules`) matches its site
and column. Only published items are syndicated; the receiver lists the title,
the source unit, the date and a link to the original, and republishes the body
only when the rule says `copy: true` (then with rel=canonical to the original).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflow.model.sites import site_url


@dataclass
class Entry:
    """One item as another site lists it."""
    title: str
    date: dt.datetime
    source: str            # 来源 of the item (the unit that wrote it)
    site_id: str
    site_name: str         # the site it was published on
    url: str               # the original page
    column: str            # column of the receiving site
    copy: bool = False     # the receiver republishes the body
    slug: str = ""         # file name of the copy on the receiver: <site>-<slug>
    summary: str = ""
    author_name: str = ""  # 发布人 on the original site
    decision: object = None
    kind: str = ""         # content type of the item (news, policy, …)


Rule = tuple[str, "list[str] | None", str, bool]     # receiver, its columns (None: any), into, copy


def rules_by_site(group) -> dict[str, list[Rule]]:
    """Every receiver's column rules, by the site they take items from: worked out once
    for many items (reading every receiver per item grew with items × sites)."""
    out: dict[str, list[Rule]] = {}
    for receiver in group.sites.values():
        syn = receiver.data.get("syndication") or {}
        for rule in syn.get("rules") or []:
            for sid in rule["sites"]:
                out.setdefault(sid, []).append((receiver.id, rule.get("columns"), rule.get("into", syn["column"]),
                                                rule.get("copy", False)))
    return out


def routes(item, group, rules: dict[str, list[Rule]] | None = None) -> list[tuple[str, str, bool]]:
    """(receiver site id, receiver column, copy) for each place `item` is listed
    (`rules`: rules_by_site(group), when many items are routed)."""
    found: dict[tuple[str, str], bool] = {}
    for target in item.fields.get("syndicate", []):
        receiver = group.sites.get(target)
        syn = receiver.data.get("syndication") if receiver else None
        if syn and target != item.site_id:
            found.setdefault((target, syn["column"]), False)
    for receiver_id, columns, into, copy in (rules if rules is not None else rules_by_site(group)).get(item.site_id, []):
        if columns is None or item.column in columns:
            key = (receiver_id, into)
            found[key] = found.get(key, False) or copy
    return [(sid, col, copy) for (sid, col), copy in found.items()]


def lending(decisions, group, find=None):
    """(receiving site, decision) for every item another site lists (whatever its state:
    an item that stops being published leaves the receiver's page)."""
    rules = rules_by_site(group)
    for d in decisions:
        if d.item.meta is not None:
            for sid, _, _ in routes(d.item, group, rules):
                yield sid, d


def original_url(group, item, mode: str) -> str:
    return f"{site_url(group.sites[item.site_id], mode)}/{item.column}/{item.slug}.html"


def entries_for(receiver_id: str, decisions, group, mode: str) -> dict[str, list[Entry]]:
    """Receiving column -> entries, newest first. Refused, scheduled and
    withdrawn originals are never syndicated."""
    out: dict[str, list[Entry]] = {}
    rules = rules_by_site(group)
    for d in decisions:
        if not d.published:
            continue
        for sid, column, copy in routes(d.item, group, rules):
            if sid == receiver_id:
                out.setdefault(column, []).append(entry(d, group, mode, column, copy))
    for entries in out.values():
        entries.sort(key=lambda e: e.date, reverse=True)
    return out


def entry(decision, group, mode: str, column: str = "", copy: bool = False) -> Entry:
    item = decision.item
    f = item.fields
    site = group.sites[item.site_id]
    return Entry(f["title"], f["date"], f["source"], site.id, site.name, original_url(group, item, mode),
                 column, copy, f"{site.id}-{item.slug}", f.get("summary", ""),
                 site.editor_name(f.get("author", "")), decision, f.get("type", ""))
