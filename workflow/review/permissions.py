"""Who may do what, in one place (第十七条 谁发布、谁审核、谁负责).

Read aloud:
  * An item is PUBLISHED when it names its source and author, passed the
    confidentiality review, and carries one valid approval for every review
    level its site requires for its column; otherwise it is REFUSED.
  * An approval of level L for an item of site S is valid when it was signed
    by reviewer R over the item's exact text, place and files, R holds L at S,
    R is not the item's author and authored no Git commit that changed its
    text, R signed no other level of the same item, and it is dated neither
    in the future nor before the last change of the text.
  * A reviewer may approve (`govsite approve`) only when that approval would be
    valid and the item has no problem other than missing approvals.
  * A published item dated in the future is SCHEDULED until its date.
  * An item is WITHDRAWN (复查撤除, 第十七条) when it carries a withdrawal signed
    over its exact text, with a reason, by a reviewer who holds the site's
    final review level. It leaves every list, feed, search index and portal
    page; its address says it was withdrawn, or answers 410 Gone. A withdrawal
    that does not verify refuses the item: it never comes back by accident.
"""
from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflow.model.sites import Site


class State(str, Enum):
    PUBLISHED = "published"
    REFUSED = "refused"
    SCHEDULED = "scheduled"
    WITHDRAWN = "withdrawn"


def approval_problems(site: Site, author: str | None, level: str, by: str,
                      other_levels_by: dict[str, str]) -> list[tuple[str, str, str]]:
    """Why `by` may not hold approval `level` on an item of `site` by `author`.

    Returns (rule, message, fix) triples; empty when the approval is allowed.
    `other_levels_by` maps each other approved level of the item to its signer.
    """
    problems = []
    if level not in site.review_levels:
        problems.append(("approval.not-authorised",
                         f"网站“{site.name}”没有“{level}”这一审核级别",
                         f"可用级别：{'、'.join(site.review_levels)}"))
    elif by not in site.holders(level):
        holders = "、".join(site.holders(level)) or "无"
        problems.append(("approval.not-authorised",
                         f"{by} 不是本网站“{level}”级别的审核人",
                         f"请由本网站持有“{level}”的审核人审核：{holders}"))
    if author and by == author:
        problems.append(("approval.self", f"审核人 {by} 就是发布人，不得自己审核自己的信息",
                         "请另一位审核人审核（谁发布、谁审核须分开）"))
    for other_level, other_by in other_levels_by.items():
        if other_level != level and other_by == by:
            problems.append(("approval.same-person",
                             f"{by} 已签署“{other_level}”，同一人不得签署两个审核级别",
                             f"“{level}”请由另一位审核人签署"))
    return problems


def is_person(site: Site, reviewer: str, name: str, email: str) -> bool:
    """Is the Git author `name <email>` the reviewer `reviewer` of `site`? By an
    email listed in site.yaml (reviewers.<id>.emails), by the reviewer id as the
    email's local part, or by the id or name as the author name."""
    entry = (site.data.get("reviewers") or {}).get(reviewer) or {}
    email = (email or "").strip().lower()
    listed = {e.strip().lower() for e in entry.get("emails") or []}
    local = email.split("@", 1)[0]
    names = {reviewer, entry.get("name")}
    return bool(email and email in listed) or local == reviewer or local.split("+")[-1] == reviewer \
        or (name or "").strip() in names


def withdrawal_problems(site: Site, by: str) -> list[tuple[str, str, str]]:
    """Why `by` may not withdraw an item of `site`; empty when allowed."""
    final = site.review_levels[-1]
    if by not in site.holders(final):
        holders = "、".join(site.holders(final)) or "无"
        return [("withdrawal.not-authorised", f"{by} 不是本网站“{final}”级别的审核人，不能撤除信息",
                 f"请由本网站持有“{final}”的审核人撤除：{holders}")]
    return []
