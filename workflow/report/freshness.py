"""Column freshness as of a date (national inspection indicators, single veto):
the home page's newest item at most 14 days old; 要闻/动态 columns with an item
in the last 14 days; 通知公告/政策文件 columns with one in the last 6 months;
and not 5 or more stale, nor 5 or more empty columns. Limits: data/deadlines.yaml.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict, dataclass, field

from workflow.build import syndication
from workflow.policy import limits as policy_limits
from workflow.review.permissions import State

PASS, FAIL = "pass", "fail"


@dataclass
class ColumnState:
    id: str
    name: str
    type: str
    published: int               # published items (own, and listed from other sites)
    newest: dt.date | None
    due: dt.date | None          # the oldest newest-item date that still counts as fresh
    stale: bool = False
    empty: bool = False


@dataclass
class SiteFreshness:
    site: str
    name: str
    as_of: dt.date
    newest: dt.date | None       # newest published item: what the home page shows first
    home_due: dt.date
    columns: list[ColumnState] = field(default_factory=list)
    thresholds: dict = field(default_factory=dict)

    @property
    def home_stale(self) -> bool:
        return self.newest is None or self.newest < self.home_due

    @property
    def stale(self) -> list[ColumnState]:
        return [c for c in self.columns if c.stale]

    @property
    def empty(self) -> list[ColumnState]:
        return [c for c in self.columns if c.empty]

    @property
    def reasons(self) -> list[str]:
        """Why the site fails the single veto (Chinese), empty when it passes."""
        out = []
        if self.home_stale:
            out.append(f"首页超过 {self.thresholds['home_days']} 天未更新")
        if len(self.stale) >= self.thresholds["stale_columns_veto"]:
            out.append(f"{len(self.stale)} 个栏目不更新（达到 {self.thresholds['stale_columns_veto']} 个即否决）")
        if len(self.empty) >= self.thresholds["empty_columns_veto"]:
            out.append(f"{len(self.empty)} 个空白栏目（达到 {self.thresholds['empty_columns_veto']} 个即否决）")
        return out

    @property
    def verdict(self) -> str:
        return FAIL if self.reasons else PASS

    def to_dict(self) -> dict:
        columns = [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(c).items()}
                   for c in self.columns]
        return {
            "as_of": self.as_of.isoformat(),
            "newest": self.newest.isoformat() if self.newest else None,
            "home_stale": self.home_stale,
            "columns": columns,
            "stale_columns": [c["id"] for c in columns if c["stale"]],
            "empty_columns": [c["id"] for c in columns if c["empty"]],
            "verdict": self.verdict,
            "reasons": self.reasons,
        }


def months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def assess(group, decisions, as_of: dt.date, deadlines: dict | None = None) -> dict[str, SiteFreshness]:
    """Freshness of every site of `group`, from the gate's decisions as of `as_of` (the
    thresholds of deadlines.yaml, read now unless given)."""
    limits = (deadlines or policy_limits.deadlines(group.root))["freshness"]
    news_due = as_of - dt.timedelta(days=limits["news_days"])
    notice_due = months_before(as_of, limits["notice_months"])
    dates: dict[tuple[str, str], list[dt.date]] = {}
    for d in decisions:
        if d.state == State.PUBLISHED and d.item.fields["date"].date() <= as_of:
            dates.setdefault((d.item.site_id, d.item.column), []).append(d.item.fields["date"].date())
    result = {}
    for site in group.sites.values():
        # a column fed by other sites (网上采集) is as fresh as what it lists
        for column, entries in syndication.entries_for(site.id, decisions, group, "preview").items():
            dates.setdefault((site.id, column), []).extend(
                e.date.date() for e in entries if e.date.date() <= as_of)
        columns = []
        for col in site.columns.values():
            got = dates.get((site.id, col.id), [])
            newest = max(got) if got else None
            due = news_due if col.type in limits["news_types"] else \
                notice_due if col.type in limits["notice_types"] else None
            columns.append(ColumnState(col.id, col.name, col.type, len(got), newest, due,
                                       stale=newest is not None and due is not None and newest < due, empty=not got))
        newest = max((c.newest for c in columns if c.newest), default=None)
        result[site.id] = SiteFreshness(site.id, site.name, as_of, newest,
                                        as_of - dt.timedelta(days=limits["home_days"]), columns, limits)
    return result
