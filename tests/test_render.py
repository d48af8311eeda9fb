"""The Markdown dialect items are written in: GFM by cmark-gfm, with heading ids."""
import lxml.html

from workflow.model import render


def tree(body: str):
    return lxml.html.fragment_fromstring(render.to_html(body), create_parent="div")


def test_headings_get_unique_unicode_ids_and_raw_html_ids_are_not_reused():
    root = tree('<p id="gaikuang">x</p>\n\n## 工作 安排\n\n## 工作 安排\n\n### Gaikuang\n\n## `代码` 与 *强调*\n')
    assert [h.get("id") for h in root.iter("h2", "h3")] == ["工作-安排", "工作-安排_1", "gaikuang_1", "代码-与-强调"]


def test_gfm_tables_strikethrough_and_footnotes_in_chinese():
    root = tree("| 项目 | 数量 |\n|:--|--:|\n| 甲 | 1 |\n\n~~废止~~ 脚注[^1]\n\n[^1]: 说明\n")
    # Alignment is a class the theme styles: the CSP (style-src 'self') blocks style attributes.
    assert [td.get("class") for td in root.iter("td")] == ["align-left", "align-right"]
    assert not [el for el in root.iter() if "style" in el.attrib or "align" in el.attrib]
    assert root.find(".//del").text == "废止"
    back = root.find(".//a[@class='footnote-backref']")
    assert back.get("aria-label") == "返回引用处 1" and back.get("href") == "#fnref-1"
    assert not [a for el in root.iter() for a in el.attrib if a.startswith("data-")]


def test_bare_urls_in_chinese_text_stay_text_and_raw_html_is_kept_for_the_rules():
    root = tree("详见https://www.gov.cn附件。\n\n<script>alert(1)</script>\n")
    assert root.find(".//a") is None
    assert root.find(".//script") is not None        # html.unsafe reports it; it is never silently dropped


def test_a_body_renders_once_per_item_and_run(group):
    """The rules share one rendering of a body, remembered on the run's checker (not on
    the module: another run renders afresh)."""
    from workflow.model.sites import load_group
    from workflow.rules.checker import Checker
    from workflow.rules.links import body_html

    path = group.item(slug="xuanran", body="# 标题\n\n正文。\n")
    one, two = Checker(load_group(group.root)), Checker(load_group(group.root))
    item = one.load(path)
    assert body_html(item, one) is body_html(item, one)
    assert body_html(item, one) == body_html(item, two) and body_html(item, one) is not body_html(item, two)


def test_without_raw_html_the_fast_link_reader_finds_what_the_event_parser_finds():
    """rules/links.py reads the URLs of a body without `<` from the tree; the event
    parser (for raw HTML) must find exactly the same links in every demo item."""
    import glob
    from pathlib import Path

    from tests.repo import DEMO
    from workflow.model import html as tags
    from workflow.model.items import load
    from workflow.rules.links import _markdown_only

    bodies = ["[甲](https://www.gov.cn/a) [乙][1] ![图](tu.png \"题\")\n\n[1]: ../tzgg/b.html#节\n",
              "| [表中](c.html) | ~~[删](d.html)~~ |\n|--|--|\n| 1 | 2 |\n\n脚注[^1]\n\n[^1]: [注](e.html)\n"]
    for path in sorted(glob.glob(str(DEMO / "content/*/*/*.md"))):
        item = load(Path(path), DEMO)
        if item.meta is not None and "<" not in item.body:
            bodies.append(item.body)
    assert len(bodies) > 40
    found = []
    for body in bodies:
        html = render.to_html(body)
        slow = [(f.tag, f.attr, f.url, f.text) for f in tags.urls_in(tags.elements(html).elements)]
        fast = [(f.tag, f.attr, f.url, f.text) for f in tags.urls_in(_markdown_only(html).elements)]
        assert fast == slow, body[:200]
        found.append(fast)
    # cmark percent-encodes what is not ASCII in a URL (the link check decodes it again)
    assert [u for _, _, u, _ in found[0]] == ["https://www.gov.cn/a", "../tzgg/b.html#%E8%8A%82", "tu.png"]
    assert len(found[1]) == 5          # two in the table, the footnote's own two, and its link
