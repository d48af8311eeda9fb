"""Phones in Chromium: at 375 px no page type scrolls sideways, and the navigation is usable."""
from __future__ import annotations

import json

import pytest

from tests.browser import (
    A11Y_KEY,
    browser_of_this_module,  # noqa: F401  (autouse)
    every_page,
    new_context,
    no_horizontal_scroll,
    open_page,
    page_types,
    served,
)

PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def demo(demo_output):
    with served(demo_output) as base:
        yield base, page_types(demo_output)


@pytest.mark.parametrize("prefs", [{}, {"large": True, "contrast": True}], ids=["normal", "large+contrast"])
def test_no_page_of_the_demo_group_scrolls_sideways_at_375_px(demo, demo_output, prefs):
    """Every page of every site (and the search page with results), in both schemes."""
    base, types = demo
    ctx = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_page(ctx)
    page.goto(base + "/portal/")
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [A11Y_KEY, json.dumps(prefs)])
    wide = []
    paths = every_page(demo_output) + [types[s]["search"] for s in types]
    for path in paths:
        page.goto(base + path)
        ok, width, inner = no_horizontal_scroll(page)
        if not ok:
            wide.append(f"{path}: {width}px > {inner}px")
        if prefs:
            assert "a11y-large" in page.evaluate("() => document.documentElement.className")
    ctx.close()
    print(f"{len(paths)} pages at 375 px")
    assert len(paths) > 100 and wide == []


def test_phone_navigation_opens_from_its_button_by_touch_and_keyboard(demo):
    base, types = demo
    ctx = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_page(ctx)
    page.goto(base + types["qingxiu"]["news"])
    toggle = page.locator("[data-nav-toggle]")
    nav = page.locator("#nav-families")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()                  # folded: the page starts with its content
    toggle.tap()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav.is_visible()
    link = nav.locator("a", has_text="通知公告")
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 20
    link.tap()
    page.wait_for_url(f"{base}/qingxiu/tzgg/")
    # Keyboard: Enter on the focused button opens and closes it.
    page.locator("[data-nav-toggle]").focus()
    page.keyboard.press("Enter")
    assert page.locator("#nav-families").is_visible()
    page.keyboard.press("Enter")
    assert not page.locator("#nav-families").is_visible()
    assert page.errors == []
    ctx.close()


def test_desktop_shows_the_navigation_without_a_button(demo):
    base, types = demo
    ctx = new_context()
    page = open_page(ctx)
    page.goto(base + types["portal"]["home"])
    assert page.locator("#nav-families").is_visible()
    assert not page.locator("[data-nav-toggle]").is_visible()
    # The first entry lines up with the page content, not with the window's edge.
    first = page.locator("#nav-families > li").first.bounding_box()["x"]
    content = page.locator("main").bounding_box()["x"] + 16
    assert abs(first - content) <= 2
    ctx.close()


def test_phone_navigation_is_open_without_javascript(demo):
    base, types = demo
    ctx = new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    page = open_page(ctx)
    page.goto(base + types["portal"]["policy"])
    assert page.locator("#nav-families").is_visible()
    assert not page.locator("[data-nav-toggle]").is_visible()
    assert no_horizontal_scroll(page)[0]
    ctx.close()
