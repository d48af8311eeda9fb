"""What a reader sees in Chromium: screenshots of the demo (written to
test-artifacts/browser/), and Chinese text drawn with real CJK glyphs, not boxes."""
from __future__ import annotations

import pytest

from tests.browser import (
    ARTIFACTS,
    browser_of_this_module,  # noqa: F401  (autouse)
    new_context,
    open_page,
    page_types,
    served,
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


def test_screenshots_of_home_and_item_pages(demo):
    base, types = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = [("desktop", {"width": 1280, "height": 900}, "portal", "home"),
             ("mobile", {"width": 375, "height": 812}, "portal", "home"),
             ("desktop", {"width": 1280, "height": 900}, "portal", "policy"),
             ("mobile", {"width": 375, "height": 812}, "portal", "policy"),
             ("desktop", {"width": 1280, "height": 900}, "qingxiu", "home"),
             ("mobile", {"width": 375, "height": 812}, "qingxiu", "news")]
    written = []
    for device, viewport, site, kind in shots:
        ctx = new_context(viewport=viewport, is_mobile=device == "mobile")
        page = open_page(ctx)
        page.goto(base + types[site][kind])
        path = ARTIFACTS / f"{site}-{kind}-{device}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, path          # a page, not a blank canvas
        written.append(path)
        ctx.close()
    for path in written:
        print(f"screenshot: {path}")


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
