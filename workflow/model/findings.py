"""Findings: errors are values with an id, a location and a Chinese message."""
from __future__ import annotations

from dataclasses import dataclass, asdict
from workflow.errors import ConfigError  # noqa: F401 - raised with findings

ERROR = "error"      # refuse: the item is not published
WARNING = "warning"  # publish, but report


@dataclass(frozen=True)
class Finding:
    rule: str                 # e.g. "approval.missing"
    severity: str             # ERROR | WARNING
    path: str                 # repository-relative path, posix
    line: int | None          # 1-based line in the file, when known
    message: str              # Chinese, for the editor: what is wrong
    field: str | None = None  # front-matter field concerned
    fix: str | None = None    # Chinese: how to fix it

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self, label: str | None = None) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        field = f"［{self.field}］" if self.field else ""
        level = label or ("错误" if self.severity == ERROR else "警告")
        text = f"{where}: {level} {self.rule} {field}{self.message}"
        if self.fix:
            text += f" 修改方法：{self.fix}"
        return text


def has_errors(findings) -> bool:
    return any(f.severity == ERROR for f in findings)
