"""`govsite report`: the web office's report (issue 5). Its JSON figures equal the fixture's;
its HTML is self-contained, Chinese and accessible (axe-core in Chromium)."""
import importlib.util
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests import browser

AS_OF = "2026-11-25"
OFFICE, NDRC, HOUSING = "测试市人民政府办公室", "测试市发展和改革委员会", "测试市住房和城乡建设局"


@pytest.fixture(scope="module")
def fixture_group(tmp_path_factory, keys):
    from tests.repo import Repo

    repo = Repo(tmp_path_factory.mktemp("report") / "repo", keys)
    repo.site("portal", columns={
        "yaowen": {"name": "政务要闻", "type": "要闻"}, "tzgg": {"name": "通知公告", "type": "通知公告"},
        "zcwj": {"name": "政策文件", "type": "政策文件"}, "xinjian": {"name": "市长信箱", "type": "信件"}})
    repo.site("district", name="测试市某某区人民政府", type_="district", parent="portal",
              domain="district.test-city.gov.cn", columns={"yaowen": {"name": "区县要闻", "type": "要闻"}},
              reviewers={"qu.shen": {"name": "区审核人", "levels": ["终审"]}},
              review={"levels": ["终审"], "required": ["终审"]})

    def item(signer, **kw):
        path = repo.item(**kw)
        if signer:
            code, out, err = repo.approve(path, signer)
            assert code == 0, out + err
        return path

    letter = dict(column="xinjian", question="市民反映……", reply_unit=HOUSING, source=HOUSING)
    item("zhong.shen", slug="jiedu", title="关于某某办法的政策解读", date="2026-11-20 09:00", formed="2026-11-18")
    item("zhong.shen", slug="late", source=NDRC, date="2026-11-20 09:00", formed="2026-10-22")  # 21 working days
    item(None, slug="unsigned", source=NDRC, date="2026-11-21 09:00")
    item(None, slug="privacy", date="2026-11-21 09:00", body="联系人身份证 450102199003074471。\n")
    item("zhong.shen", slug="future", date="2026-12-01 09:00")
    item("zhong.shen", slug="sep", date="2026-09-10 09:00")
    item("zhong.shen", column="tzgg", slug="t", date="2026-10-15 09:00")
    item("zhong.shen", slug="late-letter", received="2026-11-02", replied="2026-11-13", date="2026-11-13 17:00",
         **letter)                                                                           # 9 working days
    item("zhong.shen", slug="ok-letter", received="2026-11-02", replied="2026-11-04", date="2026-11-04 17:00",
         **letter)                                                                           # 2 working days
    item("qu.shen", site="district", slug="d", source="测试市某某区人民政府", date="2026-11-24 09:00")
    repo.output.mkdir(exist_ok=True)
    (repo.output / "linkcheck.json").write_text(json.dumps({
        "sites": ["portal", "district"], "checked": 40,
        "broken": [{"url": "/portal/yaowen/nowhere.html", "parentname": "/portal/yaowen/jiedu.html",
                    "result": "404 Not Found", "valid": "False"}]}), encoding="utf-8")
    return repo


@pytest.fixture(scope="module")
def report(fixture_group):
    out = fixture_group.root / "web-office"
    code, stdout, err = fixture_group.govsite("report", "--as-of", AS_OF, "--year", "2026", "--output", out)
    assert code == 0, stdout + err
    assert "拒绝发布 2 条" in stdout and "逾期公开 1 条" in stdout
    return out


def data_of(report):
    return json.loads((report / "report.json").read_text(encoding="utf-8"))


def test_report_json_figures_per_site_equal_the_fixtures(report):
    data = data_of(report)
    portal, district = data["sites"]
    assert (data["as_of"], data["year"]) == (AS_OF, 2026)
    assert {k: portal[k] for k in ("id", "published", "scheduled", "refused", "refused_by_rule")} == {
        "id": "portal", "published": 6, "scheduled": 1, "refused": 2,
        "refused_by_rule": {"approval.missing": 2, "privacy.id-number": 1}}
    assert [e["path"] for e in portal["late_disclosures"]] == ["content/portal/yaowen/late.md"]
    assert "21 个工作日" in portal["late_disclosures"][0]["message"]
    assert [e["path"] for e in portal["overdue_letters"]] == ["content/portal/xinjian/late-letter.md"]
    assert (district["published"], district["refused"], district["late_disclosures"]) == (1, 0, [])
    assert data["totals"] == {"sites": 2, "published": 7, "scheduled": 1, "refused": 2, "late_disclosures": 1,
                              "overdue_letters": 1, "extension_problems": 0, "unanswered_3_months": 0,
                              "failing_sites": []}
    assert {e["path"] for e in data["refused"]} == {"content/portal/yaowen/unsigned.md",
                                                    "content/portal/yaowen/privacy.md"}


def test_report_freshness_and_monthly_counts(report):
    portal, district = data_of(report)["sites"]
    fresh = portal["freshness"]
    assert (fresh["newest"], fresh["home_stale"], fresh["verdict"]) == ("2026-11-20", False, "pass")
    assert (fresh["stale_columns"], fresh["empty_columns"]) == ([], ["zcwj"])
    assert list(portal["monthly"]) == ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
    assert {m: n for m, n in portal["monthly"].items() if n} == {"2026-09": 1, "2026-10": 1, "2026-11": 4}
    assert district["freshness"]["verdict"] == "pass"


def test_report_counts_per_source_unit(report):
    units = {u["source"]: u for u in data_of(report)["units"]}
    got = {s: (u["published"], u["scheduled"], u["refused"], len(u["late_disclosures"]), len(u["overdue_letters"]),
               u["sites"]) for s, u in units.items()}
    assert got == {
        OFFICE: (3, 1, 1, 0, 0, {"portal": 5}),
        NDRC: (1, 0, 1, 1, 0, {"portal": 2}),
        HOUSING: (2, 0, 0, 0, 1, {"portal": 2}),
        "测试市某某区人民政府": (1, 0, 0, 0, 0, {"district": 1}),
    }


def test_report_annual_figures(report):
    portal, district = (s["annual"]["figures"] for s in data_of(report)["sites"])
    assert {k: portal[k] for k in ("name", "url", "kind", "published", "overview", "news", "disclosure",
                                   "interpretations", "letters_received", "letters_answered",
                                   "letters_average_days", "letters_public", "visits")} == {
        "name": "测试市人民政府门户网站", "url": "https://www.test-city.gov.cn/", "kind": "政府门户网站",
        "published": 6, "overview": 0, "news": 3, "disclosure": 1,
        "interpretations": 0,                      # 解读 in a title is not a 解读: only `interprets` is
        "letters_received": 2, "letters_answered": 2, "letters_average_days": 6.5, "letters_public": 2,
        "visits": None}
    assert (district["published"], district["letters_average_days"], district["kind"]) == (1, "无", "政府门户网站")


def test_report_counts_broken_links_when_linkcheck_has_run(report):
    data = data_of(report)
    portal, district = data["sites"]
    assert data["linkcheck_ran"] is True
    assert portal["broken_links"]["linkcheck"] == 1 and district["broken_links"]["linkcheck"] == 0
    assert portal["broken_links"]["urls"][0]["url"] == "/portal/yaowen/nowhere.html"
    assert portal["broken_links"]["build"] is None     # no `govsite build` report in this folder


def test_report_html_is_self_contained_and_chinese(report):
    html = (report / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "zh-CN" and soup.title.string.startswith("政府网站群管理报告")
    assert not soup.find_all(["link", "script", "img", "iframe"])
    assert all(a["href"].startswith("#") for a in soup.find_all("a"))
    assert [h.get_text() for h in soup.find_all("h1")] == ["政府网站群管理报告"]
    assert soup.find("svg", attrs={"role": "img"}) is not None
    assert all(th.get("scope") in ("col", "row") for th in soup.find_all("th"))
    assert "450102199003074471" not in html and "450102********4471" in html
    for text in ("拒绝发布明细", "逾期公开", "超期答复信件", "单项否决", "2026 年度报表数据", "404 Not Found"):
        assert text in html


def axe_script() -> str:
    # Read axe-core ourselves: the package reads it at import time in the locale's
    # encoding, which fails under an ASCII locale.
    spec = importlib.util.find_spec("axe_playwright_python")
    return (Path(spec.origin).parent / "axe.min.js").read_text(encoding="utf-8")


def test_report_opens_from_disk_and_passes_axe(report, tmp_path):
    ctx = browser.new_context()
    try:
        page = browser.open_page(ctx)
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((report / "index.html").as_uri())
        assert page.locator("h2#site-portal").inner_text() == "测试市人民政府门户网站"
        violations = browser.axe(page, axe_script())      # contrast 4.5:1 for all text
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})    # a phone: tables scroll, the page does not
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    finally:
        ctx.close()
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
    assert [u for u in requests if not u.startswith("file://")] == []
    assert page.errors == []
    assert widths[0] <= widths[1]


@pytest.mark.parametrize("args,words", [
    (["--as-of", "下周一"], "--as-of"),
    (["--as-of", "2026-13-01"], "YYYY-MM-DD"),
    (["--year", "26"], "四位数字"),
    (["--year", "2027", "--as-of", "2026-11-25"], "晚于"),
    (["--output", "output/portal/webreport"], "发布目录"),
])
def test_report_refuses_bad_arguments_with_a_clear_message(fixture_group, args, words):
    args = [str(fixture_group.root / a) if a.startswith("output/") else a for a in args]
    code, out, err = fixture_group.govsite("report", *args)
    assert code == 2 and words in err and out == ""


def test_report_goes_to_output_webreport_by_default(fixture_group):
    code, out, err = fixture_group.govsite("report", "--as-of", AS_OF)
    assert code == 0, err
    assert (fixture_group.output / "webreport" / "index.html").is_file()
    assert data_of(fixture_group.output / "webreport")["year"] is None
    assert "annual" not in data_of(fixture_group.output / "webreport")["sites"][0]


def test_report_as_of_a_year_nobody_entered_says_so_and_refuses_nothing(repo):
    repo.site("portal", columns={"yaowen": {"name": "政务要闻", "type": "要闻"},
                                 "zcwj": {"name": "政策文件", "type": "政策文件"},
                                 "xinjian": {"name": "市长信箱", "type": "信件"}})
    path = repo.item(column="xinjian", slug="wei-dafu", question="市民反映……", reply_unit="测试市住建局",
                     received="2026-11-02", date="2026-11-03 09:00")
    assert repo.approve(path, "zhong.shen")[0] == 0
    code, out, err = repo.govsite("report", "--as-of", "2099-01-01", "--output", repo.root / "r")
    assert code == 0 and "2099 年的放假安排尚未录入" in err and "policy/holidays.yaml" in err
    data = data_of(repo.root / "r")
    assert data["refused"] == [] and data["provisional_years"] == []     # its deadline lies in 2026: official
    [letter] = data["sites"][0]["overdue_letters"]
    assert "截至 2099-01-01 尚未答复" in letter["message"]
    assert "超过 3 个月" in data["sites"][0]["interaction"]["letters"][0]["message"]


def test_report_counts_broken_links_found_by_the_build_and_by_linkcheck(group):
    group.item(slug="bu-cunzai")       # exists (check resolves the link) but is never approved: no page
    path = group.item(slug="you-cuolian", body="详见[另一条信息](/portal/yaowen/bu-cunzai.html)。\n")
    assert group.approve(path, "zhong.shen")[0] == 0
    code, out, err = group.build()
    assert code == 0, out + err
    code, out, err = group.govsite("report", "--as-of", "2026-11-25")
    assert code == 0, err
    links = data_of(group.output / "webreport")["sites"][0]["broken_links"]
    assert (links["build"], links["linkcheck"]) == (1, None)
    assert links["urls"][0]["page"] == "portal/yaowen/you-cuolian.html"
    assert "bu-cunzai.html" in links["urls"][0]["url"]

    code, out, err = group.govsite("linkcheck", "--output", group.output)
    assert code == 1, out + err
    assert group.govsite("report", "--as-of", "2026-11-25")[0] == 0
    data = data_of(group.output / "webreport")
    portal, district = data["sites"]
    assert data["linkcheck_ran"] is True
    assert (portal["broken_links"]["build"], portal["broken_links"]["linkcheck"]) == (1, 1)
    assert (district["broken_links"]["build"], district["broken_links"]["linkcheck"]) == (0, 0)
    found = [u for u in portal["broken_links"]["urls"] if u["by"] == "linkcheck"]
    assert [(u["url"], u["page"]) for u in found] == [("/portal/yaowen/bu-cunzai.html",
                                                       "/portal/yaowen/you-cuolian.html")]
