"""适老化 toolbar (大字版, 高对比度) and the item page's 字号 / 打印, in Chromium;
and every page usable with JavaScript off."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import (
    A11Y_KEY,
    browser_of_this_module,  # noqa: F401  (autouse)
    new_context,
    open_page,
    page_types,
    served,
)

ROOT_FONT = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"
BODY_COLOURS = "() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"


@pytest.fixture(scope="module")
def demo(demo_output):
    with served(demo_output) as base:
        yield base, page_types(demo_output)


def focus_by_tab(page, selector: str, limit: int = 30) -> None:
    """Tab from the top of the page until `selector` has the focus, as a keyboard user would."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_toolbar_works_by_keyboard_and_is_remembered_across_pages_and_sites(demo):
    base, types = demo
    ctx = new_context()
    page = open_page(ctx)
    page.goto(base + types["portal"]["home"])
    normal = page.evaluate(ROOT_FONT)
    normal_colours = page.evaluate(BODY_COLOURS)
    large = page.locator("[data-a11y=large]")
    contrast = page.locator("[data-a11y=contrast]")
    assert large.is_visible() and large.get_attribute("aria-pressed") == "false"

    focus_by_tab(page, "[data-a11y=large]")
    page.keyboard.press("Enter")
    assert large.get_attribute("aria-pressed") == "true"
    assert page.evaluate(ROOT_FONT) >= 1.5 * normal
    focus_by_tab(page, "[data-a11y=contrast]")
    page.keyboard.press("Space")
    assert contrast.get_attribute("aria-pressed") == "true"
    assert page.evaluate(BODY_COLOURS) == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    # Body text really grows: an item's paragraphs, not only the root size.
    for path in (types["portal"]["policy"], types["qingxiu"]["news"], types["rsj"]["column"]):
        page.goto(base + path)
        assert page.evaluate(ROOT_FONT) >= 1.5 * normal, path
        assert page.evaluate(BODY_COLOURS) == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"], path
        assert page.locator("[data-a11y=large]").get_attribute("aria-pressed") == "true"
        assert page.locator("[data-a11y=contrast]").get_attribute("aria-pressed") == "true"
    page.goto(base + types["portal"]["policy"])
    text = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.item-body p')).fontSize)")
    assert text >= 1.5 * 16

    focus_by_tab(page, "[data-a11y=reset]")
    page.keyboard.press("Enter")
    assert page.evaluate(ROOT_FONT) == normal
    assert page.evaluate(BODY_COLOURS) == normal_colours
    page.reload()
    assert page.evaluate(ROOT_FONT) == normal
    assert ctx.popups == [] and ctx.dialogs == []
    assert page.errors == []
    ctx.close()


def test_remembered_setting_applies_before_the_first_paint(demo):
    base, types = demo
    ctx = new_context()
    page = open_page(ctx)
    page.goto(base + types["portal"]["home"])
    page.evaluate("(k) => localStorage.setItem(k, JSON.stringify({large: true}))", A11Y_KEY)
    # Record <html>'s classes as soon as the parser has inserted <main>: long before
    # the page is complete, so a deferred or late script would be caught out.
    ctx.add_init_script("""new MutationObserver((_, o) => { if (document.querySelector('main')) {
        window.classesAtMain = document.documentElement.className; o.disconnect(); } })
        .observe(document, {childList: true, subtree: true});""")
    page.goto(base + types["dsj"]["home"])
    assert "a11y-large" in page.evaluate("() => window.classesAtMain").split()
    ctx.close()


def test_item_page_font_size_and_print_controls(demo):
    base, types = demo
    ctx = new_context()
    page = open_page(ctx)
    page.goto(base + types["portal"]["policy"])
    size = "() => parseFloat(getComputedStyle(document.querySelector('.item-body')).fontSize)"
    middle = page.evaluate(size)
    page.get_by_role("button", name="大", exact=True).click()
    assert page.evaluate(size) > middle
    assert page.get_by_role("button", name="大", exact=True).get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="小", exact=True).click()
    assert page.evaluate(size) < middle
    assert page.get_by_role("button", name="大", exact=True).get_attribute("aria-pressed") == "false"
    focus_by_tab(page, "[data-size=m]", limit=60)
    page.keyboard.press("Enter")
    assert page.evaluate(size) == middle
    assert page.get_by_role("button", name="打印").is_visible()
    # What 打印 prints: the text without navigation, toolbar or search.
    page.emulate_media(media="print")
    for hidden in (".main-nav", ".a11y-bar", ".search-box", ".item-tools"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator(".item-body").is_visible()
    # Paper gets normal-size black text (backgrounds are not printed), even from 大字版 + 高对比度.
    colour = "(s) => getComputedStyle(document.querySelector(s)).color"
    for prefs in ("{}", '{"large": true, "contrast": true}'):
        page.evaluate("([k, v]) => localStorage.setItem(k, v)", [A11Y_KEY, prefs])
        page.reload()
        assert page.evaluate(colour, ".item-body") == "rgb(0, 0, 0)", prefs
        assert page.evaluate(colour, ".site-name") == "rgb(0, 0, 0)", prefs
        assert page.evaluate(ROOT_FONT) == 16, prefs
    assert ctx.popups == [] and ctx.dialogs == []
    ctx.close()


def test_without_javascript_every_page_type_is_plain_and_usable(demo):
    base, types = demo
    ctx = new_context(java_script_enabled=False)
    page = open_page(ctx)
    for site, kinds in types.items():
        for kind, path in kinds.items():
            page.goto(base + path)
            where = f"{site} {kind} {path}"
            assert page.locator("#nav-families").is_visible(), where
            assert not page.locator("[data-a11y-bar]").is_visible(), where
            assert not page.locator("[data-nav-toggle]").is_visible(), where
            assert page.locator("form.search-box input[name=q]").is_visible(), where
            assert page.locator("main h1").count() == 1, where
    # Links still lead somewhere: a column from the nav, then an item from its list.
    page.goto(base + types["portal"]["home"])
    page.locator("#nav-families a", has_text="政策文件").click()
    page.wait_for_url(f"{base}/portal/zcwj/")
    page.locator("main .item-list a").first.click()
    assert page.locator("article.item h1").is_visible()
    assert not page.locator("[data-item-tools]").is_visible()
    ctx.close()


def test_no_inline_script_or_style_in_the_built_pages(demo_output, demo_root):
    import re
    from html import unescape

    for html in demo_output.rglob("*.html"):
        if "pagefind" in html.parts:
            continue
        text = html.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), html
        assert not re.search(r"\sstyle=", text), html
        assert not re.search(r"<style", text), html
        assert not re.search(r"\son[a-z]+=", text), html
        assert "'unsafe-inline'" not in unescape(text), html
    # The theme's meta policy is the served one (workflow/publish/nginx.py) on the search
    # page, so what the browser tests pass under is what production enforces; every other
    # page is stricter still: it connects to its own site only (the group's domains are on
    # one page a site, not on every page: a page does not grow with the group).
    from workflow.model.sites import load_group
    from workflow.publish.nginx import csp

    group = load_group(demo_root)
    served_policy = [d.strip() for d in csp(group).split(";") if not d.strip().startswith("frame-ancestors")]
    own_only = ["connect-src 'self'" if d.startswith("connect-src") else d for d in served_policy]
    assert own_only != served_policy and len(group.sites) > 2

    def meta_of(page: Path) -> list[str]:
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">',
                         page.read_text(encoding="utf-8")).group(1)
        return [d.strip() for d in unescape(meta).split(";")]

    for site in ("portal", "rsj"):
        assert meta_of(demo_output / site / "search.html") == served_policy
        for page in ("index.html", "sitemap.html"):
            assert meta_of(demo_output / site / page) == own_only
        assert not any(s.domain in meta_of(demo_output / site / "index.html")[0] for s in group.sites.values())


def test_a_page_does_not_grow_with_the_group(demo_output, demo_root):
    """The group's domains (where site.js carries the 适老化 setting) are one cached theme
    file, js/group.<hash>.js, loaded by every page; no page lists them."""
    import json
    import re

    from workflow.model.sites import load_group

    group = load_group(demo_root)
    hosts = [s.domain for s in group.sites.values()]
    for site in ("portal", "rsj"):
        item = next(p for p in sorted((demo_output / site).glob("*/*.html"))
                    if "data-pagefind-body" in p.read_text(encoding="utf-8"))
        page = item.read_text(encoding="utf-8")
        src = re.search(r'<script src="([^"]*/theme/js/group\.[0-9a-f]{10}\.js)"></script>', page).group(1)
        script = (demo_output / site / src.split(f"/{site}/", 1)[-1].lstrip("/")).read_text(encoding="utf-8")
        assert json.loads(script.removeprefix("window.GOVSITE_GROUP = ").rstrip().rstrip(";")) == hosts
        assert [h for h in hosts if h in page] == [group.sites[site].domain], item    # its own domain only
