"""政策解读: an item that interprets a policy document names it, and both pages
link to each other.

    interprets: zcwj/nanfubanfa-2026-18-gaoxiao-banchen          # same site: <column>/<slug>
    interprets: portal/zcwj/nanfubanfa-2026-18-gaoxiao-banchen   # another site: <site>/<column>/<slug>
    interpretation: 图解                                          # its form (default 文字)

The form decides how the annual report counts it: 文字 is a 解读材料, 图解,
视频, 音频, 动漫 and H5 are 解读产品, 媒体评论 a 媒体评论文章.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflow.build.syndication import original_url
from workflow.model.relations import DEFAULT_FORM, FORMS, form, key, target  # noqa: F401 - the relation's words


@dataclass
class Related:
    """The other end of the relation, as an item page shows it."""
    title: str
    url: str
    site_id: str
    site_name: str
    date: dt.datetime
    form: str = ""


def related(decision, group, mode: str) -> Related:
    item = decision.item
    site = group.sites[item.site_id]
    return Related(item.fields["title"], original_url(group, item, mode), site.id, site.name,
                   item.fields["date"], form(item))


def lending(decisions, group=None, find=lambda key: None) -> list[tuple[str, object]]:
    """(site, decision) for each page another site shows: a 解读 on the policy's
    site, the policy on the 解读's site (both pages change when either does)."""
    return lent_both_ways(decisions, find, "interprets")


def relations(group, decisions, mode: str) -> tuple[dict[str, list[Related]], dict[str, Related]]:
    """Published pages only: policy key -> its 解读 (newest first), 解读 key -> its policy."""
    readings, policies = linked_both_ways(group, decisions, mode, "interprets")
    for entries in readings.values():
        entries.sort(key=lambda e: e.date, reverse=True)
    return readings, policies


# An item that names another by a field (interprets, superseded_by): both pages show the
# other, so each is lent to the other's site, and each page links the other.

def lent_both_ways(decisions, find, field: str) -> list[tuple[str, object]]:
    """(site, decision) for each end of a `field` relation that crosses sites; the named
    item is looked up among `decisions`, else by `find(key)`."""
    by_key = {key(d.item.site_id, d.item.column, d.item.slug): d for d in decisions if d.item.meta is not None}
    out = []
    for d in decisions:
        found = target(d.item, field) if d.item.meta is not None else None
        if found and found[0] != d.item.site_id:
            out.append((found[0], d))
            if (named := by_key.get(key(*found)) or find(key(*found))) is not None:
                out.append((d.item.site_id, named))
    return out


def linked_both_ways(group, decisions, mode: str, field: str) -> tuple[dict[str, list[Related]], dict[str, Related]]:
    """Published pages only: named key -> the items naming it, naming key -> the named one."""
    published = {key(d.item.site_id, d.item.column, d.item.slug): d for d in decisions if d.published}
    naming: dict[str, list[Related]] = {}
    named_by: dict[str, Related] = {}
    for k, d in published.items():
        found = target(d.item, field)
        named = published.get(key(*found)) if found else None
        if found is None or named is None:
            continue
        naming.setdefault(key(*found), []).append(related(d, group, mode))
        named_by[k] = related(named, group, mode)
    return naming, named_by
