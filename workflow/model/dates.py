"""Dates are Asia/Shanghai. One parser for front matter, site.yaml and the CLI."""
from __future__ import annotations

import datetime as dt
import re
from typing import TypeVar
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


FIRST_YEAR, LAST_YEAR = 1900, 2100    # a date outside these is a typing error, not a date


_Day = TypeVar("_Day", dt.date, dt.datetime)


def _plausible(day: _Day) -> _Day:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"year {day.year} out of range")
    return day


def parse_date(value: object) -> dt.date:
    """A calendar date: a YAML date or 'YYYY-MM-DD', years 1900–2100. Raises ValueError."""
    try:
        return _plausible(_parse_date(value))
    except (OverflowError, TypeError) as exc:
        raise ValueError(value) from exc


def parse_datetime(value: object) -> dt.datetime:
    """A moment: 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS]' or ISO 8601 with offset,
    years 1900–2100. Naive values are Asia/Shanghai. Raises ValueError."""
    try:
        return _plausible(_parse_datetime(value))
    except (OverflowError, TypeError) as exc:
        raise ValueError(value) from exc


def _parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return to_local(value).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = _DATE.match(value.strip())
        if m:
            return dt.date(*map(int, m.groups()))
        return _parse_datetime(value).date()
    raise ValueError(value)


def _parse_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return to_local(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=TZ)
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    m = _DATE.match(text)
    if m:
        year, month, day = map(int, m.groups())
        return dt.datetime(year, month, day, tzinfo=TZ)
    m = _DATETIME.match(text)
    if not m:
        raise ValueError(value)
    y, mo, d, h, mi, s, off = m.groups()
    moment = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))
    if off is None:
        return moment.replace(tzinfo=TZ)
    if off == "Z":
        return moment.replace(tzinfo=dt.UTC).astimezone(TZ)
    sign = 1 if off[0] == "+" else -1
    digits = off[1:].replace(":", "")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment.replace(tzinfo=dt.timezone(sign * delta)).astimezone(TZ)


def to_local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TZ)
    return moment.astimezone(TZ)


def now() -> dt.datetime:
    return dt.datetime.now(TZ)


def today() -> dt.date:
    return now().date()
