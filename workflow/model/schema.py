"""Declarative schemas for site.yaml and front matter.

Each field validates itself and fails with a finding that names the file,
the line, the field, what was expected and an example of the fix.
"""
from __future__ import annotations

import difflib
import re
import reprlib
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, TypedDict

from workflow.model import dates
from workflow.model.findings import ERROR, WARNING, Finding

KIND_LABELS = {
    "text": "非空文本",
    "date": "日期（YYYY-MM-DD）",
    "datetime": "日期时间（YYYY-MM-DD HH:MM）",
    "choice": "以下取值之一",
    "list": "列表",
    "mapping": "键值映射",
    "id": "小写英文、数字、点、横线组成的标识",
    "bool": "true 或 false",
    "int": "整数",
    "number": "数字",
    "any": "任意值",
}

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
MARKUP = re.compile(r"<\s*[A-Za-z!/?]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")   # a tag, comment or entity


def strings(value: object, name: str) -> Iterator[tuple[str, str]]:
    """(field name, text) of every string inside a value, walked without recursion."""
    stack: list[tuple[str, object]] = [(name, value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            yield where, v
        elif isinstance(v, list):
            stack.extend((f"{where}[{i}]", x) for i, x in reversed(list(enumerate(v))))
        elif isinstance(v, dict):
            stack.extend((f"{where}.{k}", x) for k, x in reversed(list(v.items())))


@dataclass
class Field:
    label: str                      # Chinese label shown to editors
    kind: str = "text"
    required: bool = False
    example: str = ""               # a valid value, used in the fix
    choices: tuple[str, ...] = ()
    item: Field | None = None     # element schema of a list
    fields: Schema | None = None    # nested schema of a mapping
    keys: Field | None = None     # schema of keys of a free mapping (id -> value)
    values: Field | None = None   # schema of values of a free mapping
    missing_rule: str | None = None  # rule id when missing (e.g. source.missing)
    hint: str = ""                  # extra words for the fix


Schema = dict[str, Field]       # field name -> its schema


class FieldOptions(TypedDict, total=False):
    """Options several fields share (`Field(label, **options)`)."""
    kind: str
    required: bool


@dataclass
class Context:
    path: str
    prefix: str                       # rule prefix, e.g. "schema" or "site"
    lines: dict[str, int] = dc_field(default_factory=dict)
    findings: list[Finding] = dc_field(default_factory=list)
    warn_unknown: bool = True         # unknown fields: warning (items) or error (site.yaml)
    raw: dict[str, str] = dc_field(default_factory=dict)   # top-level key -> its value as written

    def add(self, rule: str, severity: str, name: str, message: str, fix: str | None = None) -> None:
        top = name.split(".")[0].split("[")[0]
        self.findings.append(
            Finding(rule, severity, self.path, self.lines.get(top), message, name, fix)
        )


# What `govsite new` writes for a field still to be filled: it counts as missing.
PLACEHOLDER = "（待填写）"
PLACEHOLDERS = {PLACEHOLDER, "(待填写)", "待填写"}
BODY_PLACEHOLDER = "（在此填写正文）"     # what `govsite new` writes for the body


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str) and (not value.strip() or value.strip() in PLACEHOLDERS):
        return True
    if isinstance(value, (list, dict)) and not value:
        return True
    return False


def validate(data: dict[Any, Any], schema: Schema, ctx: Context, where: str = "") -> dict[str, Any]:
    """Validate a mapping (parsed YAML); return converted values of the valid fields."""
    out: dict[str, Any] = {}
    for name, spec in schema.items():
        full = f"{where}{name}"
        value = data.get(name)
        if is_blank(value):
            if spec.required:
                rule = spec.missing_rule or f"{ctx.prefix}.missing"
                ctx.add(rule, ERROR, full,
                        f"缺少必填字段 {full}（{spec.label}），或其值为空",
                        f"填写 `{name}: {spec.example}`" + (f"；{spec.hint}" if spec.hint else ""))
            continue
        converted = convert(value, spec, ctx, full)
        if converted is not _INVALID:
            out[name] = converted
    for name in data:
        if name in schema:
            continue
        full = f"{where}{name}"
        close = difflib.get_close_matches(str(name), list(schema), n=1, cutoff=0.6)
        fix = f"是否想写 `{close[0]}`？" if close else "删除该字段，或检查拼写"
        ctx.add(f"{ctx.prefix}.unknown-field",
                WARNING if ctx.warn_unknown else ERROR, full,
                f"未知字段 {full}", fix)
    return out


_INVALID = object()
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 2, 60, 60, 4, 4


def shown_value(value: object, written: str | None = None) -> str:
    """A value as the editor wrote it (when known), else a short rendering; never unbounded."""
    if written is not None:
        text = written.strip()
    elif isinstance(value, str):
        text = value
    else:
        text = _REPR.repr(value)
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "…"


def convert(value: object, spec: Field, ctx: Context, name: str) -> object:
    """The value converted to what `spec` says (a date, a list of ids…), or _INVALID
    after adding a finding."""
    def bad(expected: str | None = None) -> object:
        expected = expected or KIND_LABELS[spec.kind]
        shown = f"“{shown_value(value, ctx.raw.get(name))}”"
        ctx.add(f"{ctx.prefix}.type", ERROR, name,
                f"字段 {name}（{spec.label}）应为{expected}，实际是 {shown}",
                f"改为例如 `{name.split('.')[-1]}: {spec.example}`" if spec.example else f"改为{expected}")
        return _INVALID

    kind = spec.kind
    if kind == "text":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return bad()
        return str(value).strip()
    if kind == "id":
        if not isinstance(value, str) or not ID_RE.match(value):
            return bad()
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return bad()
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            return bad("不小于 0 的数字")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            return bad()
        return value
    if kind == "choice":
        if value not in spec.choices:
            return bad("以下取值之一：" + "、".join(map(str, spec.choices)))
        return value
    if kind == "date":
        try:
            return dates.parse_date(value)
        except ValueError:
            return bad(f"{KIND_LABELS[kind]}，且是真实存在的日期（{dates.FIRST_YEAR}–{dates.LAST_YEAR} 年）")
    if kind == "datetime":
        try:
            return dates.parse_datetime(value)
        except ValueError:
            return bad(f"{KIND_LABELS[kind]}，且是真实存在的时刻（{dates.FIRST_YEAR}–{dates.LAST_YEAR} 年）")
    if kind == "list":
        if isinstance(value, (str, int)) and spec.item and spec.item.kind in ("text", "id"):
            value = [value]  # a single value where a list is expected is accepted
        if not isinstance(value, list):
            return bad()
        out: list[object] = []
        for i, element in enumerate(value):
            if spec.item is None:
                out.append(element)
                continue
            if is_blank(element):
                ctx.add(f"{ctx.prefix}.type", ERROR, f"{name}[{i}]",
                        f"字段 {name} 的第 {i + 1} 项为空", "删除空项或填写内容")
                continue
            converted = convert(element, spec.item, ctx, f"{name}[{i}]")
            if converted is not _INVALID:
                out.append(converted)
        return out
    if kind == "mapping":
        if not isinstance(value, dict):
            return bad()
        if spec.fields is not None:
            return validate(value, spec.fields, ctx, f"{name}.")
        mapped: dict[object, object] = {}
        for key, element in value.items():
            if spec.keys is not None and convert(key, spec.keys, ctx, f"{name}.{key}") is _INVALID:
                continue
            if spec.values is None:
                mapped[key] = element
                continue
            converted = convert(element, spec.values, ctx, f"{name}.{key}")
            if converted is not _INVALID:
                mapped[key] = converted
        return mapped
    return value
