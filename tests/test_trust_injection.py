"""Every field is text (issue 14): no front-matter or site.yaml value adds an element
or attribute to a page, feed or sitemap; body HTML stays inside the body; control
characters are refused with their line."""
from __future__ import annotations

import re
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from tests.group_setup import published, receiving_portal
from tests.repo import PROJECT
from workflow.gate.gate import Gate
from workflow.model.sites import load_group

HOSTILE = [
    '通知</title><meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<a href="https://evil.example/">点这里</a>',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!-- 注释掉页面",
    "&lt;b&gt;实体&lt;/b&gt;",
    "< script>",
]


def decide(repo, path):
    return Gate(load_group(repo.root)).decide(path)


@pytest.mark.parametrize("field", ["title", "source", "summary"])
@pytest.mark.parametrize("value", HOSTILE)
def test_markup_in_a_field_is_refused_naming_the_field(group, field, value):
    path = group.item(slug="zhuru", **{field: value})
    d = decide(group, path)
    found = [f for f in d.findings if f.rule == "html.in-field"]
    assert found and found[0].field == field and found[0].line is not None and found[0].fix
    assert not d.published


def test_markup_in_a_nested_field_is_refused(group):
    path = group.item(column="zcwj", slug="zhengce", doc_number="<b>测〔2026〕1号</b>")
    assert [f.field for f in decide(group, path).findings if f.rule == "html.in-field"] == ["doc_number"]
    path = group.item(slug="fujian", attachments=[{"file": "a.pdf", "title": "<i>附件</i>"}])
    assert [f.field for f in decide(group, path).findings if f.rule == "html.in-field"] == ["attachments[0].title"]


@pytest.mark.parametrize("key, value", [("name", "<b>某网站</b>"), ("sponsor", "单位<script>x</script>"),
                                        ("contact", {"address": "<a href=x>地址</a>", "phone": "1", "email": "a@b.cn"})])
def test_markup_in_site_yaml_stops_the_build_naming_the_field(group, key, value):
    site = {"name": "测试区", "type_": "district", "parent": "portal", "domain": "district.test-city.gov.cn"}
    group.site("district", **{**site, key: value})
    code, out, err = group.build()
    assert code == 2 and "html.in-field" in err and f"［{key}" in err


ATTRIBUTE_BREAKERS = {
    "title": '通知" onmouseover="alert(1)" data-x="',
    "source": "单位' onfocus='alert(1)' autofocus x='",
    "summary": 'a > b & c "引号" \'单引号\' `反引号`',
}


def test_quotes_in_fields_never_become_attributes_anywhere(group):
    receiving_portal(group)
    path = published(group, group.item("district", "yaowen", "yinhao", syndicate=["portal"],
                                       tags=["yingshang-huanjing"], **ATTRIBUTE_BREAKERS))
    assert decide(group, path).published
    code, out, err = group.build()
    assert code == 0, out + err
    pages = list(group.output.rglob("*.html"))
    xml = list(group.output.rglob("*.xml"))
    assert pages and xml
    seen_title = False
    for page in pages:
        tree = lxml.html.fromstring(page.read_bytes())
        for el in tree.iter():
            if not isinstance(el.tag, str):
                continue
            bad = {a for a in el.attrib if a.lower().startswith("on") or a in ("autofocus", "data-x")}
            assert not bad, (page, el.tag, bad)
            if el.tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
                raise AssertionError(page)
        seen_title |= ATTRIBUTE_BREAKERS["title"] in tree.text_content()
    assert seen_title
    for feed in xml:
        root = lxml.etree.fromstring(feed.read_bytes())          # still well-formed XML
        assert not root.xpath("//*[@onmouseover or @onfocus]")


def test_the_theme_prints_no_field_unescaped():
    """Autoescape is on, and only the theme's own markup is marked safe: the rendered
    body (already checked by the rules) and nothing a field holds."""
    import runpy

    conf = runpy.run_path(str(PROJECT / "pelicanconf.py"))
    assert conf["JINJA_ENVIRONMENT"]["autoescape"] is True
    safe = []
    for template in sorted((PROJECT / "themes/govsite/templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        assert "autoescape false" not in text.replace(" ", "").lower().replace("autoescapefalse", "autoescape false")
        safe += [(template.name, m) for m in re.findall(r"\{\{[^}]*\|\s*safe[^}]*\}\}", text)]
    assert sorted(safe) == [("article.html", "{{ article.content|safe }}"), ("syndicated.html", "{{ body|safe }}")]


# --- body HTML stays inside the body ------------------------------------------------------

UNBALANCED = {
    "unclosed-comment": ("正文第一段。\n\n<!-- 把页脚注释掉\n后面的正文\n", 3),
    "stray-end-tags": ("第一段。\n\n</div></main><footer>假页脚</footer>\n", 3),
    "unclosed-iframe": ("第一段。\n\n<iframe src=\"https://www.gov.cn/\" title=\"x\">\n", 3),
    "crossed-link": ("第一段 <a href=\"https://www.gov.cn/\">链接\n\n第二段</a>\n", 1),
    "unclosed-textarea": ("<textarea>\n吞掉后面的内容\n", 1),
    "unclosed-title": ("第一段\n\n<title>x\n", 3),
}


@pytest.mark.parametrize("name", UNBALANCED)
def test_body_html_that_would_reach_beyond_the_body_is_refused_with_its_line(group, name):
    body, line = UNBALANCED[name]
    path = group.item(slug="buwanzheng", body=body)
    d = decide(group, path)
    found = [f for f in d.findings if f.rule in ("html.unbalanced", "html.unsafe")]
    assert found and not d.published
    body_line = d.item.body_line
    assert any(f.line == body_line + line - 1 for f in found), [f.format() for f in found]


def test_an_inline_comment_opener_is_shown_as_text(group):
    path = published(group, group.item(slug="hangnei", body="正文 <!-- 不是注释，是文字\n"))
    d = decide(group, path)
    assert d.published
    code, out, err = group.build()
    assert "&lt;!-- 不是注释" in (group.output / "portal/yaowen/hangnei.html").read_text(encoding="utf-8")


def test_balanced_raw_html_still_publishes(group):
    path = published(group, group.item(slug="wanzheng",
                                       body="<details><summary>展开</summary>\n\n内容 <b>加粗</b><!-- 注释 -->\n\n</details>\n"))
    assert decide(group, path).published


def test_every_page_keeps_its_footer(group):
    path = published(group, group.item(slug="yejiao", body="正文 <span>行内</span> 结束。\n"))
    assert decide(group, path).published
    code, out, err = group.build()
    assert code == 0, out + err
    for page in group.output.rglob("*.html"):
        tree = lxml.html.fromstring(page.read_bytes())
        assert tree.xpath("//footer[@class='site-footer']//dt[text()='网站标识码']"), page


# --- control characters ------------------------------------------------------------------

def test_word_soft_return_in_the_body_is_refused_with_its_line_and_a_fix(group):
    path = group.item(slug="ruanhuiche", body="第一行\n第二行\x0b还是第二行\n")
    d = decide(group, path)
    (f,) = [f for f in d.findings if f.rule == "text.control-char"]
    assert f.line == d.item.body_line + 1 and "软回车" in f.message + f.fix


@pytest.mark.parametrize("escape", ['"\\x0b"', '"\\x00"', '"\\ud800"', '"\\u001b[31m"'])
def test_control_characters_from_yaml_escapes_in_a_field_are_refused(group, escape):
    path = group.item(slug="zhuanyi")
    path.write_text(path.read_text(encoding="utf-8").replace("title: 测试信息标题", f"title: {escape}"),
                    encoding="utf-8")
    d = decide(group, path)
    assert not d.published
    assert any(f.rule == "text.control-char" and f.field == "title" for f in d.findings), \
        [x.format() for x in d.findings]


def test_a_refused_control_character_never_stops_the_site(group):
    published(group, group.item(slug="zhengchang"))
    group.item(slug="huai", body="坏\x0b正文\n")
    code, out, err = group.build()
    assert code == 0, out + err
    assert (group.output / "portal/yaowen/zhengchang.html").is_file()
    assert not Path(group.output / "portal/yaowen/huai.html").exists()
