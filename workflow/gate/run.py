"""One run of `govsite build` (or `check`): what it works with, made once and
handed to whoever needs it — the build's steps, and the Pelican plugins through
Pelican's settings (GOVSITE_RUN). Nothing is kept on module level: two runs in one
process (the tests, a long-lived service) never see each other's state.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.gate.gate import Decision, Gate
from workflow.model.sites import Group


def _nothing() -> None:
    return None


@dataclass
class Run:
    group: Group
    as_of: dt.datetime             # the moment the run judges by (scheduled items, deadlines)
    mode: str                      # preview | production | review
    gate: Gate                     # decides every item once; its Checker holds the run's memos
    before_fork: Callable[[], None] = field(default=_nothing)   # the CLI freezes the garbage collector here
    lent: dict[str, list[str]] = field(default_factory=dict)    # site -> paths of other sites' items it shows

    def own(self, site_id: str) -> list[Decision]:
        """The decisions of a site's items (remembered ones are recalled: their files are read again)."""
        return self.gate.decide_all([self.group.content / site_id], front_matter=False) \
            if (self.group.content / site_id).is_dir() else []

    def shown(self, site_id: str) -> list[Decision]:
        """What a site's pages are made of: its own items and those other sites lend it
        (syndication, topics, 解读: workflow/build/lending.py), set by the build. Plugins
        read these, never the whole group: a site is rebuilt when, and only when, they change."""
        return self.own(site_id) + [self.gate.decide(self.group.root / p, front_matter=False)
                                    for p in self.lent.get(site_id, [])]

    @property
    def signers_digest(self) -> str:
        """Which allowed_signers this run verified against."""
        return self.gate.checker.signers_digest


SETTING = "GOVSITE_RUN"


def of(settings: Mapping[str, Any]) -> Run:
    """The run a Pelican plugin works for (put into the site's settings by the build)."""
    run = settings.get(SETTING)
    if not isinstance(run, Run):
        from workflow.errors import BuildError
        raise BuildError("Pelican 插件只能在 govsite build 中运行：请运行 govsite build")
    return run
