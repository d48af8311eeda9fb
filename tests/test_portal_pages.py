"""What the pages of a portal offer beyond lists: entry points from site.yaml (checked
against the link allowlist), the 政府信息公开 zone, letters with number, type and
status, surveys that never promise a form, abolished documents linked to their
replacement, the official document layout, 上一篇/下一篇, and titles no two pages share."""
from __future__ import annotations

import re

import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from tests.group_setup import main_of, page, published
from workflow.build import layout

ENTRIES = {
    "services": [{"name": "个人办事", "url": "https://zwfw.test-city.gov.cn/geren", "summary": "个人事项"}],
    "hotline": {"name": "12345政务服务便民热线", "phone": "12345", "hours": "7×24小时"},
    "interaction": {"platform": "测试市12345网络平台", "write": "https://12345.test-city.gov.cn/xiexin",
                    "query": "https://12345.test-city.gov.cn/chaxun", "survey": "https://12345.test-city.gov.cn/diaocha"},
}
COLUMNS = {"yaowen": {"name": "政务要闻", "type": "要闻"}, "tzgg": {"name": "通知公告", "type": "通知公告"},
           "zcwj": {"name": "政策文件", "type": "政策文件"}, "xxgk": {"name": "政府信息公开", "type": "概况"},
           "xinjian": {"name": "市长信箱", "type": "信件"}, "diaocha": {"name": "网上调查", "type": "调查"}}


def portal(group, **extra):
    return group.site("portal", columns=COLUMNS, **{**ENTRIES, **extra})


def set_portal(group, **changes):
    path = group.root / "content/portal/site.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def soup(group, rel):
    return BeautifulSoup(page(group, rel), "html.parser")


def test_home_page_entry_points_lead_to_the_platforms_named_in_site_yaml(group):
    portal(group)
    published(group, group.item(slug="xinwen", title="一条要闻"))
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    home = soup(group, "portal/index.html")
    links = {a.get_text(strip=True): a["href"] for a in home.select(".home-entries a")}
    assert links["个人办事"] == "https://zwfw.test-city.gov.cn/geren"
    assert links["我要写信"] == "https://12345.test-city.gov.cn/xiexin"
    assert links["信件查询"] == "https://12345.test-city.gov.cn/chaxun"
    assert links["参与调查"] == "https://12345.test-city.gov.cn/diaocha"
    assert links["市长信箱"] == "/portal/xinjian/" and links["政策文件"] == "/portal/zcwj/"
    assert "12345" in home.select_one(".hotline").get_text() and "7×24小时" in home.select_one(".hotline").get_text()
    # A subordinate site without its own entries uses its parent's (the city's platform).
    district = soup(group, "district/index.html")
    assert "https://12345.test-city.gov.cn/xiexin" in [a["href"] for a in district.select(".home-entries a")]
    # The 政府信息公开 zone lists the columns of 法定主动公开内容 by default.
    statutory = [a["href"] for a in home.select(".statutory a")]
    assert statutory == ["/portal/tzgg/", "/portal/zcwj/"]


@pytest.mark.parametrize("field, value, words", [
    ("services", [{"name": "个人办事", "url": "https://evil.example/banshi"}], "不在外链白名单中"),
    ("services", [{"name": "个人办事", "url": "javascript:alert(1)"}], "执行脚本"),
    ("services", [{"name": "个人办事", "url": "/portal/bszn/"}], "应为完整网址"),
    ("services", [{"name": "个人办事", "url": "https://www.gov.cn@evil.example/"}], "用户信息"),
    ("services", [{"name": "个人办事"}], "缺少必填字段"),
    ("hotline", {"name": "热线", "phone": "12345", "url": "http://10.0.0.1/"}, "IP 地址"),
    ("interaction", {"platform": "平台", "write": "https://xn--zz.gov.cn/", "query": "https://12345.test-city.gov.cn/"},
     "IDNA"),
    ("interaction", {"platform": "平台", "write": "mailto:mayor@test-city.gov.cn", "query": "https://12345.test-city.gov.cn/"},
     "应为完整网址"),
    ("interaction", {"platform": "<b>平台</b>", "write": "https://12345.test-city.gov.cn/",
                     "query": "https://12345.test-city.gov.cn/"}, "HTML 标记"),
    ("interaction", {"platform": "平台", "query": "https://12345.test-city.gov.cn/"}, "interaction.write"),
])
def test_a_bad_entry_point_in_site_yaml_stops_the_build_naming_the_field(group, field, value, words):
    portal(group, **{field: value})
    code, out, err = group.govsite("check")
    assert code == 2 and words in err, err
    assert "content/portal/site.yaml" in err
    code, out, err = group.build()
    assert code == 2 and not (group.output / "portal").exists()


def test_an_entry_point_host_a_site_allows_in_site_yaml_is_accepted(group):
    portal(group, services=[{"name": "合作平台", "url": "https://www.partner-platform.cn/"}],
           links={"allow": ["www.partner-platform.cn"]})
    code, out, err = group.govsite("check")
    assert code == 0, err


@pytest.mark.parametrize("disclosure, words", [
    ({"guide": "meiyou/zhinan"}, "栏目“meiyou”不在本网站的 columns 中"),
    ({"guide": "xxgk/meiyou"}, "找不到信息 content/portal/xxgk/meiyou.md"),
    ({"statutory": ["zcwj/tiaomu"]}, "disclosure.statutory[0]（栏目标识）应为"),       # columns only
    ({"statutory": ["meiyou"]}, "disclosure.statutory[0]"),
])
def test_the_disclosure_zone_points_at_columns_and_items_of_the_site(group, disclosure, words):
    portal(group, disclosure=disclosure)
    code, out, err = group.govsite("check")
    assert code == 2 and words in err, err


def test_the_disclosure_zone_links_the_guide_rules_and_reports(group):
    portal(group, disclosure={"guide": "xxgk/zhinan", "annual": "xxgk", "statutory": ["zcwj"]})
    published(group, group.item("portal", "xxgk", "zhinan", title="测试市人民政府信息公开指南", type="page"))
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    zone = soup(group, "portal/index.html").find(id="h-disclosure").find_parent("section")
    links = {a.get_text(strip=True): a["href"] for a in zone.find_all("a")}
    assert links["信息公开指南"] == "/portal/xxgk/zhinan.html" and links["信息公开年报"] == "/portal/xxgk/"
    assert "信息公开制度" not in links and links["政策文件"] == "/portal/zcwj/"


LETTER = dict(question="小区路灯不亮。", reply_unit="测试市城管局", received="2026-11-10", number="CS20261110-0007",
              kind="求助")


def test_a_letter_shows_its_number_type_and_status_and_where_to_write(group):
    portal(group)
    published(group, group.item("portal", "xinjian", "dafu", title="关于路灯的答复", replied="2026-11-14", **LETTER))
    published(group, group.item("portal", "xinjian", "banli", title="关于道路的来信", date="2026-11-12 09:00",
                                **{**LETTER, "number": "CS20261111-0008", "kind": "建议"}))
    code, out, err = group.build()
    assert code == 0, out + err
    doc = soup(group, "portal/xinjian/dafu.html")
    facts = {dt.get_text(): dd.get_text(" ", strip=True) for dt, dd in zip(doc.select(".letter-meta dt"),
                                                                          doc.select(".letter-meta dd"))}
    assert facts["信件编号"] == "CS20261110-0007" and facts["信件类型"] == "求助" and facts["办理状态"] == "已办结"
    signature = doc.select_one(".doc-signature").get_text("|", strip=True)
    assert signature == "测试市城管局|2026年11月14日"
    write = doc.select_one(".write-box")
    assert {a.get_text(): a["href"] for a in write.find_all("a")} == {
        "我要写信": "https://12345.test-city.gov.cn/xiexin", "信件查询": "https://12345.test-city.gov.cn/chaxun"}
    assert "测试市12345网络平台" in write.get_text()
    column = main_of(page(group, "portal/xinjian/index.html"))
    assert '<span class="letter-no">CS20261111-0008</span> 关于道路的来信' in column
    assert '<span class="badge letter-kind">建议</span><span class="badge status-open">办理中</span>' in column
    assert '<span class="badge status-done">已办结</span>' in column


@pytest.mark.parametrize("as_of, phase, participate", [
    ("2026-11-10 12:00", "未开始", "将于 2026-11-16 开始"),
    ("2026-11-20 12:00", "征集中", "参与调查"),
    ("2026-12-20 12:00", "已结束", "结果整理后将在本栏目公布"),
])
def test_a_survey_says_where_it_stands_and_sends_readers_to_the_platform(group, as_of, phase, participate):
    portal(group)
    published(group, group.item("portal", "diaocha", "manyidu", title="网站满意度调查", date="2026-11-09 09:00",
                                opens="2026-11-16", closes="2026-12-15", questions=["您常用哪些栏目？"]))
    code, out, err = group.build("--as-of", as_of)
    assert code == 0, out + err
    doc = soup(group, "portal/diaocha/manyidu.html")
    assert doc.select_one(".survey-meta .phase").get_text() == phase
    assert participate in doc.select_one(".participate").get_text()
    link = doc.select_one(".participate a")
    assert (link["href"] if link else None) == ("https://12345.test-city.gov.cn/diaocha" if phase == "征集中" else None)
    assert f'<span class="badge phase">{phase}</span>' in page(group, "portal/diaocha/index.html")
    assert doc.select("main form") == []                      # a static site collects no answers


def test_a_survey_whose_phase_changes_with_the_calendar_is_rebuilt(group):
    """Nothing in the repository changes when a survey closes: the build's day does."""
    portal(group)
    published(group, group.item("portal", "diaocha", "manyidu", title="网站满意度调查", date="2026-11-09 09:00",
                                opens="2026-11-16", closes="2026-12-15", questions=["您常用哪些栏目？"]))
    assert group.build("--as-of", "2026-12-10 12:00")[0] == 0
    assert "征集中" in page(group, "portal/diaocha/manyidu.html")
    code, out, err = group.build("--as-of", "2026-12-16 12:00")
    assert code == 0 and "无变化未重建" not in out, out
    assert "已结束" in page(group, "portal/diaocha/manyidu.html")


def test_survey_results_are_published_on_the_survey_page(group):
    portal(group)
    published(group, group.item("portal", "diaocha", "jieguo", title="出行满意度调查结果", date="2026-09-16 10:00",
                                opens="2026-08-17", closes="2026-09-11", questions=["您是否满意？"],
                                results_published="2026-09-16", respondents=3268,
                                body="## 调查结果\n\n| 事项 | 满意 |\n|---|--:|\n| 准点率 | 52.6% |\n"))
    assert group.build("--as-of", "2026-11-20 12:00")[0] == 0
    doc = soup(group, "portal/diaocha/jieguo.html")
    facts = doc.select_one(".survey-meta").get_text(" ", strip=True)
    assert "结果已公布" in facts and "3268 份" in facts and "2026-09-16" in facts
    assert doc.select_one(".item-body td.align-right").get_text() == "52.6%"
    assert doc.select_one(".participate") is None


def test_an_abolished_document_is_tagged_in_lists_and_linked_to_its_replacement(group):
    portal(group)
    published(group, group.item("portal", "zcwj", "xin", title="测试市新办法", date="2026-09-01 09:00"))
    old = published(group, group.item("portal", "zcwj", "jiu", title="测试市旧办法", date="2026-03-01 09:00",
                                      validity="废止", superseded_by="zcwj/xin"))
    assert [f for f in group.check_json(old) if f["severity"] == "error"] == []
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    jiu = soup(group, "portal/zcwj/jiu.html")
    banner = jiu.select_one(".validity-banner")
    assert "本文件已废止" in banner.get_text() and banner.find("a")["href"] == "/portal/zcwj/xin.html"
    xin = soup(group, "portal/zcwj/xin.html")
    row = [tr for tr in xin.select(".policy-meta tr") if tr.th.get_text() == "有效性"][0]
    assert row.find("a", href="/portal/zcwj/jiu.html").get_text() == "测试市旧办法"
    column = main_of(page(group, "portal/zcwj/index.html"))
    assert 'jiu.html">测试市旧办法</a><span class="badge validity-void">废止</span>' in column
    assert 'xin.html">测试市新办法</a><span class="badge validity-ok">有效</span>' in column


@pytest.mark.parametrize("value, rule", [
    ("zcwj/meiyou", "validity.target-missing"),
    ("yaowen/xinwen", "validity.target-missing"),       # not a 政策文件 column
    ("zcwj/jiu", "validity.invalid"),                   # itself
    ("../../etc/passwd", "validity.invalid"),
    ("elsewhere/zcwj/x", "validity.target-missing"),
])
def test_superseded_by_must_name_another_policy_document(group, value, rule):
    portal(group)
    group.item("portal", "yaowen", "xinwen")
    path = group.item("portal", "zcwj", "jiu", validity="废止", superseded_by=value)
    found = [f for f in group.check_json(path) if f["rule"].startswith("validity.")]
    assert [(f["rule"], f["field"]) for f in found] == [(rule, "superseded_by")]


def test_a_document_still_in_force_that_names_a_replacement_is_a_warning(group):
    portal(group)
    group.item("portal", "zcwj", "xin")
    path = group.item("portal", "zcwj", "jiu", validity="有效", superseded_by="zcwj/xin")
    found = [f for f in group.check_json(path) if f["rule"].startswith("validity.")]
    assert [(f["rule"], f["severity"]) for f in found] == [("validity.superseded-but-valid", "warning")]


def test_a_document_page_has_the_official_layout(group):
    portal(group)
    body = ("测府发〔2026〕3号\n\n各县（区）人民政府，市直各部门：\n\n现将《办法》印发给你们，请认真贯彻执行。\n\n"
            "测试市人民政府\n\n2026年3月1日\n\n## 测试市某某办法\n\n**第一条** 为了规范……\n")
    published(group, group.item("portal", "zcwj", "banfa", title="测试市人民政府关于印发某某办法的通知",
                                doc_number="测府发〔2026〕3号", written="2026-03-01", date="2026-03-02 09:00", body=body))
    published(group, group.item("portal", "zcwj", "wu", title="没有落款的文件", doc_number="测府发〔2026〕4号",
                                written="2026-03-05", date="2026-03-06 09:00", body="正文第一段。\n"))
    assert group.build("--strict")[0] == 0
    doc = soup(group, "portal/zcwj/banfa.html")
    paragraphs = {p.get_text(): p.get("class") for p in doc.select(".item-body p")}
    assert paragraphs["测府发〔2026〕3号"] == ["doc-number"]
    assert paragraphs["各县（区）人民政府，市直各部门："] == ["doc-to"]
    assert paragraphs["测试市人民政府"] == ["doc-signature", "doc-signer"]
    assert paragraphs["2026年3月1日"] == ["doc-signature"]
    assert paragraphs["现将《办法》印发给你们，请认真贯彻执行。"] is None
    assert not doc.select("p.doc-number:not(.item-body p)") and len(doc.select(".doc-signature")) == 2
    # What the text lacks, the page adds from the front matter: 文号 under the title, the signature at the end.
    wu = soup(group, "portal/zcwj/wu.html")
    assert wu.select_one("h1 + p.doc-number").get_text() == "测府发〔2026〕4号"
    assert wu.select_one("article > p.doc-signature").get_text("|") == "测试市人民政府|2026年3月5日"
    css = (group.root / "themes/govsite/static/css/site.css").read_text(encoding="utf-8")
    assert ".item-policy .item-body p, .item-letter .item-body p { text-indent: 2em; }" in css


@pytest.mark.parametrize("html, number, signer, classes", [
    ("<p>甲〔2026〕1号</p>\n<p>正文</p>", "甲〔2026〕1号", None, {"甲〔2026〕1号": "doc-number"}),
    ("<p>正文</p>\n<p>甲〔2026〕1号</p>", "甲〔2026〕1号", None, {}),                   # only the first paragraph
    ("<p><strong>甲〔2026〕1号</strong></p>", "甲〔2026〕1号", None, {}),               # markup: not the bare number
    ("<p>单位</p>\n<p>二〇一一年三月一日</p>", None, "单位", {"单位": "doc-signature doc-signer",
                                                          "二〇一一年三月一日": "doc-signature"}),
    ("<p>单位</p>\n<p>2026年13月45日以前</p>", None, "单位", {}),
    ("<p>&lt;p&gt;单位</p>\n<p>2026年3月1日</p>", None, "<p>单位", {"<p>单位": "doc-signature doc-signer",
                                                                   "2026年3月1日": "doc-signature"}),
    ("<table><tr><td>2026年3月1日</td></tr></table>", None, None, {}),
])
def test_official_layout_marks_only_whole_paragraphs(html, number, signer, classes):
    out = layout.official(html, number, signer).html
    found = {BeautifulSoup(m[0], "html.parser").p.get_text(): m[1]
             for m in re.finditer(r'<p class="([^"]+)">.*?</p>', out)}
    assert found == classes
    assert re.sub(r' class="[^"]+"', "", out) == html          # nothing else of the body changes


def test_items_link_to_the_newer_and_older_item_of_their_column_and_to_related_items(group):
    portal(group)
    for i, day in enumerate(["2026-11-01", "2026-11-02", "2026-11-03"]):
        published(group, group.item(slug=f"x{i}", title=f"第{i}条要闻", date=f"{day} 09:00"))
    published(group, group.item("portal", "tzgg", "tongzhi", title="一条通知", date="2026-11-04 09:00"))
    assert group.build()[0] == 0
    middle = soup(group, "portal/yaowen/x1.html")
    assert middle.select_one(".item-nav-prev a")["href"] == "/portal/yaowen/x2.html"     # 上一篇: newer
    assert middle.select_one(".item-nav-next a")["href"] == "/portal/yaowen/x0.html"     # 下一篇: older
    newest = soup(group, "portal/yaowen/x2.html")
    assert newest.select_one(".item-nav-prev").get_text(strip=True) == "上一篇：没有了"
    assert "一条通知" not in newest.select_one(".item-nav").get_text()
    related = [a["href"] for a in soup(group, "portal/yaowen/x0.html").select(".related-items a")]
    assert related == ["/portal/yaowen/x2.html"]        # same column, neither itself nor its neighbours


def test_no_two_pages_of_a_demo_site_share_a_title(demo_output):
    """A column page is titled apart from its items (南宁概况栏目 / 南宁概况), and the pages of a
    column apart from each other (…（第 2 页）): browser history and search engines tell them apart."""
    for site in ("portal", "qingxiu", "rsj", "dsj"):
        titles: dict[str, str] = {}
        for html in sorted((demo_output / site).rglob("*.html")):
            rel = html.relative_to(demo_output / site).as_posix()
            if rel.startswith("pagefind/"):
                continue
            title = re.search(r"<title>(.*?)</title>", html.read_text(encoding="utf-8"), re.S)[1].strip()
            assert title not in titles, (site, rel, titles.get(title), title)
            titles[title] = rel
    gaikuang = (demo_output / "portal/gaikuang/index.html").read_text(encoding="utf-8")
    assert "<title>南宁概况栏目 - 南宁市人民政府门户网站</title>" in gaikuang


def test_a_later_page_of_a_column_says_its_number_in_the_title(group):
    portal(group)
    for i in range(16):
        published(group, group.item(slug=f"x{i:02d}", title=f"要闻{i}", date=f"2026-11-{i + 1:02d} 09:00"))
    assert group.build()[0] == 0
    assert "<title>政务要闻栏目 - " in page(group, "portal/yaowen/index.html")
    assert "<title>政务要闻栏目（第 2 页） - " in page(group, "portal/yaowen/index_2.html")


def test_no_demo_page_promises_a_form_the_site_does_not_have(demo_output):
    promises = re.compile(r"本页面在线填写|在本页(?:面)?(?:填写|提交|留言)|登录本网站[^。]*提交|栏目在线填写")
    for html in demo_output.rglob("*.html"):
        text = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").get_text()
        assert not promises.search(text), (html, promises.search(text)[0])
        forms = [f for f in BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").find_all("form")
                 if f.get("role") != "search"]
        assert forms == [], html


_TEXT = st.text(alphabet=st.sampled_from(list("南宁市人民政府〔〕号年月日：，。0123456789〇一二三<>&\"' ab")), min_size=1,
                max_size=16).map(str.strip).filter(bool)


@given(st.lists(_TEXT, min_size=1, max_size=8), st.integers(0, 7), st.integers(0, 7))
def test_official_layout_only_adds_classes_to_whole_paragraphs(texts, number_at, signer_at):
    """Whatever the text, the layout adds class attributes to <p> tags and changes nothing else."""
    import html as htmlmod

    body = "\n".join(f"<p>{htmlmod.escape(t, quote=False)}</p>" for t in texts) + "\n"
    number = texts[number_at % len(texts)]
    signer = texts[signer_at % len(texts)]
    out = layout.official(body, number, signer)
    assert re.sub(r'<p class="[a-z -]+">', "<p>", out.html) == body
    assert out.has_number == (texts[0] == number)
    assert out.has_signature == any(layout.DATE.match(t) for t in texts)


@given(st.text(max_size=60))
def test_identity_numbers_are_wrapped_without_ever_becoming_markup(text):
    from markupsafe import escape

    from workflow.build.themefilters import nobr_numbers

    out = str(nobr_numbers(text))
    assert re.sub(r'<span class="nobr">|</span>', "", out) == str(escape(text))
    assert "<" not in re.sub(r'<span class="nobr">|</span>', "", out)
