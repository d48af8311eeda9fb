"""Accessibility in Chromium: axe-core on every page type of every demo site (normal,
大字版 + 高对比度), skip link, landmarks, lang and visible keyboard focus."""
from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser import (
    A11Y_KEY,
    ARTIFACTS,
    axe,
    browser_of_this_module,  # noqa: F401  (autouse)
    new_context,
    open_page,
    page_types,
    served,
)

AXE_SCRIPT = Axe().axe_script
BLOCKING = {"serious", "critical"}
EVERY_SITE = {"home", "column", "sites", "sitemap", "search", "404", "news", "notice", "policy",
              "service", "letter"}
PORTAL_ONLY = {"topic", "topic-section", "interview", "survey", "page"}


def scan(page, url: str, label: str, report: list[str]) -> list[str]:
    """Scan one page; return its serious/critical violations, log every violation."""
    page.goto(url)
    if "search.html?q=" in url:          # results arrive after load
        expect(page.locator("#search-status")).to_have_text(re.compile("^(找到|未找到)"))
    blocking = []
    for v in axe(page, AXE_SCRIPT):
        targets = [", ".join(map(str, n["target"])) for n in v["nodes"]][:5]
        line = f"{label}: [{v['impact']}] {v['id']} — {v['help']} — {targets}"
        report.append(line)
        if v["impact"] in BLOCKING:
            blocking.append(line)
    return blocking


def write_report(name: str, scanned: list[str], report: list[str]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_text("scanned:\n" + "\n".join(scanned) + "\n\nviolations:\n" + "\n".join(report or ["(none)"]) + "\n",
                    encoding="utf-8")
    print(f"axe: {len(scanned)} pages, {len(report)} violations (none serious or critical allowed): {path}")
    for line in report:
        print("  " + line)


@pytest.fixture(scope="module")
def demo(demo_output):
    with served(demo_output) as base:
        yield base, page_types(demo_output)


def test_every_demo_site_has_every_page_type(demo):
    _, types = demo
    assert set(types) == {"portal", "qingxiu", "dsj", "rsj"}
    for site, kinds in types.items():
        assert set(kinds) >= EVERY_SITE, (site, EVERY_SITE - set(kinds))
    assert set(types["portal"]) >= PORTAL_ONLY, PORTAL_ONLY - set(types["portal"])


MODES = {"normal": {}, "large": {"large": True}, "contrast": {"contrast": True},
         "large+contrast": {"large": True, "contrast": True}}


@pytest.mark.parametrize("mode", list(MODES))
def test_no_page_type_of_any_demo_site_has_serious_or_critical_axe_violations(demo, mode):
    base, types = demo
    ctx = new_context()
    page = open_page(ctx)
    if mode != "normal":
        page.goto(f"{base}/portal/")
        page.evaluate("([k, v]) => localStorage.setItem(k, v)", [A11Y_KEY, json.dumps(MODES[mode])])
    blocking, report, scanned = [], [], []
    # The 适老化 schemes are the same CSS on every site: every type of the group (from the
    # first site that has it) and every home page; the normal scheme on every site.
    if mode == "normal":
        sites = types
    else:
        sites = {}
        for site, kinds in types.items():
            for kind, path in kinds.items():
                if kind == "home" or all(kind not in s for s in sites.values()):
                    sites.setdefault(site, {})[kind] = path
    for site, kinds in sites.items():
        for kind, path in kinds.items():
            label = f"{mode} {site} {kind} {path}"
            scanned.append(label)
            blocking += scan(page, base + path, label, report)
    if mode != "normal":
        classes = page.evaluate("() => document.documentElement.className").split()
        assert ("a11y-large" in classes) == ("large" in MODES[mode])
        assert ("a11y-contrast" in classes) == ("contrast" in MODES[mode])
    write_report(f"axe-{mode}.txt", scanned, report)
    ctx.close()
    assert blocking == []


@pytest.fixture
def withdrawn_group(group):
    path = group.item(slug="chehui", title="一条后来撤除的信息")
    assert group.approve(path, "zhong.shen")[0] == 0
    code, out, err = group.govsite("withdraw", path, "--reason", "信息已过时", "--as", "zhong.shen",
                                   "--key", group.keys["zhong.shen"])
    assert code == 0, out + err
    code, out, err = group.build()
    assert code == 0, out + err
    return group


def test_withdrawn_notice_page_has_no_serious_or_critical_axe_violations(withdrawn_group):
    out = withdrawn_group.output
    assert "withdrawn-notice" in (out / "portal/yaowen/chehui.html").read_text(encoding="utf-8")
    with served(out) as base:
        ctx = new_context()
        page = open_page(ctx)
        report = []
        blocking = scan(page, f"{base}/portal/yaowen/chehui.html", "withdrawn notice", report)
        page.evaluate("([k, v]) => localStorage.setItem(k, v)", [A11Y_KEY, json.dumps({"large": True, "contrast": True})])
        blocking += scan(page, f"{base}/portal/yaowen/chehui.html", "withdrawn notice large+contrast", report)
        write_report("axe-withdrawn.txt", ["withdrawn notice"], report)
        ctx.close()
    assert blocking == []


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(demo):
    base, types = demo
    ctx = new_context()
    page = open_page(ctx)
    for site in ("portal", "qingxiu"):
        page.goto(base + types[site]["policy"])
        page.keyboard.press("Tab")
        link = page.locator(":focus")
        assert link.get_attribute("class") == "skip-link"
        assert link.inner_text() == "跳到正文"
        box = link.bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 20      # on screen once focused
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"
        page.keyboard.press("Tab")                                         # next stop is inside main
        assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
    ctx.close()


def test_every_page_type_has_lang_title_landmarks_and_one_h1(demo):
    base, types = demo
    ctx = new_context()
    page = open_page(ctx)
    for site, kinds in types.items():
        for kind, path in kinds.items():
            page.goto(base + path)
            facts = page.evaluate("""() => ({
                lang: document.documentElement.lang, title: document.title,
                main: document.querySelectorAll('main').length,
                banner: document.querySelectorAll('header[role=banner]').length,
                footer: document.querySelectorAll('footer[role=contentinfo]').length,
                nav: document.querySelectorAll('nav[aria-label=主导航]').length,
                search: document.querySelectorAll('form[role=search]').length,
                h1: document.querySelectorAll('h1').length})""")
            where = f"{site} {kind} {path}"
            assert facts["lang"] == "zh-CN", where
            assert facts["title"].strip(), where
            assert (facts["main"], facts["banner"], facts["footer"], facts["nav"]) == (1, 1, 1, 1), where
            assert facts["search"] >= 1, where
            assert facts["h1"] == 1, where
    ctx.close()


FOCUS_STYLE = """() => { const s = getComputedStyle(document.activeElement);
    return {tag: document.activeElement.tagName, text: document.activeElement.textContent.trim().slice(0, 20),
            outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }"""


@pytest.mark.parametrize("contrast", [False, True])
def test_keyboard_focus_is_visible_on_every_stop(demo, contrast):
    base, types = demo
    ctx = new_context()
    page = open_page(ctx)
    page.goto(base + "/portal/")
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [A11Y_KEY, json.dumps({"contrast": contrast})])
    for path in (types["portal"]["home"], types["portal"]["policy"], types["portal"]["search"]):
        page.goto(base + path)
        seen = 0
        for _ in range(45):
            page.keyboard.press("Tab")
            style = page.evaluate(FOCUS_STYLE)
            if style["tag"] == "BODY":
                break
            seen += 1
            assert style["outline"] != "none" and style["width"] >= 2 and style["shadow"] != "none", (path, style)
        assert seen >= 20
    ctx.close()


@pytest.fixture(scope="module")
def web_report(demo_output, demo_root, tmp_path_factory):
    """The web office's report (`govsite report`) of the demo build, written beside it."""
    from workflow.model import dates
    from workflow.model.sites import load_group
    from workflow.report.webreport import collect, write

    as_of = dates.parse_date("2026-11-25")
    out = tmp_path_factory.mktemp("webreport")
    html, _ = write(collect(load_group(demo_root), as_of, 2026, demo_output), out / "webreport")
    return out, f"/webreport/{html.name}"


def test_web_office_report_has_no_serious_or_critical_axe_violations(web_report):
    folder, path = web_report
    with served(folder) as base:
        ctx = new_context()
        page = open_page(ctx)
        report = []
        blocking = scan(page, base + path, "web-office report", report)
        assert page.evaluate("() => document.documentElement.lang").startswith("zh")
        write_report("axe-webreport.txt", ["web-office report " + path], report)
        ctx.close()
    assert blocking == []
