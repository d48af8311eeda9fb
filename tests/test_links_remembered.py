"""The link check remembers what it read of each page by the page's bytes
(workflow/build/pagelinks.py): a page is parsed again only when its bytes change,
and whether its links resolve is always worked out against the site as it is now."""
import pickle
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow.build import linkgraph, pagelinks
from workflow.build.pagelinks import PageLinks
from workflow.model.sites import load_group


def published(group, site="portal", reviewer="zhong.shen", **kw):
    path = group.item(site=site, **kw)
    code, out, err = group.approve(path, reviewer)
    assert code == 0, out + err
    return path


@pytest.fixture
def built(group, monkeypatch):
    """A built portal whose item ye-a links to ye-b and to its anchor; `parsed` counts
    the pages parsed since."""
    published(group, slug="ye-b", body="正文。\n\n## 小标题\n\n内容。\n")
    published(group, slug="ye-a", body="[另一篇](ye-b.html)\n\n[锚点](ye-b.html#小标题)\n")
    code, out, err = group.build()
    assert code == 0, out + err
    parsed: list[bytes] = []
    real = pagelinks._parse
    monkeypatch.setattr(pagelinks, "_parse", lambda data: parsed.append(data) or real(data))
    group.parsed = parsed
    return group


def check(group, read=None):
    found = linkgraph.check_site(group.output, load_group(group.root), "portal", "preview", read)
    return {page: [f.message for f in fs] for page, fs in found[0].items()}, found[1]


def test_an_unchanged_site_is_checked_without_parsing_a_page_and_finds_the_same(built):
    first = PageLinks("k")
    fresh = check(built, first)
    pages = len(built.parsed)
    assert pages == len(list((built.output / "portal").rglob("*.html"))) > 10
    again = PageLinks("k", first.now)
    assert check(built, again) == fresh
    assert len(built.parsed) == pages                 # not one page parsed again
    assert again.now == first.now                     # and every page remembered for the next build


def test_a_changed_page_is_parsed_again_and_its_new_broken_link_found(built):
    first = PageLinks("k")
    assert check(built, first)[0] == {}
    page = built.output / "portal" / "yaowen" / "ye-a.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</main>", '<a href="nope.html">坏链接</a></main>'), encoding="utf-8")
    built.parsed.clear()
    found, _ = check(built, PageLinks("k", first.now))
    assert len(built.parsed) == 1
    assert found == {"portal/yaowen/ye-a.html": ["链接“坏链接” nope.html 指向的页面或文件不存在"]}


def test_an_unchanged_page_whose_target_went_away_is_found_broken(built):
    first = PageLinks("k")
    assert check(built, first)[0] == {}
    target = built.output / "portal" / "yaowen" / "ye-b.html"
    target.write_text(target.read_text(encoding="utf-8").replace('id="小标题"', 'id="别的"'), encoding="utf-8")
    found, _ = check(built, PageLinks("k", first.now))
    assert list(found) == ["portal/yaowen/ye-a.html"]
    assert [m.endswith("指向的页面中没有锚点 #小标题") for m in found["portal/yaowen/ye-a.html"]] == [True]
    target.unlink()
    found, _ = check(built, PageLinks("k", first.now))
    gone = [m for m in found["portal/yaowen/ye-a.html"] if m.endswith("指向的页面或文件不存在")]
    assert any("“另一篇”" in m for m in gone) and any("“锚点”" in m for m in gone)


def test_a_store_of_other_code_or_a_damaged_one_is_not_used(built, tmp_path):
    first = PageLinks("code-1")
    check(built, first)
    path = tmp_path / "portal.pickle"
    first.save(path)
    assert PageLinks.load(path, "code-1").known == first.now
    assert PageLinks.load(path, "code-2").known == {}
    for damaged in (b"", b"not a pickle", path.read_bytes()[:100], pickle.dumps(["a", "list"]),
                    pickle.dumps((pagelinks.FORMAT + 1, "code-1", first.now))):
        path.write_bytes(damaged)
        assert PageLinks.load(path, "code-1").known == {}
    assert PageLinks.load(tmp_path / "missing.pickle", "code-1").known == {}


def test_a_change_rebuilds_reading_only_the_pages_that_changed(built):
    """Through `govsite build`: a new item's site is rebuilt; its unchanged pages are not parsed."""
    published(built, slug="ye-c", body="[另一篇](ye-b.html)\n")
    built.parsed.clear()
    code, out, err = built.build()
    assert code == 0, out + err
    total = len(list((built.output / "portal").rglob("*.html")))
    assert 0 < len(built.parsed) < total / 2, (len(built.parsed), total)


# -- any pages, any change: remembered and fresh readings agree -------------------

NAMES = ["a.html", "b.html", "sub/c.html", "sub/index.html"]
LINKS = st.sampled_from(["a.html", "b.html#x", "b.html#y", "sub/c.html", "sub/", "nope.html", "#x", "../x.html",
                         "/portal/a.html", "/portal/sub/c.html#y", "/district/", "https://example.org/",
                         "mailto:a@b.cn"])
PAGE = st.tuples(st.lists(LINKS, max_size=5), st.lists(st.sampled_from(["x", "y", "z"]), max_size=2, unique=True))


def html(links, ids) -> str:
    anchors = "".join(f'<a href="{u}">链接{i}</a>\n' for i, u in enumerate(links))
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>\n'
            + "".join(f'<h2 id="{i}">{i}</h2>\n' for i in ids) + anchors + "</body></html>\n")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.dictionaries(st.sampled_from(NAMES), PAGE, min_size=1),
       after=st.dictionaries(st.sampled_from(NAMES), PAGE, min_size=1))
def test_remembered_readings_give_what_a_fresh_check_gives(demo_root, before, after):
    group = load_group(demo_root)
    staging = Path(tempfile.mkdtemp())
    try:
        def write(pages):
            shutil.rmtree(staging / "portal", ignore_errors=True)
            for name, (links, ids) in pages.items():
                (staging / "portal" / name).parent.mkdir(parents=True, exist_ok=True)
                (staging / "portal" / name).write_text(html(links, ids), encoding="utf-8")

        def run(read=None):
            pages, deferred = linkgraph.check_site(staging, group, "portal", "preview", read)
            return {p: [f.to_dict() for f in fs] for p, fs in pages.items()}, deferred

        write(before)
        last = PageLinks("k")
        run(last)
        write(after)
        assert run(PageLinks("k", last.now)) == run()
    finally:
        shutil.rmtree(staging)
