"""The holiday file: the 国务院办公厅 notice of each year, as the web office enters it.

workflow/data/holidays.yaml ships the years we could verify; a repository's
policy/holidays.yaml adds years or replaces them (a year there replaces the
same year of the shipped file). Each year lists, as the notice does, every
holiday's days off and its 调休 working days. A malformed file stops the
command with Chinese errors naming the file, the line and the fix.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from workflow import DATA
from workflow.model import yamlio
from workflow.model.findings import ERROR, ConfigError, Finding
from workflow.model.schema import Context, Field, validate

SHIPPED = DATA / "holidays.yaml"
SHIPPED_NAME = "workflow/data/holidays.yaml"
OVERRIDE = "policy/holidays.yaml"
MAX_SPAN = 15                    # no holiday of a notice is longer than this many days
NOTICE_RE = re.compile(r"^\S+〔\d{4}〕\d+号$")

HOLIDAY = Field("节日", kind="mapping", fields={
    "name": Field("节日名称", required=True, example="春节"),
    "from": Field("放假第一天", kind="date", required=True, example="2026-02-15"),
    "to": Field("放假最后一天（只放一天可不写）", kind="date", example="2026-02-23"),
    "work": Field("调休上班日", kind="list", item=Field("日期", kind="date"), example="[2026-02-14, 2026-02-28]"),
})
YEAR = {
    "notice": Field("通知文号", example="国办发明电〔2025〕7号"),
    "title": Field("通知标题", example="国务院办公厅关于2026年部分节假日安排的通知"),
    "issued": Field("通知发布日期", kind="date", example="2025-11-04"),
    "holidays": Field("放假安排（通知的每一条）", kind="list", required=True, item=HOLIDAY,
                      example="[{name: 春节, from: 2026-02-15, to: 2026-02-23, work: [2026-02-14, 2026-02-28]}]"),
}


@dataclass
class Notice:
    year: int
    source: str                                   # the file it came from
    notice: str | None = None                     # 文号, when entered
    title: str | None = None
    issued: dt.date | None = None
    off: dict[dt.date, str] = field(default_factory=dict)    # day off -> holiday
    work: set[dt.date] = field(default_factory=set)           # 调休 working days


def load(root: Path | None = None) -> dict[int, Notice]:
    """Every year of the shipped file, years replaced by the repository's file."""
    findings: list[Finding] = []
    years = parse_file(SHIPPED, SHIPPED_NAME, findings)
    override = Path(root) / OVERRIDE if root else None
    if override is not None and override.is_file():
        years.update(parse_file(override, OVERRIDE, findings))
    if findings:
        raise ConfigError(findings)
    return years


def parse_file(path: Path, name: str, findings: list[Finding]) -> dict[int, Notice]:
    def bad(line, message, fix, field_name=None):
        findings.append(Finding("holidays.invalid", ERROR, name, line, message, field_name, fix))

    loaded = yamlio.load_path(path)
    if loaded.error:
        bad(loaded.error_line, loaded.error, "修正该行的缩进、冒号和括号；格式见文件开头的说明")
        return {}
    if loaded.data is None:
        return {}
    if not isinstance(loaded.data, dict):
        bad(1, "节假日文件应为“年份: 安排”的映射", "参照 workflow/data/holidays.yaml 的写法")
        return {}
    lines, duplicates = key_lines(path.read_text(encoding="utf-8-sig"))
    for key, where in duplicates:
        bad(where, f"“{key}”重复出现（后一个会悄悄覆盖前一个）", "删除或合并重复的一项")
    out = {}
    for key, data in loaded.data.items():
        line = lines.get(str(key))
        if isinstance(key, bool) or not isinstance(key, int) or not 1949 < key < 3000:
            bad(line, f"“{key}”不是年份", "每一年写成四位数字的年份，例如 `2027:`")
            continue
        notice = parse_year(key, data, name, lines, findings)
        if notice is not None:
            out[key] = notice
    return out


class _YearContext(Context):
    """A schema context that finds the line of a nested field (holidays[1].from)."""

    def __init__(self, path, year, lines):
        super().__init__(path, "holidays", warn_unknown=False)
        self.year, self.all_lines = year, lines

    def add(self, rule, severity, name, message, fix=None):
        rule = "holidays.invalid" if rule.startswith("holidays.") else rule
        self.findings.append(Finding(rule, severity, self.path, line_for(self.all_lines, f"{self.year}.{name}"),
                                     f"{self.year} 年：{message}", name, fix))


def line_for(lines: dict[str, int], path: str) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:max(path.rfind("."), path.rfind("["), 0)]
    return None


def parse_year(year: int, data, name: str, lines: dict, findings: list[Finding]) -> Notice | None:
    ctx = _YearContext(name, year, lines)
    if not isinstance(data, dict):
        ctx.add("holidays.invalid", ERROR, "", "应为包含 notice、holidays 的映射",
                "参照文件中已有年份的写法")
        findings.extend(ctx.findings)
        return None
    values = validate(data, YEAR, ctx)
    number = values.get("notice")
    if number and not NOTICE_RE.match(number):
        ctx.add("holidays.invalid", ERROR, "notice", f"通知文号“{number}”的格式不对",
                "照通知原文填写，例如 `notice: 国办发明电〔2025〕7号`；不知道文号时删除这一行，不要估填")
    first, last = dt.date(year - 1, 12, 1), dt.date(year, 12, 31)
    notice = Notice(year, name, number, values.get("title"), values.get("issued"))
    ranges: list[tuple[str, dt.date, dt.date]] = []
    for i, h in enumerate(values.get("holidays") or []):
        where = f"holidays[{i}]"
        if "from" not in h or "name" not in h:
            continue
        start, end = h["from"], h.get("to", h["from"])
        problem = None
        if end < start:
            problem = (f"{h['name']}的放假最后一天 {end} 早于第一天 {start}", "核对 from 和 to")
        elif (end - start).days >= MAX_SPAN:
            problem = (f"{h['name']}放假 {(end - start).days + 1} 天，超过 {MAX_SPAN} 天，可能写错了日期",
                       "核对 from 和 to")
        elif not (first <= start and end <= last):
            problem = (f"{h['name']}的放假日期 {start}–{end} 不在 {year} 年内", f"填写 {year} 年通知中的日期")
        if problem:
            ctx.add("holidays.invalid", ERROR, f"{where}.from", *problem)
            continue
        for other_name, o_start, o_end in ranges:
            if start <= o_end and o_start <= end:
                ctx.add("holidays.invalid", ERROR, f"{where}.from",
                        f"{h['name']}的放假日期与{other_name}重叠", "合并为一条（如“国庆节、中秋节”）或改正日期")
        ranges.append((h["name"], start, end))
        day = start
        while day <= end:
            notice.off[day] = h["name"]
            day += dt.timedelta(days=1)
    for i, h in enumerate(values.get("holidays") or []):
        for j, day in enumerate(h.get("work") or []):
            where = f"holidays[{i}].work[{j}]"
            if not first <= day <= last:
                ctx.add("holidays.invalid", ERROR, where, f"调休上班日 {day} 不在 {year} 年内",
                        f"填写 {year} 年通知中的日期")
            elif day in notice.off:
                ctx.add("holidays.invalid", ERROR, where, f"调休上班日 {day} 同时是{notice.off[day]}的放假日",
                        "核对通知：上班日不会在放假期间")
            elif day.weekday() < 5:
                ctx.add("holidays.invalid", ERROR, where,
                        f"调休上班日 {day} 是星期{'一二三四五'[day.weekday()]}，本来就要上班",
                        "调休上班日是通知中写明“上班”的周六或周日，核对日期")
            else:
                notice.work.add(day)
    findings.extend(ctx.findings)
    return None if ctx.findings else notice


def key_lines(text: str) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """The 1-based line of every mapping key and list element, by dotted path
    (`2026.holidays[1].from`), and the keys that occur twice in one mapping."""
    lines: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return lines, duplicates

    def walk(node, path):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key, value in node.value:
                name = f"{path}.{key.value}" if path else str(key.value)
                if key.value in seen:
                    duplicates.append((name, key.start_mark.line + 1))
                seen.add(key.value)
                lines.setdefault(name, key.start_mark.line + 1)
                walk(value, name)
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                name = f"{path}[{i}]"
                lines.setdefault(name, value.start_mark.line + 1)
                walk(value, name)

    walk(root, "")
    return lines, duplicates
