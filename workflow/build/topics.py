"""栏目共建 (第九条): topics of the portal collect tagged items of every site.

A topic is declared in the portal's site.yaml (`topics: {id: {name, intro}}`);
items of any site join it with `tags: [id]`. Its page lives on the portal at
topic/<id>.html and lists published items with their sources.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from workflow.build.syndication import Entry, entry
from workflow.model.relations import declared_topics

SAVE_AS = "topic/{id}.html"


@dataclass
class Topic:
    id: str
    name: str
    intro: str | None                 # "<column>/<slug>" of the portal's intro item
    url: str = ""                     # site-relative, e.g. topic/yingshang-huanjing.html
    entries: list[Entry] = field(default_factory=list)


declared = declared_topics


def lending(decisions, group, find=None):
    """(portal, decision) for every item tagged with a topic: the portal's topic pages list it."""
    for d in decisions:
        if d.item.meta is not None and d.item.fields.get("tags"):
            yield group.portal.id, d


def topics(group, decisions, mode: str) -> list[Topic]:
    """Every topic of the portal with its published items, newest first."""
    out = []
    for tid, spec in declared(group).items():
        topic = Topic(tid, spec["name"], spec.get("intro"), SAVE_AS.format(id=tid))
        for d in decisions:
            is_intro = d.item.site_id == group.portal.id and f"{d.item.column}/{d.item.slug}" == topic.intro
            if d.published and tid in d.item.fields.get("tags", []) and not is_intro:
                topic.entries.append(entry(d, group, mode))
        topic.entries.sort(key=lambda e: e.date, reverse=True)
        out.append(topic)
    return out
