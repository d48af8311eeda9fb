"""Where `govsite check` runs, and what pending approvals mean there.

One rule set, the same findings and messages at every stage; only the verdict
on findings that mean "this item still needs (re-)approval" differs:

  commit  待审核: reported with the levels and who may sign them; the commit
          goes through (an editor commits a draft, a reviewer signs it later)
  pr      every changed item must be fully approved: exit 1, listing what is
          missing (a required status of the pull request)
  build   refused, as the build's gate refuses it (the default)

Anything else that would refuse an item refuses it at every stage.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from workflow.model.findings import ERROR, Finding
from workflow.review import permissions as policy

if TYPE_CHECKING:
    from workflow.gate.gate import Decision, Gate
    from workflow.model.items import Item
    from workflow.rules import Checker

STAGES = ("commit", "pr", "build")

# Findings that only say the item awaits a reviewer's signature: none signed yet, a
# level not signed, a signature voided because the text, place or files changed since,
# or dated before the last change of the text.
PENDING_RULES = frozenset({"approval.missing", "approval.level-missing", "approval.stale",
                           "approval.before-change"})


def is_pending(finding: Finding) -> bool:
    return finding.severity == ERROR and finding.rule in PENDING_RULES


def only_pending(findings: Iterable[Finding]) -> bool:
    """The item would be published once reviewers sign it: it has errors, all pending."""
    errors = [f for f in findings if f.severity == ERROR]
    return bool(errors) and all(is_pending(f) for f in errors)


@dataclass(frozen=True)
class Awaiting:
    level: str
    reviewers: tuple[tuple[str, str], ...]     # (id, name) of those who may sign it now

    def format(self) -> str:
        who = "、".join(f"{rid}（{name}）" if name != rid else rid for rid, name in self.reviewers)
        return f"“{self.level}”（可审核：{who or '没有可审核的人，请网站主管部门在 site.yaml 中指定'}）"


def awaiting(item: Item, checker: Checker) -> list[Awaiting]:
    """The levels the item still needs, each with the reviewers who may sign it: they
    hold the level, are not its author, wrote none of its text (Git) and signed no
    other level of it."""
    from workflow.rules.approvals import valid_approvals

    site = checker.site(item)
    if item.meta is None or site is None or item.column is None:
        return []
    counted = valid_approvals(item, checker)
    author = (item.fields or {}).get("author")
    changes = checker.text_changes(item)
    used = set(counted.values())
    out = []
    for level in site.required_levels(item.column):
        if level in counted:
            continue
        may = tuple((rid, site.reviewer_name(rid)) for rid in site.holders(level)
                    if rid != author and rid not in used
                    and not any(policy.is_person(site, rid, c.name, c.email) for c in changes))
        out.append(Awaiting(level, may))
    return out


def label(finding: Finding, stage: str) -> str | None:
    """How a finding is labelled at `stage` (None: the usual 错误/警告)."""
    return "待审核" if stage == "commit" and is_pending(finding) else None


def admit_pending(gate: Gate, decisions: list[Decision]) -> list[Decision]:
    """A review preview (`govsite build --review`): items refused only for pending
    approvals are shown, marked with the levels they await; every other refused item
    stays out, as in any build (report.json lists its problems)."""
    from workflow.review.permissions import State
    from workflow.rules.approvals import valid_approvals

    out = []
    for d in decisions:
        if d.state == State.REFUSED and d.item.meta is not None and only_pending(d.findings):
            d = gate.decide(d.item.path)            # with its bytes: its approvals are verified again
            item = d.item
            date: dt.datetime = item.fields["date"]
            state = State.SCHEDULED if date > gate.as_of else State.PUBLISHED
            d = replace(d, state=state, approvals=valid_approvals(item, gate.checker),
                        files={n: h for n, _, h in gate.checker.covered(item)},
                        pending=tuple(w.level for w in awaiting(item, gate.checker)) or ("审核",))
            gate.admit(d)
        out.append(d)
    return out
