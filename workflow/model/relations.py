"""What an item says about its place in the site group: which policy it
interprets (政策解读), which document replaced it (有效性), and the topics the portal
declares (栏目共建). Pure facts
read from the content; the pages they make are the build's (build/interpretation.py,
build/topics.py)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflow.model.items import Item
    from workflow.model.sites import Group

MATERIAL, PRODUCT, COMMENTARY = "解读材料", "解读产品", "媒体评论文章"
FORMS = {"文字": MATERIAL, "图解": PRODUCT, "视频": PRODUCT, "音频": PRODUCT, "动漫": PRODUCT, "H5": PRODUCT,
         "媒体评论": COMMENTARY}
DEFAULT_FORM = "文字"
_PART = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def target(item: Item, field: str = "interprets") -> tuple[str, str, str] | None:
    """(site, column, slug) the item's `field` names — the policy it interprets, or
    (`superseded_by`) the document that replaced it — or None (absent or malformed)."""
    value = item.fields.get(field)
    if not isinstance(value, str):
        return None
    parts = value.strip().strip("/").removesuffix(".md").split("/")
    if len(parts) == 2:
        if item.site_id is None:
            return None
        parts = [item.site_id, *parts]
    if len(parts) != 3 or not all(_PART.match(p) for p in parts):
        return None
    return parts[0], parts[1], parts[2]


def key(site_id: str, column: str, slug: str) -> str:
    return f"{site_id}/{column}/{slug}"


def form(item: Item) -> str:
    chosen: str | None = item.fields.get("interpretation")
    return chosen or DEFAULT_FORM


def declared_topics(group: Group) -> dict[str, dict[str, Any]]:
    """The portal's topics (site.yaml `topics`): id -> {name, intro}."""
    topics: dict[str, dict[str, Any]] = group.portal.data.get("topics") or {}
    return topics
