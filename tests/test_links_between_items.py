"""Links between items written as their files (issue 16, point 4): resolved by `check` at
the .md line, rewritten to the target's URL by the build, in preview and production."""
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.group_setup import published
from workflow.model import itemlinks
from workflow.model.sites import load_group


def findings(group, path):
    return [f for f in group.check_json(path) if f["rule"] == "link.internal"]


@pytest.mark.parametrize("link", [
    "../tzgg/mu-biao.md", "../tzgg/mu-biao.md#小标题", "{filename}/tzgg/mu-biao.md", "{filename}../tzgg/mu-biao.md",
    "../../district/yaowen/qu-xinxi.md", "../tzgg/mu-biao.html", "/portal/tzgg/mu-biao.html", "../tzgg/",
])
def test_a_link_to_an_existing_item_is_accepted(group, link):
    group.item(column="tzgg", slug="mu-biao")
    group.item(site="district", slug="qu-xinxi")
    path = group.item(slug="lian-jie", body=f"见[目标]({link})。\n")
    assert findings(group, path) == []


@pytest.mark.parametrize("link, words", [
    ("../tzgg/bu-cunzai.md", "content/portal/tzgg/bu-cunzai.md 不存在"),
    ("{filename}/zcwj/bu-cunzai.md", "content/portal/zcwj/bu-cunzai.md 不存在"),
    ("../../nowhere/yaowen/x.md", "不在任何网站的目录内"),
    ("../nocolumn/x.md", "不是一条信息的文件"),
    ("/x.md", "无法确定指向哪个网站"),
    ("/portal/nonexistent.html", "没有页面 nonexistent.html"),
    ("../tzgg/bu-cunzai.html", "content/portal/tzgg/bu-cunzai.md 不存在"),
    ("../../district/yaowen/qu-xinxi.html", "跨出了本网站"),
])
def test_a_broken_link_is_reported_at_its_md_line(group, link, words):
    group.item(site="district", slug="qu-xinxi")
    path = group.item(slug="lian-jie", body=f"第一段。\n\n第二段见[目标]({link})。\n")
    (found,) = findings(group, path)
    line = path.read_text(encoding="utf-8").splitlines().index(f"第二段见[目标]({link})。") + 1
    assert found["line"] == line and words in found["message"] and found["severity"] == "error"
    assert urllib.parse.unquote(link) in found["message"]


def test_the_build_writes_the_target_url_in_preview_and_production(group):
    target = published(group, group.item(column="tzgg", slug="mu-biao", body="## 小标题\n\n正文。\n"))
    other = published(group, group.item(site="district", slug="qu-xinxi"))
    published(group, group.item(slug="lian-jie", body=(
        "[同站](../tzgg/mu-biao.md#小标题) [写法二]({filename}/tzgg/mu-biao.md) "
        "[他站](../../district/yaowen/qu-xinxi.md)\n")))
    assert target and other
    assert group.build("--strict")[0] == 0
    html = (group.output / "portal/yaowen/lian-jie.html").read_text(encoding="utf-8")
    assert 'href="/portal/tzgg/mu-biao.html#%E5%B0%8F%E6%A0%87%E9%A2%98"' in html
    assert 'href="/portal/tzgg/mu-biao.html"' in html and 'href="/district/yaowen/qu-xinxi.html"' in html
    assert ".md" not in html.split("<main")[1].split("</main>")[0]
    assert group.build("--production")[0] == 0
    html = (group.output / "portal/yaowen/lian-jie.html").read_text(encoding="utf-8")
    assert 'href="https://www.test-city.gov.cn/tzgg/mu-biao.html' in html
    assert 'href="https://district.test-city.gov.cn/yaowen/qu-xinxi.html"' in html


def test_deleting_a_linked_item_refuses_the_linking_one_even_from_the_build_cache(group):
    target = published(group, group.item(column="tzgg", slug="mu-biao"))
    linking = published(group, group.item(slug="lian-jie", body="[目标](../tzgg/mu-biao.md)\n"))
    assert group.build()[0] == 0
    target.unlink()
    group.build()
    entry = next(i for i in group.report()["items"] if i["path"].endswith("lian-jie.md"))
    assert entry["status"] == "refused" and any(f["rule"] == "link.internal" for f in entry["findings"])
    assert linking.exists()


@given(url=st.text(max_size=40))
def test_resolving_never_leaves_the_content_folder_or_crashes(url):
    from tests.repo import DEMO

    group = load_group(DEMO)
    target = itemlinks.resolve(url, "content/portal/yaowen/x.md", group)
    if target is not None and target.relpath is not None:
        parts = target.relpath.split("/")
        assert parts[0] == "content" and len(parts) == 4 and ".." not in parts and parts[1] in group.sites


internal = st.sampled_from(["../tzgg/mu-biao.md", "../tzgg/bu-cunzai.md", "{filename}/yaowen/x.md", "/x.md",
                            "../../district/yaowen/y.md", "/portal/index.html", "../tzgg/", "../nocolumn/z.md",
                            "https://www.gov.cn/a", "mailto:a@b.cn", "#top", "tu.png", "//cdn.gov.cn/x"])
md_bodies = st.lists(st.one_of(st.builds(lambda bang, url: f"{bang}[链]({url})", st.sampled_from(["", "!"]), internal),
                               st.builds(lambda url: f"[r]\n\n[r]: {url}\n", internal),
                               st.sampled_from(["正文。", "\n\n", "`[a](../tzgg/q.md)`", "\\[a](../tzgg/q.md)"])),
                     max_size=5).map("".join)


@given(body=md_bodies)
def test_a_markdown_only_body_is_judged_alike_with_or_without_parsing_its_html(body):
    """rules/itemlinks.py skips parsing the HTML of a body whose URLs (read from cmark's
    markup) name no item: its findings and links are those the full path gives."""
    import hashlib
    from types import SimpleNamespace

    from tests.repo import DEMO
    from workflow.rules import itemlinks as rule
    from workflow.rules.checker import Checker

    group = load_group(DEMO)

    def judged():
        item = SimpleNamespace(body=body, relpath="content/portal/yaowen/x.md", site_id="portal", body_line=8,
                               sha256=hashlib.sha256(body.encode()).hexdigest(), links=None)
        found = [(f.rule, f.line, f.message) for f in rule.check(item, Checker(group))]
        return found, item.links

    fast = judged()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rule, "cmark_urls", lambda item, ctx: None)      # as for a body with raw HTML: parsed
        assert judged() == fast
