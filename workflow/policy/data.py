"""The city's policy as data: one loader for every data file.

A file in the repository's `policy/` folder replaces the one the package ships
in `workflow/data/` (the web office tunes its city's policy without touching
code). Each file is read as strict YAML and validated against its schema; a
broken file stops the command before anything is written, with a ConfigError
naming the file, the line, the field and the fix. Nothing is remembered here:
a run reads each file once and keeps what it read (workflow/rules Checker,
workflow/gate/run.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workflow import DATA
from workflow.model import yamlio
from workflow.model.findings import ERROR, ConfigError, Finding
from workflow.model.schema import Context, Field, validate

OVERRIDES = "policy"


@dataclass(frozen=True)
class Source:
    path: Path        # the file read
    shown: str        # how messages name it: policy/x.yaml or workflow/data/x.yaml


def source(root: Path | None, name: str) -> Source:
    """The repository's policy/<name> when it exists, else the shipped one."""
    if root is not None:
        own = Path(root) / OVERRIDES / name
        if own.is_file():
            return Source(own, f"{OVERRIDES}/{name}")
    return Source(DATA / name, f"workflow/data/{name}")


def load(root: Path | None, name: str, schema: dict[str, Field], rule: str) -> tuple[dict, Source]:
    """The validated content of policy file `name` and where it came from. Raises ConfigError."""
    src = source(root, name)
    loaded = yamlio.load_path(src.path)
    if loaded.error:
        raise ConfigError([Finding(rule, ERROR, src.shown, loaded.error_line, loaded.error, None,
                                   loaded.fix or "修正该行的缩进、冒号和引号；格式见文件开头的说明")])
    if not isinstance(loaded.data, dict):
        raise ConfigError([Finding(rule, ERROR, src.shown, 1, f"{src.shown} 应为“字段: 值”的映射", None,
                                   f"参照 workflow/data/{name} 的写法")])
    ctx = Context(src.shown, rule, loaded.lines, warn_unknown=False, raw=loaded.raw)
    data = validate(loaded.data, schema, ctx)
    if any(f.severity == ERROR for f in ctx.findings):
        raise ConfigError(ctx.findings)
    return data, src
