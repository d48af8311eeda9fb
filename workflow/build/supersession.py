"""有效性: a policy document that is no longer in force names the one that replaced it.

    validity: 废止
    superseded_by: zcwj/<slug>            # or <site>/zcwj/<slug>

Both pages link to each other (现行文件 / 本文件替代), and lists tag the old one.
"""
from __future__ import annotations

from workflow.build.interpretation import Related, lent_both_ways, linked_both_ways

FIELD = "superseded_by"


def lending(decisions, group=None, find=lambda key: None) -> list[tuple[str, object]]:
    """(site, decision) for each page another site shows (the old document names the new
    one, the new one lists the old): both pages change when either does."""
    return lent_both_ways(decisions, find, FIELD)


def relations(group, decisions, mode: str) -> tuple[dict[str, list[Related]], dict[str, Related]]:
    """Published pages only: document key -> the documents it replaces, old key -> its replacement."""
    return linked_both_ways(group, decisions, mode, FIELD)
