"""互动交流 as pages show it: a letter's status, a survey's phase.

A static site takes no letters and no questionnaires: 我要写信, 信件查询 and
参与调查 lead to the platform named in site.yaml (`interaction`); the site
publishes letters with their replies, and surveys with their results.
"""
from __future__ import annotations

import datetime as dt

REPLIED, EXTENDED, OPEN = "已办结", "延期办理", "办理中"
UPCOMING, COLLECTING, CLOSED, RESULTS = "未开始", "征集中", "已结束", "结果已公布"


def letter_status(fields: dict) -> str:
    if fields.get("replied"):
        return REPLIED
    return EXTENDED if fields.get("extended_to") else OPEN


def survey_phase(fields: dict, today: dt.date) -> str:
    """Where a survey stands on `today` (the build's day): it changes by the calendar
    alone, so site fingerprints include it (workflow/build/cache.py, build/summary.py)."""
    if fields.get("results_published") and fields["results_published"] <= today:
        return RESULTS
    if fields.get("opens") and today < fields["opens"]:
        return UPCOMING
    if fields.get("closes") and today > fields["closes"]:
        return CLOSED
    return COLLECTING
