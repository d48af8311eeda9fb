"""Findings: errors are values with an id, a location and a Chinese message."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

from workflow.errors import ConfigError as ConfigError  # re-exported: raised with findings


class Severity(str, Enum):
    """What a finding does to its item; the value is what report.json and --json show."""
    ERROR = "error"          # refuse: the item is not published
    WARNING = "warning"      # publish, but report

    def __str__(self) -> str:
        return self.value


ERROR = Severity.ERROR
WARNING = Severity.WARNING


@dataclass(frozen=True)
class Finding:
    rule: str                 # e.g. "approval.missing"
    severity: str             # Severity.ERROR | Severity.WARNING (a plain "error"/"warning" read from JSON)
    path: str                 # repository-relative path, posix
    line: int | None          # 1-based line in the file, when known
    message: str              # Chinese, for the editor: what is wrong
    field: str | None = None  # front-matter field concerned
    fix: str | None = None    # Chinese: how to fix it

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data

    def format(self, label: str | None = None) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        field = f"［{self.field}］" if self.field else ""
        level = label or ("错误" if self.severity == ERROR else "警告")
        text = f"{where}: {level} {self.rule} {field}{self.message}"
        if self.fix:
            text += f" 修改方法：{self.fix}"
        return text


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)
