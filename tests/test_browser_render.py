"""What a reader sees in Chromium: screenshots of the demo (written to
test-artifacts/browser/), and Chinese text drawn with real CJK glyphs, not boxes."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import (
    ARTIFACTS,
    browser_of_this_module,  # noqa: F401  (autouse)
    new_context,
    open_page,
    page_types,
    served,
    set_prefs,
    settle,
)

CJK_FAMILY = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "Noto Sans SC")

# Draws each character alone on a canvas in the font the element uses; returns the
# pixels' fingerprints. A missing CJK font draws every character as the same box.
GLYPHS = """([selector, chars]) => {
  const font = getComputedStyle(document.querySelector(selector)).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 48;
  const g = canvas.getContext('2d', {willReadFrequently: true});
  return chars.map((c) => {
    g.fillStyle = '#fff'; g.fillRect(0, 0, 48, 48);
    g.fillStyle = '#000'; g.font = `40px ${font}`; g.textBaseline = 'top';
    g.fillText(c, 4, 4);
    const px = g.getImageData(0, 0, 48, 48).data;
    let ink = 0, hash = 0;
    for (let i = 0; i < px.length; i += 4) {
      const dark = px[i] < 128 ? 1 : 0;
      ink += dark; hash = (hash * 31 + dark * (i + 1)) | 0;
    }
    return [ink, hash];
  });
}"""


@pytest.fixture(scope="module")
def demo(demo_output):
    with served(demo_output) as base:
        yield base, page_types(demo_output)


def test_screenshots_of_every_page_type_at_1280_and_375_px(demo):
    """Every page type of the group (from the first site that has it, the portal first) and
    every site's home page, at desktop and phone widths: the CI artifact reviewers look at."""
    base, types = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chosen: dict[str, tuple[str, str]] = {}
    for site in sorted(types, key=lambda sid: sid != "portal"):      # the portal first
        for kind, path in types[site].items():
            chosen.setdefault(kind, (site, path))
            if kind == "home":
                chosen[f"home-{site}"] = (site, path)
    written = []
    for device, viewport in (("1280", {"width": 1280, "height": 900}), ("375", {"width": 375, "height": 812})):
        ctx = new_context(viewport=viewport, is_mobile=device == "375")
        page = open_page(ctx)
        for kind, (site, path) in sorted(chosen.items()):
            page.goto(base + path)
            if "search.html?q=" in path:                   # results arrive after load
                expect(page.locator("#search-status")).to_have_text(re.compile("^(找到|未找到)"))
            settle(page)
            shot = ARTIFACTS / f"{site}-{kind.removesuffix('-' + site)}-{device}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000, shot          # a page, not a blank canvas
            written.append(shot)
        # The 404 page is answered with status 404, which Chromium logs; nothing else may fail.
        assert [e for e in page.errors if "status of 404" not in e] == [], page.errors
        assert len([e for e in page.errors if "status of 404" in e]) <= 1
        ctx.close()
    assert len(written) == 2 * len(chosen) and len(chosen) >= 18
    # The 适老化 scheme (大字版 + 高对比度) of the portal's home and a document.
    for device, viewport in (("1280", {"width": 1280, "height": 900}), ("375", {"width": 375, "height": 812})):
        ctx = new_context(viewport=viewport, is_mobile=device == "375")
        page = open_page(ctx)
        set_prefs(page, base, {"large": True, "contrast": True})
        for kind in ("home", "policy"):
            page.goto(base + types["portal"][kind])
            settle(page)
            shot = ARTIFACTS / f"portal-{kind}-large-contrast-{device}.png"
            page.screenshot(path=str(shot), full_page=True)
            written.append(shot)
        ctx.close()
    for shot in written:
        print(f"screenshot: {shot}")


def test_chinese_text_is_drawn_with_a_cjk_font_not_boxes(demo):
    base, types = demo
    ctx = new_context()
    page = open_page(ctx)
    page.goto(base + types["portal"]["policy"])
    title = page.locator("h1.item-title").inner_text()
    chars = sorted(set(c for c in title if "\u4e00" <= c <= "\u9fff"))[:8]
    assert len(chars) >= 6

    # 1. The font Chromium actually used for the title's characters (DevTools protocol).
    cdp = ctx.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1.item-title"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cjk = [f for f in fonts if f["familyName"].startswith(CJK_FAMILY)]
    assert cjk, fonts
    assert sum(f["glyphCount"] for f in cjk) >= len([c for c in title if "\u4e00" <= c <= "\u9fff"])

    # 2. The pixels: every character has ink, and different characters look different;
    #    the "missing glyph" box (a private-use code point) looks like none of them.
    drawn = page.evaluate(GLYPHS, ["h1.item-title", chars + ["\ue000"]])
    glyphs, box = drawn[:-1], drawn[-1]
    assert all(ink > 40 for ink, _ in glyphs), drawn
    assert len({h for _, h in glyphs}) == len(glyphs), drawn
    assert box not in glyphs
    print(f"CJK font used: {[f['familyName'] for f in cjk]}; characters checked: {''.join(chars)}")
    ctx.close()
