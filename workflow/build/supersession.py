"""有效性: a policy document that is no longer in force names the one that replaced it.

    validity: 废止
    superseded_by: zcwj/<slug>            # or <site>/zcwj/<slug>

Both pages link to each other (现行文件 / 本文件替代), and lists tag the old one.
"""
from __future__ import annotations

from workflow.build.interpretation import Related, related
from workflow.model.relations import key, target

FIELD = "superseded_by"


def lending(decisions, group=None, find=lambda key: None) -> list[tuple[str, object]]:
    """(site, decision) for each page another site shows (the old document names the new
    one, the new one lists the old): both pages change when either does."""
    by_key = {key(d.item.site_id, d.item.column, d.item.slug): d for d in decisions if d.item.meta is not None}
    out = []
    for d in decisions:
        found = target(d.item, FIELD) if d.item.meta is not None else None
        if found and found[0] != d.item.site_id:
            out.append((found[0], d))
            if (new := by_key.get(key(*found)) or find(key(*found))) is not None:
                out.append((d.item.site_id, new))
    return out


def relations(group, decisions, mode: str) -> tuple[dict[str, list[Related]], dict[str, Related]]:
    """Published pages only: document key -> the documents it replaces, old key -> its replacement."""
    published = {key(d.item.site_id, d.item.column, d.item.slug): d for d in decisions if d.published}
    replaces: dict[str, list[Related]] = {}
    replaced_by: dict[str, Related] = {}
    for k, d in published.items():
        found = target(d.item, FIELD)
        new = published.get(key(*found)) if found else None
        if found is None or new is None:
            continue
        replaces.setdefault(key(*found), []).append(related(d, group, mode))
        replaced_by[k] = related(new, group, mode)
    return replaces, replaced_by
