"""What the browser tests share: Debian's Chromium driven by Playwright (one browser
per test module), a built group served on 127.0.0.1, axe-core, and the page
types of a built group."""
from __future__ import annotations

import atexit
import contextlib
import re
import threading
from pathlib import Path

import pytest

from tests.repo import PROJECT
from workflow.publish.serve import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = PROJECT / "test-artifacts" / "browser"
A11Y_KEY = "govsite.a11y"

_shared: dict = {}


def browser():
    """The Chromium of the running test module, started on first use."""
    if "browser" not in _shared:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        _shared["pw"] = pw
        _shared["browser"] = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        atexit.register(_stop)          # if a module forgot to import the fixture
    return _shared["browser"]


def _stop():
    if "browser" in _shared:
        _shared.pop("browser").close()
        _shared.pop("pw").stop()


@pytest.fixture(scope="module", autouse=True)
def browser_of_this_module():
    """Import into a test module: its browser is closed when the module ends, since
    Playwright's sync API allows one instance per thread and other modules start their own."""
    yield
    _stop()


@contextlib.contextmanager
def served(output: Path, portal: str = "portal"):
    """`govsite serve`'s own server over a built output folder; yields the base URL."""
    server = make_server(output, 0, portal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def new_context(**kw):
    """A fresh profile (own localStorage); pages, dialogs and popups are recorded."""
    kw.setdefault("viewport", {"width": 1280, "height": 900})
    ctx = browser().new_context(**kw)
    ctx.popups, ctx.dialogs = [], []
    ctx.on("page", lambda p: ctx.popups.append(p))
    return ctx


def open_page(ctx):
    page = ctx.new_page()
    ctx.popups.clear()              # the page we opened ourselves is not a pop-up
    page.on("dialog", lambda d: (ctx.dialogs.append(d.message), d.dismiss()))
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    return page


ITEM_TYPE = re.compile(r'<article class="item item-([a-z]+)"')


def page_types(output: Path, sites: list[str] | None = None) -> dict[str, dict[str, str]]:
    """For each built site: {page type: URL path} with one page of every type found.

    Types: home, column, sites, sitemap, search, 404, the item types of the
    theme (news, notice, policy, service, letter, interview, survey, page…),
    topic, topic-section, withdrawn."""
    found: dict[str, dict[str, str]] = {}
    for site_dir in sorted(p for p in output.iterdir() if (p / "index.html").is_file()):
        sid = site_dir.name
        if sites and sid not in sites:
            continue
        types = {"home": f"/{sid}/", "sites": f"/{sid}/sites.html", "sitemap": f"/{sid}/sitemap.html",
                 "search": f"/{sid}/search.html?q=政府", "404": f"/{sid}/no-such-page.html"}
        for html in sorted(site_dir.rglob("*.html")):
            rel = html.relative_to(site_dir).as_posix()
            if rel.startswith("pagefind/"):
                continue
            text = html.read_text(encoding="utf-8")
            kind = None
            if rel.endswith("/index.html") and rel.count("/") == 1:
                kind = "column"
            elif rel.startswith("topic/") and rel.count("/") == 2:
                kind = "topic-section"
            elif rel.startswith("topic/"):
                kind = "topic"
            elif "withdrawn-notice" in text:
                kind = "withdrawn"
            elif m := ITEM_TYPE.search(text):
                kind = m.group(1)
            if kind and kind not in types:
                types[kind] = f"/{sid}/{rel.removesuffix('index.html')}"
        found[sid] = types
    return found


def axe(page, axe_script: str) -> list[dict]:
    """axe-core's violations on the page, with contrast required at 4.5:1 for all text
    (axe alone accepts 3:1 for large text)."""
    page.evaluate(axe_script)
    page.evaluate("""() => axe.configure({checks: [{id: 'color-contrast', options: {contrastRatio: {
        normal: {expected: 4.5}, large: {expected: 4.5}}}}]})""")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def no_horizontal_scroll(page) -> tuple[bool, int, int]:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    inner = page.evaluate("() => window.innerWidth")
    return width <= inner, width, inner


def every_page(output: Path) -> list[str]:
    """URL path of every page of every built site (not the search bundle's)."""
    found = []
    for site_dir in sorted(p for p in output.iterdir() if (p / "index.html").is_file()):
        for html in sorted(site_dir.rglob("*.html")):
            rel = html.relative_to(site_dir).as_posix()
            if not rel.startswith("pagefind/"):
                found.append(f"/{site_dir.name}/{rel.removesuffix('index.html')}")
    return found


def set_prefs(page, base: str, prefs: dict) -> None:
    """The 适老化 setting a reader chose (localStorage of the preview's one origin)."""
    import json

    page.goto(f"{base}/portal/")
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [A11Y_KEY, json.dumps(prefs)])


def settle(page) -> None:
    """Scroll through the page so lazy images load, then back to the top."""
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("() => [...document.images].every((i) => i.complete)")
    page.evaluate("() => window.scrollTo(0, 0)")
