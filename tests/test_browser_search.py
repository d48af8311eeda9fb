"""Site search in Chromium: pagefind's index of published items, searched in Chinese."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from tests.browser import (
    browser_of_this_module,  # noqa: F401  (autouse)
    new_context,
    open_page,
    served,
)
from workflow.build import search

DONE = re.compile("^(找到|未找到|本站暂无)")

# Two-character words from the demo's content, per site.
DEMO_WORDS = {
    "portal": ["营商", "防火", "公交", "电梯", "就业", "森林", "信箱"],
    "qingxiu": ["医保", "路灯"],
    "rsj": ["招聘", "技能"],
    "dsj": ["数据", "证照"],
}


def searchable_text(html: Path) -> str | None:
    """The text pagefind indexes on a page: its data-pagefind-body, minus ignored parts."""
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    body = soup.find(attrs={"data-pagefind-body": True})
    if body is None:
        return None
    for ignored in body.find_all(attrs={"data-pagefind-ignore": True}):
        ignored.decompose()
    return body.get_text()


def pages_containing(site_dir: Path, word: str) -> set[str]:
    return {f"/{site_dir.name}/{p.relative_to(site_dir).as_posix()}"
            for p in site_dir.rglob("*.html")
            if not p.relative_to(site_dir).as_posix().startswith("pagefind/")
            and word in (searchable_text(p) or "")}


def results(page, base: str, site: str, query: str, scope: str = "site") -> list[str]:
    page.goto(f"{base}/{site}/search.html?q={query}&scope={scope}")
    expect(page.locator("#search-status")).to_have_text(DONE)
    while page.locator("#search-more").is_visible():
        count = page.locator("#search-results li").count()
        page.click("#search-more")
        expect(page.locator("#search-results li")).not_to_have_count(count)
    found = page.eval_on_selector_all("#search-results a", "as => as.map(a => a.getAttribute('href'))")
    if found:
        expect(page.locator("#search-status")).to_have_text(f"找到 {len(found)} 条与“{query}”相关的信息。")
    return found


@pytest.fixture(scope="module")
def demo(demo_output):
    with served(demo_output) as base:
        ctx = new_context()
        yield base, open_page(ctx), demo_output
        ctx.close()


def test_two_character_words_find_exactly_the_published_items_that_contain_them(demo):
    base, page, output = demo
    for site, words in DEMO_WORDS.items():
        for word in words:
            expected = pages_containing(output / site, word)
            assert expected, f"{word} should occur in {site}'s items"
            found = results(page, base, site, word)
            print(f"{site} {word}: {len(found)} 条")
            assert len(found) == len(set(found))
            assert set(found) == expected, (site, word)
    assert page.errors == []


def test_words_only_on_lists_or_page_chrome_are_not_searchable(demo):
    base, page, output = demo
    # 找错 (我为政府网站找错) and 导航 (站群导航) are on every page, in no item's text.
    for word in ["找错", "导航"]:
        assert not pages_containing(output / "portal", word)
        assert results(page, base, "portal", word) == []
        expect(page.locator("#search-status")).to_have_text(f"未找到与“{word}”相关的信息，请换一个关键词。")


def test_longer_words_and_several_words_find_the_items_holding_them_all(demo):
    base, page, output = demo
    for query in ["营商环境", "森林防火"]:
        expected = pages_containing(output / "portal", query)
        assert expected and set(results(page, base, "portal", query)) == expected
    expected = pages_containing(output / "portal", "就业") & pages_containing(output / "portal", "招聘")
    assert expected and set(results(page, base, "portal", "就业 招聘")) == expected


def test_search_form_updates_the_address_and_shows_marked_excerpts(demo):
    base, page, _ = demo
    page.goto(f"{base}/portal/search.html")
    expect(page.locator("#search-q")).to_have_value("")
    page.fill("#search-q", "防火")
    page.keyboard.press("Enter")
    expect(page.locator("#search-status")).to_have_text(DONE)
    assert page.url.endswith("search.html?q=%E9%98%B2%E7%81%AB&scope=group")      # the portal searches the group
    assert page.locator("#search-results li").count() >= 2
    assert "防火" in page.locator("#search-results mark").first.inner_text()
    assert page.locator("#search-results li a").first.inner_text().strip()


def test_header_search_box_leads_to_the_search_page_with_results(demo):
    base, page, _ = demo
    page.goto(f"{base}/qingxiu/")
    page.fill("#q", "路灯")
    page.keyboard.press("Enter")
    expect(page.locator("#search-status")).to_have_text(re.compile("^找到"))
    assert page.url.startswith(f"{base}/qingxiu/search.html?q=")
    assert all(h.startswith("/qingxiu/") for h in
               page.eval_on_selector_all("#search-results a", "as => as.map(a => a.getAttribute('href'))"))


def test_without_javascript_the_search_form_is_there_and_explains(demo_output):
    with served(demo_output) as base:
        ctx = new_context(java_script_enabled=False)
        page = open_page(ctx)
        page.goto(f"{base}/portal/")
        page.fill("#q", "防火")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/portal/search\.html\?q="))
        assert page.locator("form.search-page-form input[name=q]").is_visible()
        assert "需要浏览器启用 JavaScript" in page.locator("main").inner_text()
        assert page.locator("main a[href='/portal/sitemap.html']").is_visible()
        ctx.close()


@pytest.fixture
def searched_group(group):
    """A portal with one published, one refused and one withdrawn item, and a
    district site with no item at all; built, with its search indexes."""
    ok = group.item(slug="fabu", title="已发布的信息", body="本市今年柑橘丰收，果农喜笑颜开。\n")
    assert group.approve(ok, "zhong.shen")[0] == 0
    group.item(slug="jujue", title="未经审核的信息", body="本市今年荔枝丰收，尚未审核。\n")
    gone = group.item(slug="chehui", title="已撤除的信息", body="本市今年芒果丰收，后来撤除。\n")
    assert group.approve(gone, "zhong.shen")[0] == 0
    code, out, err = group.govsite("withdraw", gone, "--reason", "内容有误", "--as", "zhong.shen",
                                   "--key", group.keys["zhong.shen"])
    assert code == 0, out + err
    code, out, err = group.build()
    assert code == 0, out + err
    return group


def test_refused_and_withdrawn_items_are_never_found(searched_group):
    out = searched_group.output
    assert (out / "portal/yaowen/fabu.html").is_file()
    assert not (out / "portal/yaowen/jujue.html").exists()
    assert "该信息已撤除" in (out / "portal/yaowen/chehui.html").read_text(encoding="utf-8")
    with served(out) as base:
        ctx = new_context()
        page = open_page(ctx)
        assert results(page, base, "portal", "柑橘") == ["/portal/yaowen/fabu.html"]
        assert results(page, base, "portal", "荔枝") == []
        assert results(page, base, "portal", "芒果") == []
        assert results(page, base, "portal", "撤除") == []
        ctx.close()


def test_site_without_items_has_no_index_and_says_so(searched_group):
    out = searched_group.output
    assert (out / "portal/pagefind/pagefind.js").is_file()
    assert not (out / "district/pagefind").exists()
    with served(out) as base:
        ctx = new_context()
        page = open_page(ctx)
        assert results(page, base, "district", "柑橘") == []
        expect(page.locator("#search-status")).to_have_text("本站暂无可检索的信息。")
        ctx.close()


def test_index_is_built_by_the_extended_binary(tmp_path):
    assert search.executable().name == "pagefind_extended"
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text('<html lang="zh-CN"><body><h1>首页</h1></body></html>', encoding="utf-8")
    search.index_site(site)                      # no data-pagefind-body: nothing indexed
    assert not (site / "pagefind").exists()
    (site / "a.html").write_text('<html lang="zh-CN"><body><article data-pagefind-body><h1>标题</h1>'
                                 '<p>政务公开</p></article></body></html>', encoding="utf-8")
    search.index_site(site)
    assert (site / "pagefind" / "pagefind-entry.json").is_file()
    assert '"zh"' in (site / "pagefind" / "pagefind-entry.json").read_text()
