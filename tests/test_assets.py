"""Fingerprinted theme assets (issue 15): pages name their CSS, JS and images by content hash, through
one Jinja global, so a page always loads the assets of its own build."""
import re

from tests.test_deploy import build

THEME_URL = re.compile(r'(?:href|src)="([^"]*/theme/[^"]+)"')


def test_every_page_names_fingerprinted_theme_files_that_exist(demo_output):
    pages = [p for p in demo_output.rglob("*.html") if ".manifests" not in p.parts]
    assert len(pages) > 50
    named = set()
    for page in pages:
        site = page.relative_to(demo_output).parts[0]
        for url in THEME_URL.findall(page.read_text(encoding="utf-8")):
            rel = url.split(f"/{site}/", 1)[1]
            assert re.search(r"\.[0-9a-f]{10}\.(css|js|svg)$", rel), (page, url)
            assert (demo_output / site / rel).is_file(), (page, url)
            named.add(rel)
    assert {r.split("/")[-1].split(".")[0] for r in named} >= {"site", "mark", "dzjg", "police"}
    unhashed = [p for p in demo_output.glob("*/theme/**/*") if p.is_file()
                and not re.search(r"\.[0-9a-f]{10}\.[a-z0-9]+$", p.name)]
    assert unhashed == []


def test_a_changed_stylesheet_gets_a_new_name_and_the_old_one_is_gone_from_the_build(group):
    group.item(slug="x")
    build(group, "--preview")
    before = {p.name for p in (group.output / "portal/theme/css").iterdir()}
    css = group.root / "themes/govsite/static/css/site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.x { color: red; }\n", encoding="utf-8")
    build(group, "--preview")
    after = {p.name for p in (group.output / "portal/theme/css").iterdir()}
    assert len(before) == len(after) == 1 and before != after
    page = (group.output / "portal/index.html").read_text(encoding="utf-8")
    assert after.pop() in page


def test_a_template_naming_a_missing_theme_file_fails_the_build_naming_it(group):
    base = group.root / "themes/govsite/templates/base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("asset('css/site.css')", "asset('css/nope.css')"),
                    encoding="utf-8")
    group.item(slug="x")
    code, out, err = group.build()
    assert code != 0
    assert "css/nope.css" in out + err and "Traceback" not in out + err
