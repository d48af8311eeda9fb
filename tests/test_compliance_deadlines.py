"""Working days over chinese-calendar, 第十八条 disclosure and 第二十四条 letter deadlines (issue 5)."""
import datetime as dt

import pytest

from workflow import dates, workdays
from workflow.gate import Gate
from workflow.sites import load_group

D = dt.date


@pytest.mark.parametrize("start,end,expected", [
    # 2025 Spring Festival: off 28 Jan – 4 Feb; Sunday 26 Jan and Saturday 8 Feb are working days
    (D(2025, 1, 24), D(2025, 2, 10), 7),
    # 2025 National Day: off 1–8 Oct; Sunday 28 Sep and Saturday 11 Oct are working days
    (D(2025, 9, 26), D(2025, 10, 13), 7),
    # 2026 Spring Festival: off 15–23 Feb; Saturdays 14 and 28 Feb are working days
    (D(2026, 2, 13), D(2026, 2, 28), 6),
    # 2026 National Day: off 1–7 Oct; Sunday 20 Sep and Saturday 10 Oct are working days
    # (and Mid-Autumn, Friday 25 Sep, is off)
    (D(2026, 9, 18), D(2026, 10, 12), 12),
    (D(2026, 11, 20), D(2026, 11, 20), 0),
])
def test_working_days_across_holidays_and_their_make_up_saturdays(start, end, expected):
    assert workdays.count(start, end) == expected


def test_make_up_saturday_is_a_working_day_and_holiday_weekday_is_not():
    assert workdays.is_workday(D(2026, 2, 14)) and workdays.is_workday(D(2025, 10, 11))
    assert not workdays.is_workday(D(2026, 2, 16)) and not workdays.is_workday(D(2025, 10, 8))
    assert workdays.add(D(2026, 2, 13), 7) == D(2026, 3, 2)


@pytest.mark.parametrize("day", [D(2027, 1, 4), D(2099, 5, 1), D(2003, 6, 2)])
def test_year_outside_the_calendar_is_an_explicit_error(day):
    with pytest.raises(workdays.CalendarRangeError) as err:
        workdays.count(D(2026, 12, 1) if day.year > 2026 else day, day if day.year > 2026 else D(2026, 1, 5))
    assert err.value.year == day.year
    assert str(day.year) in err.value.message and "chinese-calendar" in err.value.fix


def test_short_span_into_an_unknown_year_needs_no_calendar():
    assert workdays.exceeds(D(2026, 12, 30), D(2027, 1, 4), 7) is False


@pytest.fixture
def letters(repo):
    repo.site("portal", columns={"yaowen": {"name": "政务要闻", "type": "要闻"},
                                 "zcwj": {"name": "政策文件", "type": "政策文件"},
                                 "xinjian": {"name": "市长信箱", "type": "信件"}})
    return repo


def decide(repo, path, as_of="2026-11-25 12:00"):
    """Findings of the gate as of a moment, leaving out the (absent) approvals."""
    gate = Gate(load_group(repo.root), dates.parse_datetime(as_of))
    return [f.to_dict() for f in gate.decide(path).findings if not f.rule.startswith("approval.")]


def letter(repo, slug, **fields):
    meta = {"date": "2026-11-20 09:30", "question": "市民反映……", "reply_unit": "测试市住建局",
            "received": "2026-02-13", **fields}
    return repo.item(column="xinjian", slug=slug, **meta)


def rules(findings):
    return sorted(f["rule"] for f in findings)


@pytest.mark.parametrize("fields,expected", [
    ({"replied": "2026-03-02"}, []),                           # the 7th working day after 13 Feb
    ({"replied": "2026-03-03"}, ["letter.overdue"]),           # the 8th
    ({"replied": "2026-03-18", "extended_to": "2026-03-20", "extension_approved_by": "分管副市长"}, []),
    ({"replied": "2026-03-23", "extended_to": "2026-03-20", "extension_approved_by": "分管副市长"},
     ["letter.overdue"]),
    ({"replied": "2026-03-10", "extended_to": "2026-03-20"},   # extension nobody approved
     ["letter.extension-unapproved", "letter.overdue"]),
    ({"replied": "2026-04-02", "extended_to": "2026-05-29", "extension_approved_by": "分管副市长"},
     ["letter.extension-too-long"]),                           # the 30th working day is 2 Apr
])
def test_letter_deadlines_with_and_without_extension(letters, fields, expected):
    path = letter(letters, "xin", **fields)
    assert rules(decide(letters, path)) == expected


def test_extension_is_capped_at_thirty_working_days(letters):
    thirtieth = workdays.add(D(2026, 2, 13), 30)
    assert thirtieth == D(2026, 4, 2)
    ok = letter(letters, "on-time", replied=str(thirtieth), extended_to="2026-05-29", extension_approved_by="副市长")
    late = letter(letters, "late", replied="2026-04-03", extended_to="2026-05-29", extension_approved_by="副市长")
    assert rules(decide(letters, ok)) == ["letter.extension-too-long"]
    assert rules(decide(letters, late)) == ["letter.extension-too-long", "letter.overdue"]


def test_unanswered_letter_is_overdue_as_of_the_report_date(letters):
    path = letter(letters, "wei-dafu", received="2026-11-02")
    assert rules(decide(letters, path, "2026-11-11 12:00")) == []          # 7 working days so far
    [f] = decide(letters, path, "2026-11-12 12:00")
    assert f["rule"] == "letter.overdue" and f["severity"] == "warning"
    assert "尚未答复" in f["message"] and "8 个工作日" in f["message"]


def test_disclosure_more_than_20_working_days_after_forming_is_late(repo):
    repo.site("portal")
    on_time = repo.item(slug="on-time", formed="2026-10-23")    # 20 working days before 20 Nov
    late = repo.item(slug="late", formed="2026-10-22")          # 21
    assert rules(decide(repo, on_time)) == []
    [f] = decide(repo, late)
    assert (f["rule"], f["severity"], f["field"]) == ("disclosure.late", "warning", "date")
    assert "21 个工作日" in f["message"]


def test_reprinted_document_is_not_judged_by_our_disclosure_deadline(repo):
    repo.site("portal")
    path = repo.item(column="zcwj", formed="2008-07-08", written="2008-07-08", republished=True)
    assert rules(decide(repo, path)) == []


@pytest.mark.parametrize("fields,rule,field,words", [
    ({"formed": "2026-11-25"}, "disclosure.formed-after-date", "formed", "晚于发布时间"),
    ({"formed": "上周三"}, "schema.type", "formed", "日期"),
    ({"formed": "2026-11-01", "date": "2099-01-01 09:00"}, "calendar.out-of-range", "date", "2099"),
])
def test_bad_disclosure_dates_give_one_clear_finding_each(repo, fields, rule, field, words):
    repo.site("portal")
    path = repo.item(**fields)
    [f] = decide(repo, path)
    assert (f["rule"], f["severity"], f["field"]) == (rule, "error", field)
    assert words in f["message"] and f["line"]


@pytest.mark.parametrize("fields,rule,field,words", [
    ({"replied": "2026-02-10"}, "letter.reply-before-received", "replied", "早于来信时间"),
    ({"replied": "昨天"}, "schema.type", "replied", "日期"),
    ({"received": "2099-01-05", "replied": "2099-01-20"}, "calendar.out-of-range", "received", "2099"),
    ({"replied": "2099-03-02"}, "calendar.out-of-range", "replied", "2099"),
])
def test_bad_letter_dates_give_one_clear_finding_each(letters, fields, rule, field, words):
    path = letter(letters, "bad", **fields)
    [f] = decide(letters, path)
    assert (f["rule"], f["severity"], f["field"]) == (rule, "error", field)
    assert words in f["message"]
    if rule == "calendar.out-of-range":
        assert "升级 chinese-calendar" in f["fix"]
