"""The portal as a reader uses it, in Chromium: the first screen, the column families,
适老化 tap targets and identity numbers, the setting carried to the group's other
domains, print, and the group-wide search."""
from __future__ import annotations

import datetime as dt
import json
import mimetypes
import re
import urllib.parse

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from tests.browser import (
    A11Y_KEY,
    browser_of_this_module,  # noqa: F401  (autouse)
    new_context,
    open_page,
    page_types,
    served,
    set_prefs,
)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
DONE = re.compile("^(找到|未找到|本站暂无)")
HAN2 = re.compile(r"[\u4e00-\u9fff]{2}")


@pytest.fixture(scope="module")
def demo(demo_output):
    with served(demo_output) as base:
        yield base, page_types(demo_output)


def box_in_first_screen(page, locator) -> bool:
    box = locator.bounding_box()
    return bool(box) and locator.is_visible() and box["y"] >= 0 and box["y"] + box["height"] <= DESKTOP["height"]


@pytest.mark.parametrize("site", ["portal", "qingxiu", "rsj"])
def test_news_policies_services_and_writing_to_the_mayor_are_on_the_first_screen_at_1280(demo, site):
    base, types = demo
    ctx = new_context(viewport=DESKTOP)
    page = open_page(ctx)
    page.goto(base + types[site]["home"])
    news_column = "dongtai" if site == "rsj" else "yaowen"
    wanted = {
        "要闻": page.locator(f"main section h2 a[href='/{site}/{news_column}/']"),
        "a news item": page.locator(f"main .home-top a[href^='/{site}/{news_column}/'][href$='.html']").first,
        "政策文件": page.locator(f".home-entries .entry-tiles a[href='/{site}/zcwj/']"),
        "政务服务": page.locator(".home-entries a", has_text="个人办事"),
        "12345": page.locator(".home-entries .hotline"),
        "我要写信": page.locator(".home-entries a", has_text="我要写信"),
        "信件查询": page.locator(".home-entries a", has_text="信件查询"),
    }
    missing = [name for name, loc in wanted.items() if not box_in_first_screen(page, loc)]
    assert missing == [], (site, missing)
    assert page.evaluate("() => window.scrollY") == 0
    assert page.locator(".home-entries a", has_text="我要写信").get_attribute("href") == "https://12345.nn-demo.gov.cn/xiexin"
    assert page.errors == []
    ctx.close()


def test_the_navigation_is_one_bar_of_column_families_at_1280(demo):
    base, types = demo
    ctx = new_context(viewport=DESKTOP)
    page = open_page(ctx)
    for site in ("portal", "qingxiu"):
        page.goto(base + types[site]["home"])
        tops = page.eval_on_selector_all("#nav-families > li", "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
        assert len(set(tops)) == 1, (site, tops)                               # one line
        labels = page.eval_on_selector_all("#nav-families > li > a, #nav-families > li > button",
                                           "els => els.map(e => e.textContent.trim())")
        assert labels[0] == "首页" and set(labels[1:]) <= {"概况信息", "动态信息", "政务服务", "互动交流"}
    ctx.close()


def test_a_column_family_opens_and_closes_by_keyboard_and_marks_the_current_column(demo):
    base, types = demo
    ctx = new_context(viewport=DESKTOP)
    page = open_page(ctx)
    page.goto(base + types["portal"]["policy"])                 # a 政策文件 item: family 动态信息
    family = page.locator(".family-toggle", has_text="动态信息")
    current = page.locator("#nav-families > li.is-current")
    assert current.count() == 1 and "动态信息" in current.inner_text()
    shadow = page.evaluate("() => getComputedStyle(document.querySelector('li.is-current > .family-toggle')).boxShadow")
    plain = page.evaluate("() => getComputedStyle(document.querySelector('li:not(.is-current) > .family-toggle')).boxShadow")
    assert "inset" in shadow and shadow != plain                # a thick bar under the current family
    family.focus()
    assert family.get_attribute("aria-expanded") == "false"
    columns = page.locator("#" + family.get_attribute("aria-controls"))
    assert not columns.is_visible()
    page.keyboard.press("Enter")
    assert family.get_attribute("aria-expanded") == "true" and columns.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('.family-columns') !== null")
    marked = columns.locator("a[aria-current]")
    assert marked.inner_text() == "政策文件" and marked.get_attribute("aria-current") == "true"
    page.keyboard.press("Escape")
    assert family.get_attribute("aria-expanded") == "false" and not columns.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('family-toggle')")
    page.keyboard.press("Space")                                 # a button: Space works too
    assert columns.is_visible()
    page.mouse.click(5, 850)                                     # a click elsewhere closes it
    assert not columns.is_visible()
    # Open the family, follow a column: that column's page is marked as the page itself.
    family.click()
    columns.locator("a", has_text="通知公告").click()
    page.wait_for_url(f"{base}/portal/tzgg/")
    assert page.locator("#nav-families a[aria-current='page']").inner_text() == "通知公告"
    assert page.errors == []
    ctx.close()


NAV_COLOURS = """() => {
  const label = document.querySelector('#nav-families .family-label');
  const link = document.querySelector('#nav-families .family-columns a');
  const s = (e) => getComputedStyle(e);
  return {label: s(label).color, link: s(link).color, labelBorder: s(label).borderBottomStyle,
          labelTag: label.tagName, linkTag: link.tagName, labelVisible: label.offsetParent !== null};
}"""


@pytest.mark.parametrize("prefs", [{}, {"contrast": True}], ids=["normal", "contrast"])
def test_family_labels_look_unlike_links_on_phones_in_every_scheme(demo, prefs):
    base, types = demo
    ctx = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_page(ctx)
    set_prefs(page, base, prefs)
    page.goto(base + types["portal"]["news"])
    page.locator("[data-nav-toggle]").tap()
    facts = page.evaluate(NAV_COLOURS)
    assert facts["labelVisible"] and facts["labelTag"] == "SPAN" and facts["linkTag"] == "A"
    assert facts["label"] != facts["link"] and facts["labelBorder"] == "solid", facts
    ctx.close()


TARGETS = """() => [...document.querySelectorAll('a, button, select, input:not([type=radio]), label:has(input[type=radio])')]
  .filter((e) => e.offsetParent !== null && !e.closest('.item-body') && !e.matches('.skip-link'))
  .map((e) => { const r = e.getBoundingClientRect();
    return {what: e.tagName + ' ' + (e.textContent || e.value || e.name || '').trim().slice(0, 20), w: r.width, h: r.height}; })
  .filter((t) => t.w < 44 || t.h < 44)"""


def test_every_tap_target_is_at_least_44_px_in_elderly_mode_on_phones(demo):
    base, types = demo
    ctx = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_page(ctx)
    set_prefs(page, base, {"large": True})
    small = []
    for site, kinds in types.items():
        for kind, path in kinds.items():
            if site != "portal" and kind not in ("home", "letter", "policy"):
                continue
            page.goto(base + path)
            if "search.html" in path:
                expect(page.locator("#search-status")).to_have_text(DONE)
            page.locator("[data-nav-toggle]").tap()             # the navigation's links too
            small += [f"{site} {kind}: {t}" for t in page.evaluate(TARGETS)]
    ctx.close()
    assert small == []


def test_identity_numbers_are_never_split_across_lines(demo):
    base, types = demo
    ctx = new_context(viewport=PHONE, is_mobile=True)
    page = open_page(ctx)
    for prefs in ({}, {"large": True, "contrast": True}):
        set_prefs(page, base, prefs)
        for site in types:
            page.goto(base + types[site]["letter"])
            split = page.evaluate("""() => [...document.querySelectorAll('.nobr')]
                .filter((e) => e.offsetParent !== null && e.getClientRects().length !== 1).map((e) => e.textContent)""")
            numbers = page.eval_on_selector_all("footer .nobr", "els => els.map(e => e.textContent)")
            assert split == [], (site, prefs, split)
            assert any(n.endswith("号") and len(n) > 10 for n in numbers), numbers          # 公安备案 number
            assert any(re.fullmatch(r"\d+号-\d", n) for n in numbers), numbers               # ICP number with -n
            assert page.locator(".letter-meta .nobr").count() == 1                            # 信件编号
    ctx.close()


def test_print_shows_the_address_and_date_without_navigation(demo):
    base, types = demo
    ctx = new_context(viewport=DESKTOP)
    page = open_page(ctx)
    page.goto(base + types["portal"]["policy"])
    assert not page.locator(".print-source").is_visible()
    page.emulate_media(media="print")
    for hidden in (".main-nav", ".breadcrumb", ".footer-links", ".item-nav", ".topbar", ".search-box"):
        if page.locator(hidden).count():
            assert not page.locator(hidden).first.is_visible(), hidden
    source = page.locator(".print-source")
    assert source.is_visible()
    path = types["portal"]["policy"].removeprefix("/portal/")
    assert f"https://www.nn-demo.gov.cn/{path}" in source.inner_text()
    assert dt.date.today().isoformat() in source.inner_text()
    assert page.locator(".item-body").is_visible() and page.locator(".footer-info").is_visible()
    ctx.close()


# -- the setting carried across the group's domains ---------------------------

@pytest.fixture(scope="module")
def production_output(tmp_path_factory, demo_root):
    from workflow.build.pipeline import build

    out = tmp_path_factory.mktemp("production") / "output"
    build(demo_root, output=out, mode="production", echo=lambda *_: None)
    return out


def serve_domains(ctx, output, group):
    """The group's https:// domains answered from the production build, as the generated
    nginx config does (its headers, CORS on /pagefind/): the internet is the only mock."""
    from workflow.publish import nginx

    headers = {**nginx.HEADERS, "Content-Security-Policy": nginx.csp(group)}
    by_host = {s.domain: s.id for s in group.sites.values()}

    def answer(route):
        url = urllib.parse.urlsplit(route.request.url)
        root = output / by_host[url.hostname]
        path = urllib.parse.unquote(url.path).lstrip("/")
        target = root / path
        if target.is_dir() or path == "":
            target = target / "index.html"
        if not target.is_file():
            return route.fulfill(status=404, body="not found")
        extra = {"Access-Control-Allow-Origin": "*"} if path.startswith("pagefind/") else {}
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=target.read_bytes(), headers={**headers, **extra, "Content-Type": kind})

    ctx.route(re.compile(r"^https://[a-z0-9.-]+\.nn-demo\.gov\.cn/"), answer)


def test_the_elderly_setting_follows_the_reader_to_another_domain_of_the_group(production_output, demo_root):
    from workflow.model.sites import load_group

    group = load_group(demo_root)
    ctx = new_context(viewport=DESKTOP)
    serve_domains(ctx, production_output, group)
    page = open_page(ctx)
    page.goto("https://www.nn-demo.gov.cn/")
    page.locator("[data-a11y=large]").click()
    page.locator("[data-a11y=contrast]").click()
    link = page.locator(".directory a[href^='https://qingxiu.nn-demo.gov.cn/']")
    assert "a11y=large.contrast" in link.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(r"^https://qingxiu\.nn-demo\.gov\.cn/"))
    classes = page.evaluate("() => document.documentElement.className").split()
    assert "a11y-large" in classes and "a11y-contrast" in classes
    assert "a11y=" not in page.url                               # remembered, not left in the address
    assert json.loads(page.evaluate("(k) => localStorage.getItem(k)", A11Y_KEY)) == {"large": True, "contrast": True}
    page.goto("https://qingxiu.nn-demo.gov.cn/tzgg/")            # that domain remembers it
    assert "a11y-large" in page.evaluate("() => document.documentElement.className")
    # Back to default there: the link to the portal says so, and the portal follows.
    page.locator("[data-a11y=reset]").click()
    back = page.locator("a.to-portal")
    assert "a11y=off" in back.get_attribute("href")
    back.click()
    page.wait_for_url(re.compile(r"^https://www\.nn-demo\.gov\.cn/"))
    assert "a11y-large" not in page.evaluate("() => document.documentElement.className")
    assert page.errors == []
    ctx.close()


def test_a_reader_who_never_chose_gets_no_parameter_on_links(production_output, demo_root):
    from workflow.model.sites import load_group

    ctx = new_context(viewport=DESKTOP)
    serve_domains(ctx, production_output, load_group(demo_root))
    page = open_page(ctx)
    page.goto("https://www.nn-demo.gov.cn/")
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    assert hrefs and not [h for h in hrefs if "a11y=" in h]
    ctx.close()


def test_group_search_works_across_domains_in_production(production_output, demo_root):
    """mergeIndex from https://www… reads https://rsj…/pagefind/ (CSP connect-src, CORS)."""
    from workflow.model.sites import load_group

    ctx = new_context(viewport=DESKTOP)
    serve_domains(ctx, production_output, load_group(demo_root))
    page = open_page(ctx)
    page.goto("https://www.nn-demo.gov.cn/search.html?q=稳岗返还")
    expect(page.locator("#search-status")).to_have_text(DONE)
    hrefs = page.eval_on_selector_all("#search-results a", "as => as.map(a => a.href)")
    assert "https://rsj.nn-demo.gov.cn/tzgg/2026-10-shiye-baoxian-wengang-fanhuan.html" in hrefs
    assert page.errors == []
    ctx.close()


# -- group-wide search ---------------------------------------------------------

def search(page, base, query, site="portal", scope="group"):
    page.goto(f"{base}/{site}/search.html?q={urllib.parse.quote(query)}&scope={scope}")
    expect(page.locator("#search-status")).to_have_text(DONE)
    while page.locator("#search-more").is_visible():
        count = page.locator("#search-results li").count()
        page.click("#search-more")
        expect(page.locator("#search-results li")).not_to_have_count(count)
    return page.evaluate("""() => [...document.querySelectorAll('#search-results li')].map((li) => ({
        href: li.querySelector('a').getAttribute('href'), title: li.querySelector('a').textContent,
        meta: Object.fromEntries([...li.querySelectorAll('.search-meta span')].map((s) => s.textContent.split('：'))),
        excerpt: li.querySelector('.search-excerpt').textContent,
        marks: [...li.querySelectorAll('mark')].map((m) => m.textContent)}))""")


def published_items(output):
    report = json.loads((output / "report.json").read_text(encoding="utf-8"))
    for entry in report["items"]:
        if entry["status"] == "published":
            doc = BeautifulSoup((output / entry["url"].lstrip("/")).read_text(encoding="utf-8"), "html.parser")
            meta = {m["name"]: m["content"] for m in doc.find_all("meta", attrs={"name": True})}
            yield entry, meta


def test_group_search_finds_every_published_item_of_every_site_by_a_word_of_its_title(demo, demo_output):
    base, _ = demo
    ctx = new_context()
    page = open_page(ctx)
    tries, checked = 0, 0
    for entry, meta in published_items(demo_output):
        title = meta["ArticleTitle"]
        words = list(dict.fromkeys(m[0] for i in range(len(title) - 1) if (m := HAN2.match(title, i))))[:10]
        hit = None
        for word in words:
            tries += 1
            hit = next((r for r in search(page, base, word) if r["href"] == entry["url"]), None)
            if hit:
                break
        assert hit, (entry["url"], title, words)
        assert hit["title"] == title
        assert hit["meta"]["发布日期"] == meta["PubDate"][:10], hit
        assert hit["meta"]["来源"] == meta["ContentSource"] and hit["meta"]["网站"] == meta["SiteName"], hit
        assert hit["meta"]["栏目"] == meta["ColumnName"], hit
        assert all(m == word for m in hit["marks"]), hit                        # the word as typed is marked
        checked += 1
    print(f"group search: {checked} items found by a word of their title ({tries} queries)")
    assert checked >= 55
    assert page.errors == []
    ctx.close()


@pytest.mark.parametrize("query, url", [
    ("招聘会", "/rsj/dongtai/2026-11-gaoxiao-biyesheng-zhaopinhui.html"),
    ("稳岗返还", "/rsj/tzgg/2026-10-shiye-baoxian-wengang-fanhuan.html"),
    ("楼宇经济", "/qingxiu/zcwj/qingzhengfa-2026-12-louyu-jingji.html"),
    ("见习", "/rsj/tzgg/2026-11-jiuye-jianxi-jidi-gongshi.html"),
])
def test_the_words_the_issue_named_are_found_from_the_portal_with_whole_terms_marked(demo, query, url):
    base, _ = demo
    ctx = new_context()
    page = open_page(ctx)
    found = search(page, base, query)
    assert url in [r["href"] for r in found]
    for r in found:
        assert query in r["title"] + r["excerpt"], r
        assert (r["marks"] or query in r["title"]) and all(m == query for m in r["marks"]), r   # whole terms only
        assert not re.search(r"索引号|发文机关|主题分类|成文日期", r["excerpt"]), r        # body text only
        assert not r["excerpt"].startswith(("，", "、", "。")), r
    ctx.close()


def test_results_can_be_filtered_by_site_column_type_and_year_and_sorted_by_date(demo):
    base, _ = demo
    ctx = new_context()
    page = open_page(ctx)
    everything = search(page, base, "就业")
    sites = {r["meta"]["网站"] for r in everything}
    assert len(sites) >= 2
    page.select_option("select[data-filter=site]", value="南宁市人力资源和社会保障局")
    only = page.eval_on_selector_all("#search-results li .search-meta", "els => els.map(e => e.textContent)")
    assert only and all("网站：南宁市人力资源和社会保障局" in m for m in only)
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^找到 \d+ 条与“就业”相关的信息，筛选后 \d+ 条。$"))
    page.select_option("select[data-filter=site]", value="")
    for key in ("column", "type", "year"):
        options = page.eval_on_selector_all(f"select[data-filter={key}] option", "os => os.map(o => o.value)")
        assert options[0] == "" and len(options) >= 2, key
    years = page.eval_on_selector_all("select[data-filter=year] option", "os => os.map(o => o.value).filter(Boolean)")
    page.select_option("select[data-filter=year]", value=years[-1])         # the earliest year
    shown = page.eval_on_selector_all("#search-results li .search-meta", "els => els.map(e => e.textContent)")
    assert shown and all(f"发布日期：{years[-1]}-" in m for m in shown)
    page.select_option("select[data-filter=year]", value="")
    page.select_option("#search-sort", value="date")
    dates = page.eval_on_selector_all("#search-results li .search-meta", """els => els.map(e =>
        (e.textContent.match(/发布日期：(\\d{4}-\\d{2}-\\d{2})/) || [])[1])""")
    assert dates == sorted(dates, reverse=True) and len(dates) == min(10, len(everything))
    assert page.errors == []
    ctx.close()


def test_a_subordinate_site_searches_itself_and_switches_to_the_whole_group(demo):
    base, _ = demo
    ctx = new_context()
    page = open_page(ctx)
    page.goto(f"{base}/qingxiu/search.html?q=招聘")
    expect(page.locator("#search-status")).to_have_text(DONE)
    own = page.eval_on_selector_all("#search-results a", "as => as.map(a => a.getAttribute('href'))")
    assert all(h.startswith("/qingxiu/") for h in own)
    assert page.locator("input[name=scope][value=site]").is_checked()
    page.locator("label", has_text="全站群").click()
    expect(page.locator("#search-status")).to_have_text(re.compile("^找到"))
    group = page.eval_on_selector_all("#search-results a", "as => as.map(a => a.getAttribute('href'))")
    assert any(h.startswith("/rsj/") for h in group) and set(own) <= set(group)
    assert "scope=group" in page.url
    ctx.close()
