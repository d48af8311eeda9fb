"""The rule set: one place, three callers (pre-commit, `govsite check`, the build).

Each rule is a function `rule(item, ctx) -> iterable of Finding`. Every module
of this package lists its rules in `RULES` and its place in `ORDER` (lower runs
first); adding a module adds its rules. Rules after `basics.fields` may rely on
`item.fields` (the validated, converted front matter); no rule runs for an item
whose front matter could not be read at all.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import cached_property
from pathlib import Path

from .. import approval, dates, items, workdays
from ..findings import ERROR, ConfigError, Finding
from . import basics


def _discover() -> list:
    modules = [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]
    modules.sort(key=lambda m: (getattr(m, "ORDER", 50), m.__name__))
    return [rule for m in modules for rule in getattr(m, "RULES", [])]


RULES = _discover()


class Checker:
    """Everything the rules need about the group, loaded once."""

    def __init__(self, group, as_of=None):
        self.group = group
        self.as_of = as_of or dates.today()
        self.calendar = workdays.Calendar.load(group.root)   # a malformed holiday file: ConfigError now, before any fork

    @cached_property
    def signers(self) -> list:
        path = self.group.root / approval.ALLOWED_SIGNERS
        if not path.exists():
            return []
        try:
            return approval.load_signers(path)
        except approval.SignerError as exc:
            raise ConfigError([Finding("config.allowed-signers", ERROR, approval.ALLOWED_SIGNERS, None,
                                       str(exc), None, "按 OpenSSH allowed_signers 格式修正该行")]) from exc

    def site(self, item):
        return self.group.sites.get(item.site_id)

    def load(self, path: Path) -> items.Item:
        return items.load(path, self.group.root)

    def check(self, item) -> list[Finding]:
        findings = list(item.findings)
        if item.meta is None:
            return findings
        for rule in RULES:
            findings.extend(rule(item, self))
            if rule is basics.location and any(f.rule.startswith("schema.location") for f in findings):
                break
        return findings
