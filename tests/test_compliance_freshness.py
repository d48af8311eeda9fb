"""Column freshness and the single-veto verdict, on a fixture group with controlled dates (issue 5)."""
import datetime as dt

import pytest

from workflow.gate.gate import Gate
from workflow.model import dates
from workflow.model.sites import load_group
from workflow.report import freshness

ONE_LEVEL = dict(reviewers={"zhong.shen": {"name": "终审人", "levels": ["终审"]}},
                 review={"levels": ["终审"], "required": ["终审"]})


def publish(repo, site, column, slug, day):
    path = repo.item(site=site, column=column, slug=slug, date=f"{day} 09:00")
    code, out, err = repo.approve(path, "zhong.shen")
    assert code == 0, out + err
    return path


def assess(repo, as_of):
    group = load_group(repo.root)
    moment = dt.datetime.combine(as_of, dt.time(23, 59), tzinfo=dates.TZ)
    return freshness.assess(group, Gate(group, moment).decide_all(), as_of)


@pytest.fixture
def timed(repo):
    """A portal with each column type at the edge of its limit as of 25 Nov 2026."""
    repo.site("portal", columns={
        "yaowen": {"name": "政务要闻", "type": "要闻"}, "dongtai": {"name": "工作动态", "type": "动态"},
        "tzgg": {"name": "通知公告", "type": "通知公告"}, "zcwj": {"name": "政策文件", "type": "政策文件"},
        "rsrm": {"name": "人事任免", "type": "人事任免"}, "zfcg": {"name": "政府采购", "type": "政府采购"},
    }, **ONE_LEVEL)
    publish(repo, "portal", "yaowen", "old", "2026-10-01")
    publish(repo, "portal", "yaowen", "new", "2026-11-11")     # 14 days before 25 Nov: fresh
    publish(repo, "portal", "dongtai", "d", "2026-11-10")      # 15 days: stale
    publish(repo, "portal", "tzgg", "t", "2026-05-25")         # exactly 6 months: fresh
    publish(repo, "portal", "zcwj", "z", "2026-05-24")         # 6 months and a day: stale
    repo.item(site="portal", column="rsrm", slug="unapproved", date="2026-11-20 09:00")   # refused: not counted
    return repo


def test_columns_at_the_edge_of_their_limits(timed):
    site = assess(timed, dt.date(2026, 11, 25))["portal"]
    state = {c.id: (c.published, c.stale, c.empty) for c in site.columns}
    assert state == {"yaowen": (2, False, False), "dongtai": (1, True, False), "tzgg": (1, False, False),
                     "zcwj": (1, True, False), "rsrm": (0, False, True), "zfcg": (0, False, True)}
    assert site.newest == dt.date(2026, 11, 11) and not site.home_stale
    assert site.verdict == freshness.PASS and site.reasons == []


def test_home_page_older_than_14_days_fails_the_single_veto(timed):
    site = assess(timed, dt.date(2026, 11, 26))["portal"]     # a day later, every limit is passed
    assert site.home_stale and [c.id for c in site.stale] == ["yaowen", "dongtai", "tzgg", "zcwj"]
    assert site.verdict == freshness.FAIL
    assert site.reasons == ["首页超过 14 天未更新"]
    assert site.to_dict()["verdict"] == "fail" and site.to_dict()["empty_columns"] == ["rsrm", "zfcg"]


def test_items_dated_after_the_report_date_do_not_count(timed):
    site = assess(timed, dt.date(2026, 11, 10))["portal"]
    assert site.newest == dt.date(2026, 11, 10)
    assert {c.id: c.published for c in site.columns}["yaowen"] == 1


@pytest.mark.parametrize("stale,verdict", [(4, freshness.PASS), (5, freshness.FAIL)])
def test_five_stale_columns_fail_the_single_veto(repo, stale, verdict):
    columns = {f"yw{i}": {"name": f"要闻{i}", "type": "要闻"} for i in range(stale)}
    repo.site("portal", columns={"gaikuang": {"name": "概况", "type": "概况"}, **columns}, **ONE_LEVEL)
    publish(repo, "portal", "gaikuang", "gk", "2026-11-20")     # keeps the home page fresh
    for cid in columns:
        publish(repo, "portal", cid, "x", "2026-10-01")
    site = assess(repo, dt.date(2026, 11, 25))["portal"]
    assert len(site.stale) == stale and not site.home_stale
    assert site.verdict == verdict
    assert site.reasons == ([] if verdict == freshness.PASS else ["5 个栏目不更新（达到 5 个即否决）"])


@pytest.mark.parametrize("empty,verdict", [(4, freshness.PASS), (5, freshness.FAIL)])
def test_five_empty_columns_fail_the_single_veto(repo, empty, verdict):
    columns = {f"c{i}": {"name": f"栏目{i}", "type": "专题"} for i in range(empty)}
    repo.site("portal", columns={"yaowen": {"name": "要闻", "type": "要闻"}, **columns}, **ONE_LEVEL)
    publish(repo, "portal", "yaowen", "x", "2026-11-20")
    site = assess(repo, dt.date(2026, 11, 25))["portal"]
    assert len(site.empty) == empty and site.verdict == verdict


def test_site_with_nothing_published_fails(repo):
    repo.site("portal", **ONE_LEVEL)
    site = assess(repo, dt.date(2026, 11, 25))["portal"]
    assert site.newest is None and site.home_stale and site.verdict == freshness.FAIL


def test_six_months_back_from_the_end_of_a_month():
    assert freshness.months_before(dt.date(2026, 8, 31), 6) == dt.date(2026, 2, 28)
    assert freshness.months_before(dt.date(2026, 3, 15), 6) == dt.date(2025, 9, 15)


def test_column_fed_by_another_site_is_as_fresh_as_what_it_lists(repo):
    repo.site("portal", columns={"yaowen": {"name": "要闻", "type": "要闻"},
                                 "xqdt": {"name": "县区动态", "type": "动态"}},
              syndication={"column": "yaowen", "rules": [{"sites": ["district"], "columns": ["yaowen"],
                                                          "into": "xqdt"}]}, **ONE_LEVEL)
    repo.site("district", name="测试市某某区人民政府", type_="district", parent="portal",
              domain="district.test-city.gov.cn", columns={"yaowen": {"name": "区县要闻", "type": "要闻"}},
              reviewers={"qu.shen": {"name": "区审核人", "levels": ["终审"]}},
              review={"levels": ["终审"], "required": ["终审"]})
    publish(repo, "portal", "yaowen", "p", "2026-11-20")
    path = repo.item(site="district", slug="d", date="2026-11-24 09:00")
    assert repo.approve(path, "qu.shen")[0] == 0
    columns = {c.id: c for c in assess(repo, dt.date(2026, 11, 25))["portal"].columns}
    assert (columns["xqdt"].published, columns["xqdt"].newest, columns["xqdt"].empty) == (1, dt.date(2026, 11, 24),
                                                                                           False)
