"""栏目共建 (第九条): topics of the portal collect tagged items of every site.

A topic is declared in the portal's site.yaml (`topics: {id: {name, intro,
sections}}`); items of any site join it with `tags: [id]`. Its page lives on the
portal at topic/<id>.html, with a sub-column page per section
(topic/<id>/<section>.html). Sections gather the topic's items by content type:
those of `sections` in site.yaml, else SECTIONS; an item no section takes goes
to 其他信息. The banner is the first image of the topic's intro item.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from workflow.build.syndication import Entry, entry
from workflow.model.relations import declared_topics

SAVE_AS = "topic/{id}.html"
SECTION_SAVE_AS = "topic/{id}/{section}.html"
SECTIONS = {
    "zhengce": {"name": "政策文件", "types": ["policy"]},
    "dongtai": {"name": "工作动态", "types": ["news"]},
    "tongzhi": {"name": "通知公告", "types": ["notice"]},
    "fuwu": {"name": "办事服务", "types": ["service"]},
    "hudong": {"name": "互动交流", "types": ["letter", "interview", "survey"]},
}
OTHER = ("qita", "其他信息")


@dataclass
class Section:
    id: str
    name: str
    types: list[str]
    url: str = ""                     # site-relative
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Topic:
    id: str
    name: str
    intro: str | None                 # "<column>/<slug>" of the portal's intro item
    url: str = ""                     # site-relative, e.g. topic/yingshang-huanjing.html
    entries: list[Entry] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)    # those with entries, in order


declared = declared_topics


def lending(decisions, group, find=None):
    """(portal, decision) for every item tagged with a topic: the portal's topic pages list it."""
    for d in decisions:
        if d.item.meta is not None and d.item.fields.get("tags"):
            yield group.portal.id, d


def topics(group, decisions, mode: str) -> list[Topic]:
    """Every topic of the portal with its published items, newest first, by section."""
    out = []
    for tid, spec in declared(group).items():
        topic = Topic(tid, spec["name"], spec.get("intro"), SAVE_AS.format(id=tid))
        for d in decisions:
            is_intro = d.item.site_id == group.portal.id and f"{d.item.column}/{d.item.slug}" == topic.intro
            if d.published and tid in d.item.fields.get("tags", []) and not is_intro:
                topic.entries.append(entry(d, group, mode))
        topic.entries.sort(key=lambda e: e.date, reverse=True)
        topic.sections = sections(topic, spec.get("sections") or SECTIONS)
        out.append(topic)
    return out


def sections(topic: Topic, specs: dict) -> list[Section]:
    found = [Section(sid, s["name"], list(s["types"])) for sid, s in specs.items()]
    other = next((s for s in found if s.id == OTHER[0]), None) or Section(*OTHER, [])
    every = found + ([other] if other not in found else [])
    for e in topic.entries:
        next((s for s in found if e.kind in s.types), other).entries.append(e)
    for s in every:
        s.url = SECTION_SAVE_AS.format(id=topic.id, section=s.id)
    return [s for s in every if s.entries]
