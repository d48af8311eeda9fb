"""Working days over the official holiday calendar (chinese-calendar).

A date outside the years the installed calendar knows is an explicit error
(CalendarRangeError naming the year and the fix), never a silent guess.
The deadlines themselves are policy, kept in workflow/data/deadlines.yaml.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml
from chinese_calendar.constants import holidays

FIRST_YEAR = min(holidays).year
LAST_YEAR = max(holidays).year
VERSION = getattr(chinese_calendar, "__version__", "?")
POLICY = Path(__file__).parent / "data" / "deadlines.yaml"


class CalendarRangeError(ValueError):
    """A date in a year the installed chinese-calendar does not know."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return (f"{self.year} 年不在节假日日历的范围内（chinese-calendar {VERSION} 只收录 "
                f"{FIRST_YEAR}–{LAST_YEAR} 年），无法计算工作日")

    @property
    def fix(self) -> str:
        return ("检查日期是否写错；日期无误时请运维升级 chinese-calendar"
                "（.venv/bin/pip install -U chinese-calendar，并更新 pyproject.toml 中的版本）")


def known(day: dt.date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


def check(*days: dt.date) -> None:
    for day in days:
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise CalendarRangeError(day.year)


def is_workday(day: dt.date) -> bool:
    check(day)
    return chinese_calendar.is_workday(day)


def count(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start).

    A letter received on a Friday and answered the next Monday took 1 working day.
    """
    if end <= start:
        return 0
    check(start, end)
    return len(chinese_calendar.get_workdays(start + dt.timedelta(days=1), end))


def exceeds(start: dt.date, end: dt.date, n: int) -> bool:
    """More than n working days from `start` to `end`?

    Within n calendar days it cannot be, so the calendar is not needed (a
    letter received in late December is judged before the new year's
    calendar is published).
    """
    if (end - start).days <= n:
        return False
    return count(start, end) > n


def add(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (the deadline of an n-working-day limit)."""
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


@lru_cache(maxsize=1)
def policy() -> dict:
    """The tunable limits of workflow/data/deadlines.yaml."""
    return yaml.safe_load(POLICY.read_text(encoding="utf-8"))
