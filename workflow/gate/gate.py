"""The publishing gate: per item, publish or refuse, with the reasons.

Used by `govsite check`, by `govsite build` (for its report) and by the Pelican
plugins (to drop refused items), so all three decide alike. A remembered
decision (workflow/buildcache.py) is used only when everything it was worked
out from is unchanged: the item's bytes, the files it lists, its Git history
(and, through the store's key, the code, the policy files, site.yaml,
allowed_signers and the day).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.errors import BuildError
from workflow.gate.store import is_slim, slim
from workflow.model import dates, items
from workflow.model import files as attachments
from workflow.model.findings import Finding, has_errors
from workflow.model.items import Item, find_items, symlink_in
from workflow.model.sites import Group
from workflow.review import approval, withdrawal
from workflow.review.permissions import State
from workflow.rules import Checker, internal_error
from workflow.rules.approvals import approval_times, valid_approvals

if TYPE_CHECKING:
    from workflow.gate.store import DecisionStore


@dataclass(slots=True)      # slots: a large group keeps 100,000 of them
class Decision:
    item: Item
    state: State
    findings: list[Finding] = field(default_factory=list)
    approvals: dict[str, str] = field(default_factory=dict)   # level -> reviewer id
    withdrawal: dict[str, Any] | None = None                  # the verified withdrawal, if WITHDRAWN
    inputs: tuple[object, ...] = ()   # what besides the item's bytes it was decided from (Gate.inputs)
    files: dict[str, str] = field(default_factory=dict)       # published file -> sha256 its approvals cover
    volatile: bool = False       # depends on the clock beyond the day: never remembered
    day: dt.date | None = None   # the day it holds for, when a rule read the day (deadlines)
    pending: tuple[str, ...] = ()    # review preview only: the levels it still awaits (shown, not published)
    approved_at: dict[str, str] = field(default_factory=dict)   # level -> when its counted approval was signed

    @property
    def published(self) -> bool:
        return self.state == State.PUBLISHED


class Gate:
    def __init__(self, group: Group, as_of: dt.datetime | None = None, store: DecisionStore | None = None) -> None:
        self.group = group
        self.as_of = as_of or dates.now()
        self.checker = Checker(group, self.as_of.date())
        self.store = store       # decisions of earlier builds by content hash (workflow.buildcache)
        self._decided: dict[str, Decision] = {}    # a gate decides at one moment: each file is read once
        self._all: list[Path] | None = None      # every item file, found once
        self.cpu: defaultdict[str, float] = defaultdict(float)    # CPU seconds of this process by stage (read, gate): the benchmark's

    def decide(self, path: str | os.PathLike[str], front_matter: bool = True) -> Decision:
        """The item's decision, with its bytes (read again if dropped: they must hash the same)
        and its front matter (parsed again if dropped; `front_matter=False`: left out,
        what a site's pages need: workflow/gate/run.py)."""
        key = os.path.abspath(path)
        decision = self.lean(key)
        if is_slim(decision) or (front_matter and isinstance(decision.item.meta, items.NotKept)):
            decision = self._decided[key] = self._restored(key, decision, front_matter)
        return decision

    def lean(self, path: str | os.PathLike[str]) -> Decision:
        """The item's decision, its bytes and text possibly dropped: what a build keeps of
        every item of a large group (a site's worker reads its own items' bytes again)."""
        key = os.path.abspath(path)
        if not self.recall(key):
            self._decided[key] = self._decide_path(key)
        return self._decided[key]

    def decide_anew(self, path: str | os.PathLike[str]) -> Decision:
        """The item's decision, worked out now without asking the store (its caller did)."""
        key = os.path.abspath(path)
        self._decided[key] = self._decide_path(key)
        return self._decided[key]

    def decided_elsewhere(self, decision: Decision) -> None:
        """A decision of this gate's run taken in a worker process (workflow/gate/parallel.py),
        without its item's bytes: decided now. Whoever needs the bytes reads the file again,
        and it must hash the same (decide)."""
        self._decided[os.path.abspath(decision.item.path)] = decision

    def _restored(self, path: str, decision: Decision, front_matter: bool = True) -> Decision:
        raw = _read(path)
        if raw is None or hashlib.sha256(raw).hexdigest() != decision.item.sha256:
            raise BuildError(f"{decision.item.relpath} 在构建过程中被修改或删除：请等改动完成后重新构建")
        return replace(decision, item=items.restore(decision.item, raw, front_matter))

    def recall(self, path: str | os.PathLike[str]) -> bool:
        """Decide `path` from the store alone, if it holds the file's content and inputs."""
        key = os.path.abspath(path)
        if key not in self._decided:
            known = self._known(key)
            if known is None:
                return False
            self._decided[key] = known
        return True

    def inputs(self, item: Item) -> tuple[object, ...]:
        """What a decision about `item` rests on besides its bytes (and the store's key):
        the files it lists (by stat), the commits that touched it, and whether the
        items it links to exist."""
        root = self.group.root
        return (attachments.stat_key(item), self.checker.history.key(item.relpath),
                tuple((t, os.path.isfile(root / t)) for t in item.links))

    def _known(self, path: str) -> Decision | None:
        if self.store is None or symlink_in(Path(path), self.group.content) is not None:
            return None
        raw = _read(path)
        if raw is None:
            return None
        known = self.store.get((path, hashlib.sha256(raw).hexdigest()))
        if known is None or (known.item.meta is not None and self.inputs(known.item) != known.inputs):
            return None
        if known.day is not None and known.day != self.as_of.date():
            return None         # worked out from another day (a letter's deadline may have passed)
        return self._on_time(known)

    def _on_time(self, decision: Decision) -> Decision:
        """A remembered decision at this gate's moment: a scheduled item's date may have come."""
        if decision.state not in (State.PUBLISHED, State.SCHEDULED):
            return decision
        date: dt.datetime = decision.item.fields["date"]
        due = date > self.as_of
        return replace(decision, state=State.SCHEDULED if due else State.PUBLISHED)

    def _decide_path(self, path: str) -> Decision:
        started = time.process_time()
        try:
            item = self.checker.load(Path(path))
        except Exception as exc:
            rel = os.path.relpath(path, self.group.root)
            item = Item(Path(path), rel, None, None, b"")
            item.findings.append(internal_error(item, self.checker.load, exc))
        read = time.process_time()
        decision = self._decide(item)
        self.cpu["read"] += read - started
        self.cpu["gate"] += time.process_time() - read
        return decision

    def _decide(self, item: Item) -> Decision:
        self.checker.read_the_day = False
        decision = self._judge(item)
        if self.checker.read_the_day:
            decision.day = self.as_of.date()
        return decision

    def _judge(self, item: Item) -> Decision:
        findings = self.checker.check(item)
        if item.meta is None:
            return Decision(item, State.REFUSED, findings)
        try:
            inputs = self.inputs(item)
            withdrawn = None if has_errors(f for f in findings if f.rule == "internal.error") \
                else withdrawal.verified(item, self.checker)
            approvals = valid_approvals(item, self.checker) if not has_errors(findings) else {}
            times = approval_times(item, self.checker) if approvals else {}
            files = {n: d for n, _, d in self.checker.covered(item)}
        except Exception as exc:
            return Decision(item, State.REFUSED, findings + [internal_error(item, self._decide, exc)])
        volatile = any(f.rule == "approval.future" for f in findings)
        if withdrawn:   # a valid withdrawal wins over every other finding (复查撤除)
            return Decision(item, State.WITHDRAWN, findings, withdrawal=withdrawn, inputs=inputs,
                            volatile=volatile)
        if has_errors(findings):
            return Decision(item, State.REFUSED, findings, inputs=inputs, volatile=volatile)
        date: dt.datetime = item.fields["date"]
        state = State.SCHEDULED if date > self.as_of else State.PUBLISHED
        return Decision(item, state, findings, approvals, inputs=inputs, files=files, volatile=volatile,
                        approved_at={lv: approval.format_time(times[lv]) for lv in approvals if lv in times})

    def admit(self, decision: Decision) -> None:
        """Replace the decision on its item (a review preview shows pending items)."""
        self._decided[os.path.abspath(decision.item.path)] = decision
        self._all = None

    def decide_all(self, paths: Sequence[str | os.PathLike[str]] | None = None,
                   files: list[Path] | None = None, lean: bool = False,
                   front_matter: bool = True) -> list[Decision]:
        """Every item's decision (or those under `paths`; `files`: find_items already ran).
        `lean`: as `lean()` gives them, and dropping the bytes of those decided here;
        `front_matter`: as `decide`."""
        if paths:
            found = files or find_items(self.group, paths)
        else:                   # a gate decides at one moment: the group is read once
            if self._all is None:
                self._all = files or find_items(self.group)
            found = self._all
        if not lean:
            return [self.decide(p, front_matter) for p in found]
        out = []
        for p in found:
            key = os.path.abspath(p)
            decision = self._decided[key] = slim(self.lean(key))
            out.append(decision)
        return out


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None
