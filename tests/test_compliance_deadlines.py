"""One deadline rule over the official calendar (issues 5 and 13): 第十八条 disclosure, 第二十四条 letters
and extensions, 互动回应差; holidays as data, a provisional calendar for years nobody has entered yet."""
import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.gate.gate import Gate
from workflow.model import dates
from workflow.model.sites import load_group
from workflow.policy import workdays

D = dt.date
ONE = dt.timedelta(days=1)
CALENDAR = workdays.Calendar.load()


def official_deadline(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start`, counted by chinese-calendar itself (not by the code under test)."""
    return chinese_calendar.get_workdays(start + ONE, min(start + dt.timedelta(days=100), D(2026, 12, 31)))[n - 1]


def first_day_off_after(day: dt.date) -> dt.date:
    day += ONE
    while chinese_calendar.is_workday(day):
        day += ONE
    return day


# (start, n, the last day on time): around 春节, 国庆, 劳动节, 元旦 and their 调休 Saturdays and Sundays.
DEADLINES = [
    ('2025-01-20', 7, '2025-02-05'),   # 一 -> 三
    ('2025-01-23', 7, '2025-02-08'),   # 四 -> 六
    ('2025-01-24', 7, '2025-02-10'),   # 五 -> 一
    ('2025-01-25', 7, '2025-02-10'),   # 六 -> 一
    ('2025-01-26', 7, '2025-02-11'),   # 日 -> 二
    ('2025-01-27', 7, '2025-02-12'),   # 一 -> 三
    ('2025-02-07', 7, '2025-02-17'),   # 五 -> 一
    ('2025-02-08', 7, '2025-02-18'),   # 六 -> 二
    ('2025-09-24', 7, '2025-10-10'),   # 三 -> 五
    ('2025-09-26', 7, '2025-10-13'),   # 五 -> 一
    ('2025-09-28', 7, '2025-10-14'),   # 日 -> 二
    ('2025-09-30', 7, '2025-10-16'),   # 二 -> 四
    ('2025-10-10', 7, '2025-10-20'),   # 五 -> 一
    ('2025-10-11', 7, '2025-10-21'),   # 六 -> 二
    ('2026-02-06', 7, '2026-02-24'),   # 五 -> 二
    ('2026-02-10', 7, '2026-02-26'),   # 二 -> 四
    ('2026-02-13', 7, '2026-03-02'),   # 五 -> 一
    ('2026-02-14', 7, '2026-03-03'),   # 六 -> 二
    ('2026-02-24', 7, '2026-03-04'),   # 二 -> 三
    ('2026-02-27', 7, '2026-03-09'),   # 五 -> 一
    ('2026-02-28', 7, '2026-03-10'),   # 六 -> 二
    ('2026-09-18', 7, '2026-09-29'),   # 五 -> 二
    ('2026-09-20', 7, '2026-09-30'),   # 日 -> 三
    ('2026-09-24', 7, '2026-10-12'),   # 四 -> 一
    ('2026-09-30', 7, '2026-10-15'),   # 三 -> 四
    ('2026-10-09', 7, '2026-10-19'),   # 五 -> 一
    ('2026-10-10', 7, '2026-10-20'),   # 六 -> 二
    ('2026-04-28', 7, '2026-05-11'),   # 二 -> 一
    ('2026-04-30', 7, '2026-05-13'),   # 四 -> 三
    ('2026-05-08', 7, '2026-05-18'),   # 五 -> 一
    ('2025-12-29', 7, '2026-01-08'),   # 一 -> 四
    ('2025-12-31', 7, '2026-01-12'),   # 三 -> 一
    ('2026-01-04', 7, '2026-01-13'),   # 日 -> 二
    ('2025-01-10', 20, '2025-02-13'),   # 五 -> 四
    ('2025-01-24', 20, '2025-02-27'),   # 五 -> 四
    ('2025-09-15', 20, '2025-10-17'),   # 一 -> 五
    ('2025-09-28', 20, '2025-10-31'),   # 日 -> 五
    ('2026-01-30', 20, '2026-03-05'),   # 五 -> 四
    ('2026-02-14', 20, '2026-03-20'),   # 六 -> 五
    ('2026-09-10', 20, '2026-10-14'),   # 四 -> 三
    ('2026-09-25', 20, '2026-10-29'),   # 五 -> 四
    ('2026-10-10', 20, '2026-11-06'),   # 六 -> 五
    ('2026-04-15', 20, '2026-05-15'),   # 三 -> 五
    ('2025-04-10', 20, '2025-05-12'),   # 四 -> 一
    ('2025-12-15', 20, '2026-01-13'),   # 一 -> 二
    ('2025-01-02', 30, '2025-02-19'),   # 四 -> 三
    ('2025-09-01', 30, '2025-10-17'),   # 一 -> 五
    ('2026-01-20', 30, '2026-03-09'),   # 二 -> 一
    ('2026-09-01', 30, '2026-10-19'),   # 二 -> 一
    ('2026-02-28', 30, '2026-04-13'),   # 六 -> 一
    ('2026-04-03', 30, '2026-05-20'),   # 五 -> 三
    ('2025-01-27', 1, '2025-02-05'),   # 一 -> 三
    ('2025-09-30', 1, '2025-10-09'),   # 二 -> 四
    ('2026-02-13', 1, '2026-02-14'),   # 五 -> 六
    ('2026-09-30', 1, '2026-10-08'),   # 三 -> 四
    ('2026-10-09', 1, '2026-10-10'),   # 五 -> 六
    ('2026-01-03', 1, '2026-01-04'),   # 六 -> 日
    ('2025-04-25', 1, '2025-04-27'),   # 五 -> 日
    ('2026-05-08', 1, '2026-05-09'),   # 五 -> 六
    ('2024-02-08', 7, '2024-02-23'),   # 四 -> 五
    ('2024-09-27', 7, '2024-10-12'),   # 五 -> 六
    ('2024-10-11', 1, '2024-10-12'),   # 五 -> 六
    ('2024-02-03', 20, '2024-03-06'),   # 六 -> 三
    ('2024-04-30', 7, '2024-05-13'),   # 二 -> 一
]


@pytest.mark.parametrize("start,n,last", DEADLINES)
def test_the_nth_working_day_after_the_start_is_the_last_day_on_time(start, n, last):
    start, last = D.fromisoformat(start), D.fromisoformat(last)
    assert official_deadline(start, n) == last                  # the table is the official calendar's
    deadline = CALENDAR.deadline(start, n)
    assert (deadline.day, deadline.provisional) == (last, ())
    assert not CALENDAR.late(start, last, n)
    assert CALENDAR.late(start, last + ONE, n)                  # the next calendar day is late
    assert CALENDAR.late(start, first_day_off_after(last), n)   # so is a weekend or holiday right after


def test_the_table_covers_enough_holiday_cases():
    assert len(DEADLINES) >= 60
    assert any(not chinese_calendar.is_workday(D.fromisoformat(s)) for s, _, _ in DEADLINES)
    assert any(D.fromisoformat(last).weekday() >= 5 for _, _, last in DEADLINES)     # ends on a 调休 Saturday


@settings(max_examples=300, deadline=None)
@given(start=st.dates(D(2004, 1, 1), D(2026, 8, 31)), n=st.integers(1, 30))
def test_deadline_agrees_with_the_official_calendar_for_any_start(start, n):
    assert CALENDAR.deadline(start, n).day == official_deadline(start, n)


@settings(max_examples=200, deadline=None)
@given(start=st.dates(D(2004, 1, 1), D(2026, 11, 30)), days=st.integers(0, 40))
def test_working_day_count_agrees_with_the_official_calendar(start, days):
    end = min(start + dt.timedelta(days=days), D(2026, 12, 31))
    expected = len(chinese_calendar.get_workdays(start + ONE, end)) if end > start else 0
    assert CALENDAR.count(start, end) == expected


def test_holiday_file_agrees_with_chinese_calendar_on_every_day_of_2025_and_2026():
    days = [D(2025, 1, 1) + dt.timedelta(days=i) for i in range(730)]
    assert {y: n.notice for y, n in CALENDAR.notices.items()} == {2025: "国办发明电〔2024〕12号",
                                                                   2026: "国办发明电〔2025〕7号"}
    assert [d for d in days if CALENDAR.is_workday(d) != chinese_calendar.is_workday(d)] == []


@pytest.mark.parametrize("year", [2025, 2026])
def test_provisional_calendar_gives_the_statutory_days_of_a_year_we_know(year):
    """Without the notice, a year has its statutory holidays and 补假 (第六条) off: exactly the
    official weekdays off less the 调休 ones (chinese-calendar's in-lieu days)."""
    from chinese_calendar.constants import in_lieu_days

    days = [D(year, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    official = {d for d in days if d.weekday() < 5 and not chinese_calendar.is_workday(d)}
    assert workdays.provisional_days_off(year) == official - set(in_lieu_days)


def test_a_year_nobody_entered_is_provisional_with_lunar_holidays_and_no_tiaoxiu():
    off = workdays.provisional_days_off(2027)
    # 除夕 Fri 5 Feb, 初一–初三 Sat 6 – Mon 8 Feb: Sat and Sun are made up on Tue 9 and Wed 10 (第六条)
    assert {D(2027, 2, 5), D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 10)} <= off
    assert {D(2027, 1, 1), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15), D(2027, 10, 1)} <= off
    assert not CALENDAR.official(2027) and CALENDAR.provisional_day(D(2027, 1, 4))
    assert not CALENDAR.is_workday(D(2027, 2, 20))          # a Saturday: no 调休 in a provisional year
    deadline = CALENDAR.deadline(D(2026, 12, 25), 7)
    assert (deadline.day, deadline.provisional) == (D(2027, 1, 6), (2027,))
    assert CALENDAR.deadline(D(2026, 12, 1), 7).provisional == ()    # ends in 2026: official


@pytest.mark.parametrize("start,months,last", [
    ("2026-11-20", 3, "2027-02-20"), ("2026-11-30", 3, "2027-02-28"), ("2027-11-30", 3, "2028-02-29"),
    ("2026-01-31", 1, "2026-02-28"), ("2026-10-31", 3, "2027-01-31"), ("2026-12-31", 3, "2027-03-31"),
])
def test_a_limit_in_months_ends_on_the_same_day_or_the_months_last_day(start, months, last):
    assert workdays.months_deadline(D.fromisoformat(start), months) == D.fromisoformat(last)


# -- the holiday file as the web office edits it ----------------------------------------------

YEAR_2027 = """2027:
  notice: 国办发明电〔2099〕1号   # test data: a plausible notice, not a real one
  holidays:
    - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
    - {name: 春节, from: 2027-02-05, to: 2027-02-13, work: [2027-02-20]}
"""


def test_repository_holiday_file_adds_a_year_and_takes_precedence(tmp_path):
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "holidays.yaml").write_text(
        YEAR_2027 + "2026:\n  holidays:\n    - {name: 元旦, from: 2026-01-01, to: 2026-01-05}\n", encoding="utf-8")
    cal = workdays.Calendar.load(tmp_path)
    assert cal.official(2027) and not cal.provisional_day(D(2027, 2, 11))
    assert not cal.is_workday(D(2027, 2, 11)) and cal.is_workday(D(2027, 2, 20))     # 调休 as entered
    assert not cal.is_workday(D(2026, 1, 5))              # the repository's 2026 replaces the shipped one
    assert cal.is_workday(D(2026, 2, 16))                 # ... whole: its 春节 is gone with it
    assert cal.deadline(D(2026, 12, 25), 7) == workdays.Deadline(D(2026, 12, 25), 7, D(2027, 1, 6), ())


@pytest.mark.parametrize("text,line,words", [
    ("2027:\n  holidays:\n    - {name: 春节, from: 2027-02-13, to: 2027-02-05}\n", 3, "早于第一天"),
    ("2027:\n  holidays:\n    - {name: 春节, from: 2027-02-05, to: 2027-03-05}\n", 3, "超过 15 天"),
    ("2027:\n  holidays:\n    - {name: 春节, from: 2028-02-05}\n", 3, "不在 2027 年内"),
    ("2027:\n  holidays:\n    - {name: 春节, from: 2027-02-05, work: [2027-02-17]}\n", 3, "本来就要上班"),
    ("2027:\n  holidays:\n    - {name: 春节, from: 2027-02-05, to: 2027-02-13, work: [2027-02-06]}\n", 3,
     "同时是春节的放假日"),
    ("2027:\n  holidays:\n    - {name: 春节, from: 2027-02-30}\n", 3, "日期"),
    ("2027:\n  notice: 国办发明电2026年第7号\n  holidays:\n    - {name: 元旦, from: 2027-01-01}\n", 2, "文号"),
    ("2027:\n  notice: 国办发明电〔2026〕7号\n", 1, "缺少必填字段 holidays"),
    ("2027:\n  holidays:\n    - {name: 元旦, form: 2027-01-01}\n", 3, "from"),
    ("二〇二七:\n  holidays: []\n", 1, "不是年份"),
    ("2027:\n  holidays:\n    - {name: 元旦, from: 2027-01-01}\n2027:\n  holidays: []\n", 4, "写了两次"),
    ("2027:\n  holidays:\n    - {name: 元旦, from: 2027-01-01\n", 4, "YAML"),
    ("2027:\n  holidays:\n    - {name: 春节, from: 2027-02-05, to: 2027-02-11}\n"
     "    - {name: 元宵, from: 2027-02-10}\n", 4, "重叠"),
    ("- 2027-01-01\n", 1, "映射"),
])
def test_a_malformed_holiday_file_is_refused_in_chinese_with_its_line(tmp_path, text, line, words):
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "holidays.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(workdays.holidayfile.ConfigError) as err:
        workdays.Calendar.load(tmp_path)
    found = err.value.findings
    assert any(words in f.message for f in found), [f.message for f in found]
    assert {f.path for f in found} == {"policy/holidays.yaml"}
    assert line in {f.line for f in found}


def test_a_malformed_holiday_file_stops_check_and_build_with_exit_2(group):
    (group.root / "policy").mkdir()
    (group.root / "policy" / "holidays.yaml").write_text(
        "2027:\n  holidays:\n    - {name: 春节, from: 2027-02-13, to: 2027-02-05}\n", encoding="utf-8")
    for command in (["check"], ["build", "--output", group.root / "output"]):
        code, out, err = group.govsite(*command)
        assert code == 2 and "policy/holidays.yaml:3" in err and "早于第一天" in err
    assert not (group.root / "output").exists()


# -- the rules ---------------------------------------------------------------------------

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
    ({"replied": "2026-03-21", "extended_to": "2026-03-20", "extension_approved_by": "分管副市长"},
     ["letter.overdue"]),                                      # a Saturday after the extension: late
    ({"replied": "2026-03-10", "extended_to": "2026-03-20"},   # extension nobody approved
     ["letter.extension-unapproved", "letter.overdue"]),
    ({"replied": "2026-04-02", "extended_to": "2026-05-29", "extension_approved_by": "分管副市长"},
     ["letter.extension-too-long"]),                           # the 30th working day is 2 Apr
    ({"replied": "2026-04-03", "extended_to": "2026-05-29", "extension_approved_by": "分管副市长"},
     ["letter.extension-too-long", "letter.overdue"]),
    ({"replied": "2026-04-02", "extended_to": "2026-04-02", "extension_approved_by": "分管副市长"}, []),
    ({"replied": "2026-04-03", "extended_to": "2026-04-03", "extension_approved_by": "分管副市长"},
     ["letter.extension-too-long", "letter.overdue"]),         # one calendar day past the 30th working day
    ({"replied": "2026-02-28", "extended_to": "2026-02-27", "extension_approved_by": "分管副市长"}, []),
])
def test_letter_deadlines_with_and_without_extension(letters, fields, expected):
    path = letter(letters, "xin", **fields)
    assert rules(decide(letters, path)) == expected


def test_a_saturday_or_holiday_after_the_deadline_is_late(letters):
    """Received on 调休 Sunday 20 Sep 2026: the 7th working day is Wed 30 Sep; 1 and 7 Oct are late."""
    path = letter(letters, "guoqing", received="2026-09-20")
    assert rules(decide(letters, path, "2026-09-30 18:00")) == []
    for day in ("2026-10-01", "2026-10-07"):
        [f] = decide(letters, path, f"{day} 12:00")
        assert f["rule"] == "letter.overdue" and "答复期限 2026-09-30" in f["message"]


def test_unanswered_letter_is_overdue_as_of_the_report_date(letters):
    path = letter(letters, "wei-dafu", received="2026-11-02")
    assert rules(decide(letters, path, "2026-11-11 12:00")) == []          # the 7th working day
    [f] = decide(letters, path, "2026-11-12 12:00")
    assert f["rule"] == "letter.overdue" and f["severity"] == "warning"
    assert "尚未答复" in f["message"] and "已超期 1 天" in f["message"] and "互动回应差" not in f["message"]


def test_a_letter_unanswered_past_three_months_is_said_to_be_a_single_veto(letters):
    path = letter(letters, "san-ge-yue", received="2026-08-20")
    [f] = decide(letters, path, "2026-11-20 12:00")
    assert "互动回应差" not in f["message"]                                   # 3 months end on 20 Nov
    [f] = decide(letters, path, "2026-11-21 12:00")
    assert "超过 3 个月（2026-11-20）未答复" in f["message"] and f["severity"] == "warning"


def test_disclosure_more_than_20_working_days_after_forming_is_late(repo):
    repo.site("portal")
    on_time = repo.item(slug="on-time", formed="2026-10-23")    # 20 Nov is the 20th working day
    late = repo.item(slug="late", formed="2026-10-22")
    assert rules(decide(repo, on_time)) == []
    [f] = decide(repo, late)
    assert (f["rule"], f["severity"], f["field"]) == ("disclosure.late", "warning", "date")
    assert "21 个工作日" in f["message"] and "最迟应于 2026-11-19" in f["message"]


def test_policy_deadline_runs_from_written_when_formed_is_absent(repo):
    """第十八条 by default: a policy written 1 June and published 20 Nov is late without any `formed`."""
    repo.site("portal")
    path = repo.item(column="zcwj", slug="zhengce", written="2026-06-01", date="2026-11-20 09:00")
    [f] = decide(repo, path)
    assert (f["rule"], f["field"]) == ("disclosure.late", "date") and "成文日期 2026-06-01" in f["message"]
    formed = repo.item(column="zcwj", slug="biangeng", written="2026-06-01", formed="2026-11-02",
                       date="2026-11-20 09:00")
    assert rules(decide(repo, formed)) == []                    # formed (a change) wins over written


def test_policy_with_neither_date_is_a_schema_error(repo):
    repo.site("portal")
    path = repo.item(column="zcwj", slug="wu-riqi", written=None)
    found = decide(repo, path)
    assert ("schema.missing", "written", "error") in {(f["rule"], f["field"], f["severity"]) for f in found}


def test_reprinted_document_is_not_judged_by_our_disclosure_deadline(repo):
    repo.site("portal")
    path = repo.item(column="zcwj", formed="2008-07-08", written="2008-07-08", republished=True)
    assert rules(decide(repo, path)) == []


@pytest.mark.parametrize("fields,as_of,rule,field", [
    ({"formed": "2026-12-20", "date": "2027-01-20 09:00"}, "2027-01-25 12:00", "disclosure.late", "date"),
    ({"formed": "2026-12-10", "date": "2027-01-08 09:00"}, "2027-01-25 12:00", None, None),
    ({"formed": "2027-01-04", "date": "2027-03-20 09:00"}, "2027-03-25 12:00", "disclosure.late", "date"),
])
def test_a_disclosure_judged_on_a_provisional_year_is_a_warning_saying_so(repo, fields, as_of, rule, field):
    repo.site("portal")
    path = repo.item(**fields)
    found = decide(repo, path, as_of)
    assert [f for f in found if f["severity"] == "error"] == []
    assert [(f["rule"], f["field"]) for f in found] == ([(rule, field)] if rule else [])
    assert all("暂定：2027 年" in f["message"] and "policy/holidays.yaml" in f["message"] for f in found)


@pytest.mark.parametrize("fields,as_of,expected", [
    ({"received": "2026-12-28"}, "2027-01-10 12:00", ["letter.overdue"]),
    ({"received": "2026-12-28"}, "2027-01-05 12:00", []),
    ({"received": "2026-12-28", "replied": "2027-01-06"}, "2027-02-15 12:00", []),
    ({"received": "2026-12-28", "replied": "2027-01-08"}, "2027-02-15 12:00", ["letter.overdue"]),
    ({"received": "2027-01-15", "extended_to": "2027-03-31", "extension_approved_by": "副市长"},
     "2027-02-15 12:00", ["letter.extension-too-long"]),
    ({"received": "2099-01-05", "replied": "2099-01-20"}, "2099-02-01 12:00", ["letter.overdue"]),
])
def test_a_letter_judged_on_a_provisional_year_is_never_refused(letters, fields, as_of, expected):
    path = letter(letters, "xin", date="2026-12-28 09:00", **fields)
    found = decide(letters, path, as_of)
    assert rules(found) == expected
    assert all(f["severity"] == "warning" and "暂定" in f["message"] for f in found)


@pytest.mark.parametrize("fields,rule,field,words", [
    ({"formed": "2026-11-25"}, "disclosure.formed-after-date", "formed", "晚于发布时间"),
    ({"formed": "上周三"}, "schema.type", "formed", "日期"),
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
    ({"extended_to": "2026-02-01", "extension_approved_by": "副市长"}, "letter.reply-before-received",
     "extended_to", "早于来信时间"),
])
def test_bad_letter_dates_give_one_clear_finding_each(letters, fields, rule, field, words):
    path = letter(letters, "bad", **fields)
    [f] = decide(letters, path)
    assert (f["rule"], f["severity"], f["field"]) == (rule, "error", field)
    assert words in f["message"]


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(
    st.text(max_size=200),
    st.builds(lambda y, a, b, w: f"{y}:\n  holidays:\n    - {{name: 节, from: {a}, to: {b}, work: [{w}]}}\n",
              st.integers(1000, 3500), st.dates(), st.dates(), st.dates())))
def test_any_holiday_file_loads_or_is_refused_in_chinese_never_a_traceback(tmp_path_factory, text):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "policy").mkdir()
    (root / "policy" / "holidays.yaml").write_text(text, encoding="utf-8")
    try:
        cal = workdays.Calendar.load(root)
    except workdays.holidayfile.ConfigError as err:
        assert err.findings and all(f.path == "policy/holidays.yaml" and f.message for f in err.findings)
    else:
        for notice in cal.notices.values():
            assert all(d.weekday() >= 5 for d in notice.work) and not (notice.work & set(notice.off))


def test_without_a_holiday_file_every_day_the_library_knows_is_as_the_library_says():
    bare = workdays.Calendar({})
    days = [D(2004, 1, 1) + dt.timedelta(days=i) for i in range((D(2026, 12, 31) - D(2004, 1, 1)).days + 1)]
    assert [d for d in days if bare.is_workday(d) != chinese_calendar.is_workday(d)] == []
    assert not any(bare.provisional_day(d) for d in days)
