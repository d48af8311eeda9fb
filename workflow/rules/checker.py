"""The checking context of a run: everything the rules need about the group,
loaded once, and what they work out once per item."""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import traceback
from collections.abc import Callable, Hashable, Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from workflow.model import dates, items
from workflow.model.files import covered as covered_files
from workflow.model.files import stat_key
from workflow.model.findings import ERROR, ConfigError, Finding
from workflow.model.items import Item
from workflow.model.sites import Group, Site
from workflow.policy import allowlist, workdays
from workflow.policy import limits as policy_limits
from workflow.review import approval
from workflow.review.history import Commit, History

_T = TypeVar("_T")


class Checker:
    """Everything the rules need about the group, loaded once per run: the
    group, the moment, the reviewers' keys, Git history, and what the rules
    work out once per item (remembered here, never on module level)."""

    def __init__(self, group: Group, as_of: dt.date | None = None, now: dt.datetime | None = None) -> None:
        self.group = group
        self._as_of = as_of or dates.today()
        self.read_the_day = False        # did a rule read `as_of` (set per item by the gate)?
        self.now = now or dates.now()
        self.base: str | None = None     # `check --base REF`: the branch a pull request goes into
        self._memo: dict[Hashable, Any] = {}
        self.calendar = workdays.Calendar.load(group.root)   # a malformed holiday file: ConfigError now, before any fork
        allowlist.check_entries(group)     # a site.yaml entry point off the allowlist: ConfigError now, too

    @property
    def as_of(self) -> dt.date:
        """The day the rules judge by. Reading it makes the decision about the item at hand
        hold for this day only (a remembered decision without it holds on later days)."""
        self.read_the_day = True
        return self._as_of

    @cached_property
    def signers(self) -> list[approval.Signer]:
        path = self.group.root / approval.ALLOWED_SIGNERS
        if not path.exists():
            return []
        try:
            return approval.load_signers(path)
        except approval.SignerError as exc:
            raise ConfigError([Finding("config.allowed-signers", ERROR, approval.ALLOWED_SIGNERS, None,
                                       str(exc), None, "按 OpenSSH allowed_signers 格式修正该行")]) from exc

    @cached_property
    def signers_digest(self) -> str:
        path = self.group.root / approval.ALLOWED_SIGNERS
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return ""

    @cached_property
    def limits(self) -> policy_limits.Limits:
        """Attachment types and size (workflow/data/attachments.yaml or the repository's policy/)."""
        return policy_limits.attachments(self.group.root)

    @cached_property
    def image_limits(self) -> policy_limits.ImagePolicy:
        """Image types, limits and versions (workflow/data/images.yaml or the repository's policy/)."""
        return policy_limits.images(self.group.root)

    @cached_property
    def deadlines(self) -> dict[str, Any]:
        """The deadlines and freshness thresholds (workflow/data/deadlines.yaml or policy/)."""
        return policy_limits.deadlines(self.group.root)

    @cached_property
    def verify(self) -> approval.Verifier:
        return approval.Verifier(self.signers)

    @cached_property
    def history(self) -> History:
        return History(self.group.root)

    def remember(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """`compute()` once per key and run (keys name the item and its content hash)."""
        if key not in self._memo:
            self._memo[key] = compute()
        found: _T = self._memo[key]
        return found

    def covered(self, item: Item) -> list[tuple[str, int, str]]:
        """(name, size, sha256) of the item's publishable files, hashed once per run."""
        return self.remember(("covered", item.relpath, item.sha256, stat_key(item)),
                             lambda: covered_files(item, self.limits,
                                                   self.image_limits if item.fields.get("images") else None))

    def subject(self, item: Item) -> str:
        return approval.subject(item.relpath, self.covered(item))

    def text_changes(self, item: Item) -> list[Commit]:
        return self.history.text_changes(item.relpath)

    def key_valid_at(self, by: str, when: dt.datetime) -> bool:
        """Is one of `by`'s approval keys valid at `when`?"""
        return any(s.allows(by, approval.NAMESPACE, when) for s in self.signers)

    def site(self, item: Item) -> Site | None:
        return self.group.sites.get(item.site_id) if item.site_id is not None else None

    def load(self, path: Path) -> items.Item:
        return items.load(path, self.group.root)

    def check(self, item: Item) -> list[Finding]:
        """Every finding of the rule set for `item`: reading it (its place, its fields),
        then each rule in order (workflow/rules/__init__.py)."""
        from workflow.rules import READING, RULES

        findings = list(item.findings)
        if item.meta is None:
            return findings
        for rule in READING + RULES:
            try:
                found = _bounded(rule(item, self), item)
            except ConfigError:
                raise
            except Exception as exc:
                findings.append(internal_error(item, rule, exc))
                break
            findings.extend(found)
            if rule in READING and any(f.rule == "schema.location" for f in found):
                break            # an item that is in no column is not read further
        return findings


MAX_FINDINGS = 30      # per rule and item: a 2 MB file of ID numbers is refused in bounded time


def _bounded(found: Iterable[Finding], item: Item) -> list[Finding]:
    """At most MAX_FINDINGS of a rule's findings; the rule (a generator) stops working there."""
    it = iter(found)
    out = list(itertools.islice(it, MAX_FINDINGS))
    if len(out) == MAX_FINDINGS and next(it, None) is not None:
        last = out[-1]
        out.append(Finding(last.rule, last.severity, item.relpath, None,
                           f"同类问题超过 {MAX_FINDINGS} 处，以上只列出前 {MAX_FINDINGS} 处", last.field,
                           "改正以上各处后再运行 govsite check，查看其余的问题"))
    return out


def internal_error(item: Item, rule: object, exc: BaseException) -> Finding:
    """A rule that crashed on this item refuses it (and says so), instead of stopping every site."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f"，{Path(where.filename).name}:{where.lineno}" if where else ""
    return Finding("internal.error", ERROR, item.relpath, None,
                   f"检查规则 {getattr(rule, '__module__', '?').rsplit('.', 1)[-1]}.{getattr(rule, '__name__', rule)} "
                   f"处理本文件时出错（{type(exc).__name__}{at}），为安全起见不予发布", None,
                   "请把本文件和这条信息交给网站技术人员；其他信息不受影响")
