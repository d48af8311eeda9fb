"""The search index fed page by page (workflow/build/search.py) against pagefind's own
`--site` run over the same pages: the same pages, addresses and words; the same bytes
for the same pages in the same order; a clear error, not a hang, when pagefind dies."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from workflow.build import search
from workflow.errors import BuildError

ITEM = ('<html lang="zh-CN"><head><title>{title}</title></head><body><nav>首页 政务公开</nav>'
        '<article{attr}><h1>{title}</h1><p data-pagefind-ignore>发布日期 2026-11-30</p><p>{text}</p>'
        '</article></body></html>')

# relative path, title, text, how the page opts in (None: it does not)
PAGES = [
    ("zcwj/xinxi-1.html", "关于做好2026年就业工作的通知", "人力资源和社会保障局 就业 招聘", " data-pagefind-body"),
    ("zcwj/sub/index.html", "目录页", "交通运输 公交线路", " data-pagefind-body"),
    ("dongtai/a-b.html", "<script>alert(1)</script>标题", "生态环境 空气质量", ' data-pagefind-body=""'),
    ("words.html", "谈写法", "这一页谈到 data-pagefind-body 这个写法 卫生健康", None),
    ("index.html", "首页", "网站首页 营商环境", None),
    ("attr.html", "属性值", "防火", ' data-note=" data-pagefind-body "'),   # sent; pagefind finds no body
]


def write_site(root: Path, pages=PAGES) -> Path:
    for rel, title, text, attr in pages:
        page = root / rel
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(ITEM.format(title=escape(title), text=escape(text), attr=attr or ""), encoding="utf-8")
    return root


def fragments(bundle: Path) -> list[tuple]:
    """What the index holds of each page, in no particular order."""
    found = []
    for f in (bundle / "fragment").iterdir():
        data = gzip.decompress(f.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        page = json.loads(data[len(b"pagefind_dcd"):])
        found.append((page["url"], page["content"], page["meta"].get("title"), page["word_count"]))
    return sorted(found)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_fed_page_by_page_it_holds_what_pagefind_site_holds(tmp_path):
    ours = write_site(tmp_path / "ours")
    theirs = write_site(tmp_path / "theirs")
    assert search.index_site(ours) == 4                # handed over: a tag names the attribute
    subprocess.run([str(search.executable()), "--site", str(theirs), "--force-language", "zh", "--quiet"],
                   check=True, capture_output=True)
    mine = fragments(ours / search.BUNDLE)
    assert mine == fragments(theirs / search.BUNDLE)
    assert {url for url, *_ in mine} == {"/zcwj/xinxi-1.html", "/zcwj/sub/", "/dongtai/a-b.html"}
    titles = {t for *_, t, _ in mine}
    assert "<script>alert(1)</script>标题" in titles   # the title as text, as pagefind's own run reads it
    assert not any("发布日期" in content for _, content, *_ in mine)   # data-pagefind-ignore holds
    # pagefind's own files (the search script, its UI, the wasm) as its `--site` run writes them,
    # whole: the service's WriteFiles answered before its writes were done and left them cut short
    mine_files, their_files = tree(ours / search.BUNDLE), tree(theirs / search.BUNDLE)
    fixed = {rel for rel in their_files if "/" not in rel and rel != "pagefind-entry.json"
             and not rel.endswith(".pf_meta")}
    assert "pagefind.js" in fixed and any(rel.startswith("wasm.") for rel in fixed)
    assert {rel: mine_files.get(rel) for rel in fixed} == {rel: their_files[rel] for rel in fixed}
    assert sorted(rel.split("/")[0] for rel in mine_files) == sorted(rel.split("/")[0] for rel in their_files)


def test_a_built_site_reads_as_pagefind_reads_its_whole_pages(demo_output, tmp_path):
    """The demo's item pages, cut to the part the theme marks, give the records pagefind's
    own run over the whole pages gives: the same words, titles and metadata, less the
    footer's emblem it took for every page's image."""
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for copy in (ours, theirs):
        shutil.copytree(demo_output / "portal", copy)
        shutil.rmtree(copy / search.BUNDLE)
    pages = [p for p in sorted(ours.rglob("*.html")) if search.MARKER.search(p.read_bytes())]
    assert len(pages) > 10
    for page in pages:
        part = search.searched_part(page.read_bytes())
        assert part.startswith(b'<html lang="zh-CN"><body><!--pagefind-->') and b"data-pagefind-body" in part
        assert b"<footer" not in part and b"<nav" not in part.split(b"data-pagefind-body")[0]
    assert search.index_site(ours) == len(pages)
    subprocess.run([str(search.executable()), "--site", str(theirs), "--force-language", "zh", "--quiet"],
                   check=True, capture_output=True)

    def records(bundle):
        found = []
        for f in (bundle / "fragment").iterdir():
            page = json.loads(gzip.decompress(f.read_bytes())[len(b"pagefind_dcd"):])
            page["meta"] = {k: v for k, v in page["meta"].items() if k not in ("image", "image_alt")}
            found.append(json.dumps(page, ensure_ascii=False, sort_keys=True))
        return sorted(found)

    mine = records(ours / search.BUNDLE)
    assert len(mine) == len(pages) and mine == records(theirs / search.BUNDLE)
    assert all('"site":' in r and '"date":' in r and '"title":' in r for r in mine)


def test_an_unmarked_or_oddly_marked_page_is_sent_whole():
    page = b'<html><body><article data-pagefind-body>x</article></body></html>'
    assert search.searched_part(page) == page
    backwards = b"<!--/pagefind--><article data-pagefind-body>x</article><!--pagefind-->"
    assert search.searched_part(backwards) == backwards
    # an end mark inside the item (the editor's) does not cut it short: the theme's is the last
    inside = b"<h1>a</h1><!--pagefind--><article data-pagefind-body>b<!--/pagefind-->c</article><!--/pagefind--><footer>"
    assert b"c</article>" in search.searched_part(inside) and b"<footer>" not in search.searched_part(inside)


def test_same_pages_in_the_same_order_give_the_same_bytes(tmp_path):
    a, b = write_site(tmp_path / "a"), write_site(tmp_path / "b")
    search.index_site(a)
    search.index_site(b)
    assert tree(a / search.BUNDLE) == tree(b / search.BUNDLE)


def test_pages_fed_as_written_and_in_another_order_hold_the_same(tmp_path):
    site = write_site(tmp_path / "site")
    with search.Indexer(site) as index:
        for rel, *_ in reversed(PAGES):
            index.page_written(site / rel)
        index.write()
        assert index.finish() == 4
    again = write_site(tmp_path / "again")
    search.index_site(again)
    assert fragments(site / search.BUNDLE) == fragments(again / search.BUNDLE)


def test_no_page_opts_in_no_index_and_an_old_one_goes(tmp_path):
    site = write_site(tmp_path / "site")
    search.index_site(site)
    assert (site / search.BUNDLE).is_dir()
    for rel, *_ in PAGES[:3]:
        (site / rel).unlink()
    assert search.index_site(site) == 1                # attr.html: sent, and pagefind finds no body in it
    plain = write_site(tmp_path / "plain", [p for p in PAGES if not p[3]])
    (plain / search.BUNDLE).mkdir()
    (plain / search.BUNDLE / "stale.js").write_text("old")
    assert search.index_site(plain) == 0
    assert not (plain / search.BUNDLE).exists()


def test_a_page_written_twice_is_refused(tmp_path):
    site = write_site(tmp_path / "site")
    with search.Indexer(site) as index:
        index.page_written(site / PAGES[0][0])
        with pytest.raises(BuildError, match="写了两次"):
            index.page_written(site / PAGES[0][0])


@pytest.mark.parametrize("when", ["before pages", "after pages"])
def test_pagefind_dying_is_an_error_naming_the_site_not_a_hang(tmp_path, when):
    site = write_site(tmp_path / "jtysj")
    with search.Indexer(site) as index:
        if when == "after pages":
            for rel, *_ in PAGES:
                index.page_written(site / rel)
        index._proc.kill()
        index._proc.wait()
        with pytest.raises(BuildError, match="网站 jtysj 的搜索索引生成失败"):
            if when == "before pages":
                for rel, *_ in PAGES:
                    index.page_written(site / rel)
            index.write()
            index.finish()
    assert not (site / search.BUNDLE).exists()


def test_a_pagefind_that_stops_answering_fails_the_build_instead_of_hanging_it(tmp_path, monkeypatch):
    """A stand-in that reads its input and never answers (the real binary cannot be made to
    hang on purpose): the wait gives up after `patience` and names the site."""
    mute = tmp_path / "pagefind_extended"
    mute.write_text("#!/bin/sh\nexec sleep 600\n")     # reads nothing, says nothing, ignores closed pipes
    mute.chmod(0o755)
    monkeypatch.setattr(search, "executable", lambda: mute)
    monkeypatch.setattr(search.Indexer, "patience", 0.5)
    before = _children()
    started = time.monotonic()
    with pytest.raises(BuildError, match="网站 site 的搜索索引生成失败.*没有响应"):
        search.Indexer(write_site(tmp_path / "site"))
    assert time.monotonic() - started < 5             # and the stand-in was stopped, not waited for
    assert _children() <= before                       # nor left running


def _children() -> set[int]:
    """This process's live child processes."""
    found = set()
    for task in Path("/proc/self/task").iterdir():
        found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


def test_the_pagefind_process_ends_with_the_indexer_even_when_the_build_fails(tmp_path):
    site = write_site(tmp_path / "site")
    with pytest.raises(RuntimeError), search.Indexer(site) as index:
        index.page_written(site / PAGES[0][0])
        proc = index._proc
        raise RuntimeError("Pelican failed")
    assert proc.poll() is not None
    assert not (site / search.BUNDLE).exists()


def test_a_missing_binary_says_what_to_install(tmp_path, monkeypatch):
    def missing():
        raise FileNotFoundError("no pagefind here")

    monkeypatch.setattr(search, "executable", missing)
    with pytest.raises(BuildError, match=r"pagefind\[extended\]"):
        search.Indexer(tmp_path / "site")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_the_marker_is_the_attribute_not_the_words(text):
    words = str(escape(text + " data-pagefind-body"))
    for page in (f"<p>{words}</p>", f"<title>{words}</title><p>{words}</p>"):
        assert not search.MARKER.search(page.encode()) and not search.opts_in(page.encode())
    for page in (f'<article class="{escape(text)}" data-pagefind-body>{words}</article>',
                 f"<div\ndata-pagefind-body\n>{words}</div>",
                 f"<h1>{words}</h1><p>{words}</p><article data-pagefind-body>{words}</article>"):
        assert search.MARKER.search(page.encode()) and search.opts_in(page.encode())


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["<", ">", " ", "\n", "=", "/", "a", "p", "data-pagefind-body", "data-pagefind-bodyx",
                                 '"', "中"]), max_size=30).map("".join))
def test_opts_in_answers_as_the_marker_over_the_whole_page(page):
    """opts_in starts its search late (at the tag before the words): the same answer as
    searching the whole page."""
    assert search.opts_in(page.encode()) == bool(search.MARKER.search(page.encode()))


# -- a site rebuilt: the records of pages given as last time are reused --------------

MARKED = [p for p in PAGES if p[3] and "data-note" not in p[3]]     # pages pagefind indexes


def indexed(site: Path, last: search.LastIndex | None = None) -> search.Indexer:
    """The site indexed as a build does (pages in path order, `last` given)."""
    with search.Indexer(site, last) as index:
        for page in sorted(site.rglob("*.html")):
            index.page_written(page)
        index.write()
        index.finish()
    return index


def recorded(site: Path) -> dict[str, dict]:
    """The site's files as its manifest records them (relative path -> sha256 and size)."""
    return {p.relative_to(site).as_posix(): {"sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
                                             "size": p.stat().st_size} for p in site.rglob("*") if p.is_file()}


def changed(root: Path) -> Path:
    """The marked pages with one edited, one gone and one new."""
    pages = [MARKED[0], (MARKED[1][0], MARKED[1][1], MARKED[1][2] + " 公交线路调整", MARKED[1][3]),
             ("dongtai/new.html", "新的一条", "医疗保障 医保报销", " data-pagefind-body")]
    return write_site(root, pages + [p for p in PAGES if not p[3]])


def test_pages_given_as_last_time_keep_their_records_and_the_index_is_as_if_fresh(tmp_path):
    first = write_site(tmp_path / "first", MARKED)
    known = indexed(first).fragments
    last = search.LastIndex(first, recorded(first), known)
    assert len(known) == len(MARKED)
    again = indexed(changed(tmp_path / "again"), last)
    fresh = indexed(changed(tmp_path / "fresh"))
    assert list(again._reused) == [last.fragments[search.page_digest(MARKED[0][0], search.searched_part(
        (first / MARKED[0][0]).read_bytes()))]]        # the one page given as last time
    assert tree(again.site_dir / search.BUNDLE) == tree(fresh.site_dir / search.BUNDLE)
    assert again.fragments == fresh.fragments and len(fresh.fragments) == 2 + 1


@pytest.mark.parametrize("harm", ["tampered", "unrecorded", "missing", "outside", "bogus name", "fifo", "symlink",
                                  "grown"])
def test_a_record_not_as_the_manifest_says_is_not_reused(tmp_path, harm):
    first = write_site(tmp_path / "first", MARKED)
    known = indexed(first).fragments
    files = recorded(first)
    kept = next(iter(known.values()))
    rel = f"{search.BUNDLE}/fragment/{kept}.pf_fragment"
    if harm == "tampered":          # another page's record under its name, the manifest unchanged
        other = next(n for n in known.values() if n != kept)
        (first / rel).write_bytes((first / f"{search.BUNDLE}/fragment/{other}.pf_fragment").read_bytes())
    elif harm == "unrecorded":
        del files[rel]
    elif harm == "missing":
        (first / rel).unlink()
    elif harm == "fifo":            # would hang a reader that opened it blocking
        (first / rel).unlink()
        os.mkfifo(first / rel)
    elif harm == "symlink":         # to the same bytes: still not the file the build wrote
        (first / rel).rename(tmp_path / "elsewhere")
        (first / rel).symlink_to(tmp_path / "elsewhere")
    elif harm == "grown":           # a huge file planted under the name is not read
        with open(first / rel, "ab") as f:
            f.truncate(1 << 33)
    else:                           # a name that leads out of the bundle, or is not pagefind's
        (tmp_path / "outside.pf_fragment").write_bytes((first / rel).read_bytes())
        name = "../../../outside" if harm == "outside" else "zh_x"
        known = {d: (name if n == kept else n) for d, n in known.items()}
    again = indexed(write_site(tmp_path / "again", MARKED), search.LastIndex(first, files, known))
    fresh = indexed(write_site(tmp_path / "fresh", MARKED))
    assert kept not in again._reused and len(again._reused) == len(MARKED) - 1
    assert tree(again.site_dir / search.BUNDLE) == tree(fresh.site_dir / search.BUNDLE)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([None, 0, 1, 2]), st.lists(st.sampled_from(["keep", "a gone page's", "none"]),
                                                  min_size=3, max_size=3), st.booleans())
def test_whatever_the_last_build_named_the_index_is_the_fresh_one(tmp_path_factory, collided, what, edit):
    """pagefind names a record by the first 7 hex digits of its hash and lengthens a name
    that collides, in the order it is given pages: a name can change hands between two
    builds. `collided`: the last build gave that page the name the next page has now (and
    the next page a longer one), as a collision does; the reused name is found to belong
    to another page and the index is written afresh. A name remembered for a page gone
    since, or none, changes nothing: the index is the fresh one, with no record left over."""
    tmp = tmp_path_factory.mktemp("names")
    first = write_site(tmp / "first", [*MARKED, ("gone.html", "已删除", "旧的内容 撤回", " data-pagefind-body")])
    known = indexed(first).fragments
    digests = [search.page_digest(rel, search.searched_part((first / rel).read_bytes())) for rel, *_ in MARKED]
    gone = next(n for d, n in known.items() if d not in digests)
    folder = first / search.BUNDLE / "fragment"
    involved = set()
    if collided is not None:
        i, j = collided, (collided + 1) % len(digests)
        mine, theirs = folder / f"{known[digests[i]]}.pf_fragment", folder / f"{known[digests[j]]}.pf_fragment"
        (folder / f"{theirs.stem}0.pf_fragment").write_bytes(theirs.read_bytes())
        theirs.write_bytes(mine.read_bytes())
        mine.unlink()
        known[digests[i]], known[digests[j]] = theirs.stem, f"{theirs.stem}0"
        involved = {i, j}
    for i, how in enumerate(what):
        if i in involved or how == "keep":
            continue
        if how == "a gone page's":
            known[digests[i]] = gone
        else:
            del known[digests[i]]
    pages = MARKED if not edit else [MARKED[0], MARKED[1], (*MARKED[2][:2], "改写 " + MARKED[2][2], MARKED[2][3])]
    again = indexed(write_site(tmp / "again", pages), search.LastIndex(first, recorded(first), known))
    fresh = indexed(write_site(tmp / "fresh", pages))
    assert tree(again.site_dir / search.BUNDLE) == tree(fresh.site_dir / search.BUNDLE)
    assert again.fragments == fresh.fragments
    if collided is None and what == ["keep"] * 3:
        assert len(again._reused) == len(MARKED) - edit


def test_a_name_remembered_for_two_pages_is_not_reused(tmp_path):
    """One build never gives two pages one name: such a memory is not the last build's."""
    first = write_site(tmp_path / "first", MARKED)
    known = indexed(first).fragments
    d0, d1, d2 = known
    known[d1] = known[d0]
    last = search.LastIndex(first, recorded(first), known)
    assert set(last.fragments) == {d2}


def test_a_site_whose_pages_pagefind_does_not_all_index_remembers_no_names(tmp_path):
    """attr.html is handed over and pagefind finds no body in it: the index's list of
    pages no longer lines up with the pages given, so nothing is remembered."""
    index = indexed(write_site(tmp_path / "site"))
    assert index.fragments == {} and (tmp_path / "site" / search.BUNDLE / "fragment").is_dir()


def test_remembered_names_are_kept_under_their_key_only(tmp_path):
    path = tmp_path / "search" / "site.json"
    names = {hashlib.sha256(b"a").digest(): "zh_0123abc"}
    search.save_fragments(path, "env-1", names)
    assert search.load_fragments(path, "env-1") == names
    assert search.load_fragments(path, "env-2") == {}
    for broken in (b"", b"{", b"[]", b'{"key": "env-1"}', b'{"key": "env-1", "fragments": {"zz": "x"}}'):
        path.write_bytes(broken)
        assert search.load_fragments(path, "env-1") == {}
