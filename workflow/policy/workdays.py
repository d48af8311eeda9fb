"""Working days and the one deadline rule.

Which days are working days, for a date in year Y:
  1. the holiday file: workflow/data/holidays.yaml, a year of which the
     repository's policy/holidays.yaml replaces (the 国务院办公厅 notice: days
     off and 调休 working days) — official;
  2. else chinese-calendar, for the years it knows — official;
  3. else a provisional (暂定) year: the statutory holidays of 全国年节及纪念日放假办法
     (lunar dates from the `holidays` package), 第六条 补假 for a holiday on a
     weekend, weekends off, no 调休. Nothing resting on it is ever a refusal.

The deadline rule, for every limit counted in working days (disclosure 20,
letters 7, extensions at most 30): the start day is not counted; the n-th
working day after it is the last day on time; every later calendar day is late,
weekends and holidays included. A limit in months (互动回应差, 3 months) ends on
the same day of the month n months later (the month's last day if shorter).
Limits themselves are policy, kept in workflow/data/deadlines.yaml.
"""
from __future__ import annotations

import calendar as monthcal
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import chinese_calendar
from chinese_calendar.constants import holidays as _cc_holidays
from chinese_calendar.constants import workdays as _cc_workdays

from workflow.policy import holidayfile

CC_FIRST = min(_cc_holidays).year
CC_LAST = max(_cc_holidays).year
CC_VERSION = getattr(chinese_calendar, "__version__", "?")
ONE = dt.timedelta(days=1)

# The statutory holidays (全国年节及纪念日放假办法) as the `holidays` package names them.
STATUTORY = {"New Year's Day": "元旦", "Chinese New Year's Eve": "春节", "Chinese New Year (Spring Festival)": "春节",
             "Tomb-Sweeping Day": "清明节", "Labor Day": "劳动节", "Dragon Boat Festival": "端午节",
             "Mid-Autumn Festival": "中秋节", "National Day": "国庆节"}
# Years the lunar library cannot compute keep the solar-date holidays only.
FIXED = [(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)]


@dataclass(frozen=True)
class Deadline:
    """The last day on time of an n-working-day limit from `start`."""
    start: dt.date
    n: int
    day: dt.date
    provisional: tuple[int, ...] = ()     # provisional years the count went through

    def late(self, end: dt.date) -> bool:
        return end > self.day


class Calendar:
    """The working-day calendar of one repository (its holiday file and the library)."""

    def __init__(self, notices: dict[int, holidayfile.Notice] | None = None):
        self.notices = dict(sorted((notices or {}).items()))
        self._off: dict[dt.date, str] = {}
        self._work: set[dt.date] = set()
        for notice in self.notices.values():
            self._off.update(notice.off)
            self._work.update(notice.work)
        self._provisional: dict[int, frozenset[dt.date]] = {}

    @classmethod
    def load(cls, root: Path | None = None) -> Calendar:
        """The shipped holiday file, years replaced by <root>/policy/holidays.yaml.
        Raises ConfigError (Chinese, with lines) when a file is malformed."""
        return cls(holidayfile.load(root))

    # -- one day ------------------------------------------------------------------
    def official(self, year: int) -> bool:
        return year in self.notices or CC_FIRST <= year <= CC_LAST

    def source(self, year: int) -> str:
        if year in self.notices:
            n = self.notices[year]
            return f"{n.source}（{n.notice or '通知文号未录入'}）"
        if CC_FIRST <= year <= CC_LAST:
            return f"chinese-calendar {CC_VERSION}"
        return "暂定"

    def is_workday(self, day: dt.date) -> bool:
        if day in self._off:
            return False
        if day in self._work:
            return True
        year = day.year
        if year in self.notices:
            return day.weekday() < 5
        if CC_FIRST <= year <= CC_LAST:      # chinese_calendar.is_workday without its per-call checks (20x)
            return day in _cc_workdays or (day.weekday() < 5 and day not in _cc_holidays)
        return day.weekday() < 5 and day not in self.statutory_days_off(year)

    def provisional_day(self, day: dt.date) -> bool:
        return not (day in self._off or day in self._work or self.official(day.year))

    def statutory_days_off(self, year: int) -> frozenset[dt.date]:
        """Weekdays off in a provisional year: the statutory holidays and their 补假."""
        if year not in self._provisional:
            self._provisional[year] = provisional_days_off(year)
        return self._provisional[year]

    # -- the deadline rule ----------------------------------------------------------
    def deadline(self, start: dt.date, n: int) -> Deadline:
        """The n-th working day after `start` (start not counted): the last day on time."""
        day, left, provisional = start, n, set()
        while left > 0:
            day += ONE
            if self.provisional_day(day):
                provisional.add(day.year)
            if self.is_workday(day):
                left -= 1
        return Deadline(start, n, day, tuple(sorted(provisional)))

    def late(self, start: dt.date, end: dt.date, n: int) -> bool:
        """Is `end` after the n-th working day from `start`?"""
        return self.deadline(start, n).late(end)

    def count(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start):
        a letter received on Friday and answered on Monday took 1 working day."""
        n, day = 0, start
        while day < end:
            day += ONE
            n += self.is_workday(day)
        return n

    def provisional_years(self, start: dt.date, end: dt.date) -> tuple[int, ...]:
        """Provisional years among the days after `start` up to `end`."""
        if end <= start:
            return ()
        return tuple(y for y in range((start + ONE).year, end.year + 1) if not self.official(y))

    def describe(self) -> str:
        """Where the official years come from, for reports."""
        parts = [f"{y} 年：{self.source(y)}" for y in self.notices]
        parts.append(f"{CC_FIRST}–{CC_LAST} 年（未在节假日文件中的）：chinese-calendar {CC_VERSION}")
        return "；".join(parts)


def provisional_note(years) -> str:
    """What a message resting on a provisional year says (暂定), and how to fix it."""
    shown = "、".join(str(y) for y in years)
    return (f"（暂定：{shown} 年的放假安排尚未录入节假日文件，按法定节假日推算，未计调休；"
            f"国务院办公厅通知发布后录入 policy/holidays.yaml 即按正式安排计算）")


def provisional_years_in(message: str) -> list[int]:
    """The years a message written with provisional_note() rested on."""
    m = _NOTE_RE.search(message or "")
    return [int(y) for y in m.group(1).split("、")] if m else []


_NOTE_RE = re.compile(r"（暂定：(\d{4}(?:、\d{4})*) 年的放假安排尚未录入")


def months_deadline(start: dt.date, months: int) -> dt.date:
    """The last day on time of a limit of `months` calendar months from `start`:
    the same day of the month, or the month's last day if it is shorter."""
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(start.day, monthcal.monthrange(year, month)[1]))


def provisional_days_off(year: int) -> frozenset[dt.date]:
    """Weekdays off in `year` by 全国年节及纪念日放假办法 alone: its holidays (the
    lunar ones computed by the `holidays` package) and, by its 第六条, a
    weekday off after each holiday that falls on a weekend (补假). No 调休."""
    import holidays as holidays_pkg  # 0.1 s to import: only for a provisional year

    found = holidays_pkg.China(years=year, observed=False, language="en_US")
    days = sorted(d for d, names in found.items()
                  if d.year == year and all(n.strip() in STATUTORY for n in names.split(";")))
    if not any(STATUTORY.get(name.strip()) == "春节" for names in found.values() for name in names.split(";")):
        days = [dt.date(year, m, d) for m, d in FIXED]     # beyond the lunar tables: the solar dates only
    taken = set(days)
    off = {d for d in days if d.weekday() < 5}
    for d in days:
        if d.weekday() >= 5:       # 第六条: 适逢星期六、星期日，应当在工作日补假
            extra = d + ONE
            while extra.weekday() >= 5 or extra in taken:
                extra += ONE
            taken.add(extra)
            off.add(extra)
    return frozenset(off)

