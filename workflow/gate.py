"""The publishing gate: per item, publish or refuse, with the reasons.

Used by `govsite check`, by `govsite build` (for its report) and by the Pelican
plugins (to drop refused items), so all three decide alike. Decisions are
cached by path and content hash.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import dates, withdrawal
from .findings import Finding, has_errors
from .items import Item, find_items
from .policy import State
from .rules import Checker
from .rules.approvals import valid_approvals
from .sites import Group, load_group


@dataclass
class Decision:
    item: Item
    state: State
    findings: list[Finding] = field(default_factory=list)
    approvals: dict[str, str] = field(default_factory=dict)   # level -> reviewer id
    withdrawal: dict | None = None                            # the verified withdrawal, if WITHDRAWN

    @property
    def published(self) -> bool:
        return self.state == State.PUBLISHED


class Gate:
    def __init__(self, group: Group, as_of: dt.datetime | None = None, store=None):
        self.group = group
        self.as_of = as_of or dates.now()
        self.checker = Checker(group, self.as_of.date())
        self.store = store       # decisions of earlier builds by content hash (workflow.buildcache)
        self._decided: dict[str, Decision] = {}    # a gate decides at one moment: each file is read once
        self._all: list[Decision] | None = None

    def decide(self, path: Path) -> Decision:
        path = os.path.abspath(path)
        if not self.recall(path):
            self._decided[path] = self._decide(self.checker.load(Path(path)))
        return self._decided[path]

    def recall(self, path: Path) -> bool:
        """Decide `path` from the store alone, if it holds the file's content."""
        path = os.path.abspath(path)
        if path not in self._decided:
            known = self._known(path, self._read(path))
            if known is None:
                return False
            self._decided[path] = known
        return True

    @staticmethod
    def _read(path: str) -> bytes | None:
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def _known(self, path: str, raw: bytes | None) -> Decision | None:
        if raw is None or self.store is None:
            return None
        known = self.store.get((path, hashlib.sha256(raw).hexdigest()), raw)
        return self._on_time(known) if known else None

    def _on_time(self, decision: Decision) -> Decision:
        """A remembered decision at this gate's moment: a scheduled item's date may have come."""
        if decision.state not in (State.PUBLISHED, State.SCHEDULED):
            return decision
        due = decision.item.fields["date"] > self.as_of
        return replace(decision, state=State.SCHEDULED if due else State.PUBLISHED)

    def _decide(self, item: Item) -> Decision:
        findings = self.checker.check(item)
        withdrawn = withdrawal.verified(item, self.checker) if item.meta is not None else None
        if withdrawn:   # a valid withdrawal wins over every other finding (复查撤除)
            return Decision(item, State.WITHDRAWN, findings, withdrawal=withdrawn)
        if has_errors(findings) or item.meta is None:
            return Decision(item, State.REFUSED, findings)
        approvals = valid_approvals(item, self.checker)
        if item.fields["date"] > self.as_of:
            return Decision(item, State.SCHEDULED, findings, approvals)
        return Decision(item, State.PUBLISHED, findings, approvals)

    def decide_all(self, paths=None, files=None) -> list[Decision]:
        """Every item's decision (or those under `paths`; `files`: find_items already ran)."""
        if paths:
            return [self.decide(p) for p in files or find_items(self.group, paths)]
        if self._all is None:    # a gate decides at one moment: the group is read once
            self._all = [self.decide(p) for p in files or find_items(self.group)]
        return list(self._all)


_GATES: dict[tuple, Gate] = {}


def gate_for(root: Path, as_of: dt.datetime | None = None) -> Gate:
    """One gate per repository and moment, shared by the build and the plugins."""
    moment = as_of.isoformat() if as_of else None
    gate = _GATES.get((str(root), moment))      # asked for every item: skip resolving a resolved root
    if gate is not None:
        return gate
    key = (str(Path(root).resolve()), moment)
    if key not in _GATES:
        _GATES[key] = Gate(load_group(Path(root)), as_of)
    return _GATES[key]


def register(gate: Gate, root: Path, as_of: dt.datetime | None) -> None:
    """Share a gate the build already made with the plugins of the same process."""
    _GATES[(str(Path(root).resolve()), as_of.isoformat() if as_of else None)] = gate
