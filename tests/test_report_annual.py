"""The annual report as the national 政府网站工作年度报表 (HTML, CSV, XLSX), 政策解读 by relation with
links both ways, and 互动回应差 judged per site (issue 13)."""
import csv
import io
import json

import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.group_setup import main_of, page, published
from workflow.build import interpretation
from workflow.report import annual

AS_OF, YEAR = "2026-12-31", "2026"
PORTAL_COLUMNS = {
    "gaikuang": {"name": "城市概况", "type": "概况"}, "yaowen": {"name": "政务要闻", "type": "要闻"},
    "tzgg": {"name": "通知公告", "type": "通知公告"}, "zcwj": {"name": "政策文件", "type": "政策文件"},
    "zhuanti": {"name": "专题专栏", "type": "专题"}, "bszn": {"name": "办事指南", "type": "办事指南"},
    "xinjian": {"name": "市长信箱", "type": "信件"}, "fangtan": {"name": "在线访谈", "type": "在线访谈"},
    "diaocha": {"name": "网上调查", "type": "调查"}}
HOSTILE = "图解：某某办法 & “要点” <要点> \"引号\""     # no tag (that is refused), but every character to escape
SERVICE = dict(service_name="某事项", basis="《某条例》", conditions=["条件"], materials=["材料"], process=["步骤"],
               time_limit="5个工作日", fee="不收费", location="市民中心", phone="0000-5550123",
               supervise_phone="0000-5550124")
LETTER = dict(question="市民反映……", reply_unit="测试市住建局")


@pytest.fixture(scope="module")
def annual_group(tmp_path_factory, keys):
    from tests.repo import Repo

    repo = Repo(tmp_path_factory.mktemp("annual") / "repo", keys)
    intro = repo.item(column="zhuanti", slug="yingshang", title="优化营商环境专题", date="2026-02-01 09:00")
    repo.site("portal", columns=PORTAL_COLUMNS, topics={
        "yingshang": {"name": "优化营商环境", "intro": "zhuanti/yingshang"}, "xiangcun": {"name": "乡村振兴"}})
    repo.site("district", name="测试市某某区人民政府", type_="district", parent="portal",
              domain="district.test-city.gov.cn", columns={"yaowen": {"name": "区县要闻", "type": "要闻"}},
              reviewers={"qu.shen": {"name": "区审核人", "levels": ["终审"]}},
              review={"levels": ["终审"], "required": ["终审"]})

    def item(sign=True, **kw):
        path = repo.item(**kw)
        return published(repo, path) if sign else path

    item(column="gaikuang", slug="city", date="2025-03-01 09:00", modified="2026-05-01 09:00")  # updated in 2026
    item(slug="a", date="2026-03-01 09:00")
    item(slug="b-2025", date="2025-06-01 09:00")
    item(column="tzgg", slug="n", date="2026-04-01 09:00")
    item(column="zcwj", slug="policy", title="测试市某某办法", written="2026-05-08", date="2026-05-10 09:00")
    item(column="zcwj", slug="policy2", title="测试市另一办法", written="2026-06-09", date="2026-06-10 09:00")
    item(slug="tujie", title=HOSTILE, interprets="zcwj/policy", interpretation="图解", date="2026-05-12 09:00")
    item(slug="wenzi", title="《测试市某某办法》解读", interprets="zcwj/policy", date="2026-05-11 09:00")
    item(slug="fangtan-title", title="关于某某的政策解读访谈", date="2026-05-13 09:00")         # no relation
    item(site="district", slug="d-jiedu", title="视频解读：另一办法", interprets="portal/zcwj/policy2",
         interpretation="视频", source="测试市某某区人民政府", date="2026-06-12 09:00")
    published(repo, intro)
    item(slug="tagged-2025", tags=["xiangcun"], date="2025-09-01 09:00")
    item(column="zhuanti", slug="other", title="另一个专题", date="2026-07-01 09:00")
    item(column="bszn", slug="s1", date="2025-01-02 09:00", **SERVICE)
    item(column="bszn", slug="s2", date="2026-01-05 09:00", **SERVICE)
    item(column="xinjian", slug="l1", received="2026-03-02", replied="2026-03-05", date="2026-03-05 17:00", **LETTER)
    item(column="xinjian", slug="l2", received="2026-08-03", date="2026-08-04 09:00", **LETTER)    # never answered
    item(column="xinjian", slug="l3", received="2026-04-01", replied="2026-04-21", extended_to="2026-04-30",
         date="2026-04-21 17:00", **LETTER)                            # extension without an approver
    item(False, column="xinjian", slug="l4", received="2026-05-01", replied="2026-05-06", date="2026-05-06 17:00",
         **LETTER)                                                     # unsigned: received, answered, not public
    item(column="xinjian", slug="l5", received="2025-12-20", replied="2026-01-05", date="2026-01-05 17:00", **LETTER)
    item(column="fangtan", slug="i1", guests=["某局局长 某某"], host="主持人 某某", held_at="2026-06-01 15:00",
         date="2026-06-01 17:00", transcript=[{"q": "开场", "a": "欢迎"},
                                               {"q": "网民问一", "a": "答一", "asker": "网民"},
                                               {"q": "网友问二", "a": "答二", "asker": "网友“小李”"}])
    item(column="diaocha", slug="d1", opens="2026-03-01", closes="2026-03-31", results_published="2026-04-10",
         questions=["问题一"], date="2026-04-10 09:00")
    item(column="diaocha", slug="d2", opens="2026-10-01", closes="2026-10-31", questions=["问题一"],
         date="2026-10-01 09:00")
    (repo.root / "policy" / "annual").mkdir(parents=True)
    (repo.root / "policy" / "annual" / "2026.yaml").write_text(yaml.safe_dump(
        {"all": {"head": "张某", "unified_platform": True},
         "portal": {"visits": 1200000, "unique_visitors": 350000, "security_checks": 4}},
        allow_unicode=True), encoding="utf-8")
    return repo


@pytest.fixture(scope="module")
def annual_report(annual_group):
    out = annual_group.root / "web-office"
    code, stdout, err = annual_group.govsite("report", "--as-of", AS_OF, "--year", YEAR, "--output", out)
    assert code == 0, stdout + err
    return out


def sites_of(out):
    return json.loads((out / "report.json").read_text(encoding="utf-8"))["sites"]


def test_annual_figures_follow_the_content_of_the_year(annual_report):
    portal, district = (s["annual"]["figures"] for s in sites_of(annual_report))
    assert portal == {
        "name": "测试市人民政府门户网站", "url": "https://www.test-city.gov.cn/", "sponsor": "测试市人民政府办公室",
        "kind": "政府门户网站", "site_code": "0000000000（示例）", "icp": "测ICP备00000000号（示例）",
        "police_record": "测公网安备00000000000000号（示例）", "unique_visitors": 350000, "visits": 1200000,
        "published": 18, "overview": 1, "news": 4, "disclosure": 3,
        "topics_maintained": 3, "topics_new": 2,
        "interpretations": 2, "interpretation_materials": 1, "interpretation_products": 1, "media_commentaries": 0,
        "responses": None, "service_catalogue": None, "registered_users": None, "services": 2,
        "services_online": None, "cases": None, "cases_people": None, "cases_companies": None,
        "unified_platform": True,
        "letters_received": 4, "letters_answered": 3, "letters_average_days": 9.3, "letters_public": 2,
        "surveys": 2, "survey_opinions": None, "survey_results": 1,
        "interviews": 1, "interview_messages": None, "interview_answers": 2, "smart_qa": None,
        "security_checks": 4, "security_problems": None, "security_fixed": None, "security_monitoring": None,
        "security_drills": None, "security_officer": None, "new_media": None, "weibo_name": None,
        "weibo_posts": None, "weibo_followers": None, "wechat_name": None, "wechat_posts": None,
        "wechat_subscribers": None, "new_media_other": None, "innovation": None,
        "head": "张某", "reviewer": None, "filled_by": None, "phone": None, "filled_on": None}
    assert (district["published"], district["interpretations"], district["interpretation_products"],
            district["kind"], district["visits"], district["head"]) == (1, 1, 1, "政府门户网站", None, "张某")


def test_annual_rows_are_the_forms_items_in_its_order(annual_report):
    rows = sites_of(annual_report)[0]["annual"]["rows"]
    assert [r["item"] for r in rows[:10]] == ["网站名称", "首页网址", "主办单位", "网站类型", "政府网站标识码",
                                              "ICP备案号", "公安机关备案号", "独立用户访问总量", "网站总访问量", "总数"]
    sources = {r["key"]: r["source"] for r in rows}
    assert (sources["icp"], sources["news"], sources["visits"], sources["weibo_name"]) == (
        "site.yaml", "网站内容", "policy/annual/2026.yaml", None)


def test_annual_csv_and_xlsx_hold_the_same_figures_one_sheet_per_site(annual_report):
    from openpyxl import load_workbook

    portal, district = sites_of(annual_report)
    text = (annual_report / "annual-2026.csv").read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["栏目", "项目", "单位", portal["name"], district["name"]]
    assert len(table) == len(annual.ROWS) + 1
    by_item = {(r[0], r[1]): r[3:] for r in table[1:]}
    assert by_item[("基本信息", "首页网址")] == ["https://www.test-city.gov.cn/", "https://district.test-city.gov.cn/"]
    assert by_item[("基本信息", "网站总访问量")] == ["1200000", "需另行填报"]
    assert by_item[("互动交流", "是否使用统一平台")] == ["是", "是"]
    book = load_workbook(annual_report / "annual-2026.xlsx")
    assert book.sheetnames == [portal["name"], district["name"]]
    sheet = book[portal["name"]]
    assert sheet["A1"].value == "政府网站工作年度报表（2026年度）"
    cells = {(r[0], r[1]): r[3] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert cells[("信息发布", "总数")] == 18 and cells[("政策解读", "解读产品数量")] == 1
    assert cells[("基本信息", "独立用户访问总量")] == 350000
    assert cells[("安全防护", "发现问题数量")] == "需另行填报"


def test_annual_html_shows_the_form_with_what_is_missing(annual_report):
    soup = BeautifulSoup((annual_report / "index.html").read_text(encoding="utf-8"), "html.parser")
    table = soup.find("caption", string="2026 年政府网站工作年度报表").parent
    rows = {tr.th.get_text(): [td.get_text() for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")}
    assert rows["首页网址"][2:] == ["https://www.test-city.gov.cn/", "https://district.test-city.gov.cn/"]
    assert rows["留言办理：平均办理时间"][2:] == ["9.3", "无"]
    assert rows["注册用户数"][2:] == ["需另行填报", "需另行填报"]


def test_interaction_is_a_single_veto_per_site_with_every_deadline_finding(annual_report):
    portal, district = sites_of(annual_report)
    assert portal["interaction"]["verdict"] == "fail" and district["interaction"]["verdict"] == "pass"
    assert [e["path"] for e in portal["interaction"]["letters"]] == ["content/portal/xinjian/l2.md"]
    assert portal["veto"]["verdict"] == "fail" and any("互动回应差" in r for r in portal["veto"]["reasons"])
    assert [e["path"] for e in portal["extension_problems"]] == ["content/portal/xinjian/l3.md"]
    assert {e["path"] for e in portal["overdue_letters"]} == {   # l5: the 7th working day was 30 Dec 2025
        "content/portal/xinjian/l2.md", "content/portal/xinjian/l3.md", "content/portal/xinjian/l5.md"}
    html = (annual_report / "index.html").read_text(encoding="utf-8")
    for words in ("延期答复问题（第二十四条）", "互动回应差（超过 3 个月未答复的留言，单项否决）", "没有写明批准人",
                  "截至 2026-12-31 尚未答复，已超过 3 个月（2026-11-03）"):
        assert words in html


def test_a_letter_answered_late_long_ago_no_longer_vetoes(annual_group, tmp_path):
    code, out, err = annual_group.govsite("report", "--as-of", "2026-12-31", "--output", tmp_path)
    assert code == 0
    assert sites_of(tmp_path)[0]["interaction"]["letters"][0]["path"].endswith("l2.md")
    code, out, err = annual_group.govsite("report", "--as-of", "2026-10-31", "--output", tmp_path)
    assert sites_of(tmp_path)[0]["interaction"]["letters"] == []        # l2's 3 months end on 3 Nov


def test_bad_annual_input_file_is_refused_with_exit_2(annual_group, tmp_path):
    path = annual_group.root / "policy" / "annual" / "2025.yaml"
    path.write_text("portal:\n  visitz: 12\n", encoding="utf-8")
    try:
        code, out, err = annual_group.govsite("report", "--as-of", AS_OF, "--year", "2025", "--output", tmp_path)
    finally:
        path.unlink()
    assert code == 2 and "policy/annual/2025.yaml" in err and "visitz" in err


# -- 政策解读: the relation, both pages ------------------------------------------------------

@pytest.fixture(scope="module")
def built(annual_group):
    code, out, err = annual_group.build("--as-of", "2026-12-31 12:00")
    assert code == 0, out + err
    return annual_group


def related(html: str, heading: str) -> BeautifulSoup:
    soup = BeautifulSoup(main_of(html), "html.parser")
    h2 = soup.find("h2", string=heading)
    return h2.parent if h2 else None


def test_policy_page_lists_its_interpretations_and_they_link_back(built):
    block = related(page(built, "portal/zcwj/policy.html"), "相关解读")
    links = [(a["href"], a.get_text()) for a in block.find_all("a")]
    assert links == [("/portal/yaowen/tujie.html", HOSTILE), ("/portal/yaowen/wenzi.html", "《测试市某某办法》解读")]
    assert "（图解）" in block.get_text() and "（文字）" in block.get_text()
    assert "<要点>" not in str(block) and "&lt;要点&gt;" in str(block)      # a title is text, never markup
    back = related(page(built, "portal/yaowen/tujie.html"), "解读的文件")
    assert [(a["href"], a.get_text()) for a in back.find_all("a")] == [("/portal/zcwj/policy.html", "测试市某某办法")]
    assert related(page(built, "portal/yaowen/fangtan-title.html"), "解读的文件") is None


def test_interpretation_on_another_site_links_both_ways(built):
    back = related(page(built, "district/yaowen/d-jiedu.html"), "解读的文件")
    assert [a["href"] for a in back.find_all("a")] == ["/portal/zcwj/policy2.html"]
    assert "（测试市人民政府门户网站）" in back.get_text()
    block = related(page(built, "portal/zcwj/policy2.html"), "相关解读")
    assert [a["href"] for a in block.find_all("a")] == ["/district/yaowen/d-jiedu.html"]
    assert "视频，测试市某某区人民政府" in block.get_text()
    assert built.report()["pages"] == {} or all(
        f["severity"] != "error" for fs in built.report()["pages"].values() for f in fs)


@pytest.mark.parametrize("fields,rule", [
    ({"interprets": "zcwj/bu-cunzai"}, "interpretation.target-missing"),
    ({"interprets": "nowhere/zcwj/policy"}, "interpretation.target-missing"),
    ({"interprets": "yaowen/a"}, "interpretation.not-policy"),
    ({"interprets": "../zcwj/policy"}, "interpretation.invalid"),
    ({"interprets": "zcwj/Policy"}, "interpretation.invalid"),
    ({"interprets": "portal/zcwj/policy/extra"}, "interpretation.invalid"),
    ({"interpretation": "图解"}, "interpretation.target-missing"),
    ({"interprets": "zcwj/policy", "interpretation": "漫画"}, "schema.type"),
])
def test_a_wrong_interpretation_relation_is_refused(annual_group, fields, rule):
    path = annual_group.item(slug="cuowu-jiedu", **fields)
    try:
        found = [f for f in annual_group.check_json(path) if f["severity"] == "error"
                 and not f["rule"].startswith("approval.")]
    finally:
        path.unlink()
    assert [f["rule"] for f in found] == [rule]
    assert found[0]["line"] and found[0]["fix"]


# -- the demo: the report's figures against a count made here from the files alone --------------

def front_matter(path):
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))


def independent_count(root, year: int) -> dict:
    """Per site, the form's content figures counted from content/ with PyYAML only."""
    every = [front_matter(p) for p in (root / "content").glob("*/*/*.md")]
    out = {}
    for site_yaml in sorted((root / "content").glob("*/site.yaml")):
        site = yaml.safe_load(site_yaml.read_text(encoding="utf-8"))
        types = {cid: c["type"] for cid, c in site["columns"].items()}
        metas = [(p.parent.name, p.stem, front_matter(p)) for p in site_yaml.parent.glob("*/*.md")]

        def year_of(value):
            return int(str(value)[:4])

        this_year = [(c, m) for c, _, m in metas if year_of(m["date"]) == year
                     or ("modified" in m and year_of(m["modified"]) == year)]
        letters = [m for c, _, m in metas if types[c] == "信件" and year_of(m["received"]) == year]
        answered = [m for m in letters if m.get("replied")]
        days = [(m["replied"] - m["received"]).days for m in answered]
        topics = site.get("topics") or {}
        intros = {t.get("intro") for t in topics.values()}
        opened = []
        for tid, topic in topics.items():
            dates = [m["date"] for c, slug, m in metas if f"{c}/{slug}" == topic.get("intro")]
            dates += [m["date"] for m in every if tid in (m.get("tags") or [])]
            if dates:
                opened.append(year_of(min(map(str, dates))))
        opened += [year_of(m["date"]) for c, slug, m in metas if types[c] == "专题" and f"{c}/{slug}" not in intros]
        out[site_yaml.parent.name] = {
            "published": len(this_year),
            "overview": sum(types[c] == "概况" for c, _ in this_year),
            "news": sum(types[c] in ("要闻", "动态") for c, _ in this_year),
            "disclosure": sum(types[c] in ("通知公告", "政策文件", "人事任免", "政府采购") for c, _ in this_year),
            "topics_maintained": sum(y <= year for y in opened),
            "topics_new": sum(y == year for y in opened),
            "interpretations": sum(bool(m.get("interprets")) for _, m in this_year),
            "services": sum(types[c] == "办事指南" and year_of(m["date"]) <= year for c, _, m in metas),
            "letters_received": len(letters), "letters_answered": len(answered),
            "letters_average_days": round(sum(days) / len(days), 1) if days else "无",
            "surveys": sum(types[c] == "调查" and year_of(m["opens"]) == year for c, _, m in metas),
            "interviews": sum(types[c] == "在线访谈" and year_of(m["held_at"]) == year for c, _, m in metas),
        }
    return out


def test_demo_annual_figures_agree_with_an_independent_count(tmp_path, demo_root):
    from tests.repo import Repo

    demo = Repo.__new__(Repo)
    demo.root = demo_root
    code, out, err = demo.govsite("report", "--as-of", "2026-12-31", "--year", "2026", "--output", tmp_path)
    assert code == 0, err
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["totals"]["refused"] == 0 and data["totals"]["scheduled"] == 0
    expected = independent_count(demo_root, 2026)
    got = {s["id"]: {k: s["annual"]["figures"][k] for k in expected[s["id"]]} for s in data["sites"]}
    assert got == expected
    assert sum(e["letters_received"] for e in expected.values()) >= 5 and expected["portal"]["topics_new"] == 1


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=60))
def test_interprets_is_parsed_into_ids_or_nothing(value):
    from types import SimpleNamespace

    from workflow.model.items import SLUG_RE
    found = interpretation.target(SimpleNamespace(fields={"interprets": value}, site_id="portal"))
    assert found is None or (len(found) == 3 and all(SLUG_RE.match(p) for p in found))
