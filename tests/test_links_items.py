"""Links and raw HTML of an item's body: refused with the text, URL and line named."""
import pytest
import yaml

BODY_HEAD = "第一段正文。\n\n"   # the body starts on the line after the closing ---


def findings(group, body, rule=None, **kw):
    path = group.item(body=BODY_HEAD + body, **kw)
    found = group.check_json(path)
    return [f for f in found if rule is None or f["rule"] == rule], path


def body_line(path, needle):
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(i + 1 for i, line in enumerate(lines) if needle in line)


def test_link_to_a_host_not_allowlisted_is_refused_naming_text_url_and_line(group):
    found, path = findings(group, "参见[某网站](https://www.gov.cn@evil.example/page)。\n", "link.not-allowed")
    assert len(found) == 1
    f = found[0]
    assert f["severity"] == "error"
    assert "某网站" in f["message"] and "https://www.gov.cn@evil.example/page" in f["message"]
    assert "evil.example" in f["message"]
    assert f["line"] == body_line(path, "某网站")
    assert f["fix"]


def test_a_chinese_url_is_shown_as_written_at_its_own_line(group):
    # Markdown percent-encodes 中文 in a URL; the editor is shown what they wrote
    body = "第一段。\n\n其他。\n\n[参考][ck]\n\n[ck]: https://evil.example/政策/文件.html\n"
    found, path = findings(group, body, "link.not-allowed")
    assert len(found) == 1
    assert "https://evil.example/政策/文件.html" in found[0]["message"]
    assert found[0]["line"] == body_line(path, "[ck]: ")


def test_reference_links_and_autolinks_are_checked_at_their_own_line(group):
    body = "见[通知][tz]和 <https://evil.example/auto>。\n\n其他文字。\n\n[tz]: //evil.example/ref\n"
    found, path = findings(group, body, "link.not-allowed")
    lines = {f["line"] for f in found}
    assert lines == {body_line(path, "<https://evil.example/auto>"), body_line(path, "[tz]: //evil.example/ref")}


def test_allowlisted_and_relative_links_are_published(group):
    body = "[中国政府网](https://www.gov.cn/)、[热线](tel:12345)、[信箱](mailto:web@test-city.gov.cn)、[本站](../tzgg/)\n"
    path = group.item(body=body)
    assert group.approve(path, "zhong.shen")[0] == 0
    assert not [f for f in group.check_json(path) if f["rule"].startswith(("link.", "html."))]
    code, out, err = group.build("--strict")
    assert code == 0, out + err


def test_a_site_may_add_hosts_to_the_allowlist_in_site_yaml(group):
    body = "[合作单位](https://www.example-partner.cn/)\n"
    assert findings(group, body, "link.not-allowed")[0]
    site = group.root / "content" / "portal" / "site.yaml"
    data = yaml.safe_load(site.read_text(encoding="utf-8"))
    data["links"] = {"allow": ["www.example-partner.cn"]}
    site.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert not findings(group, body, "link.not-allowed")[0]
    # …only for that site
    assert findings(group, body, "link.not-allowed", site="district", column="yaowen", slug="qita")[0]


@pytest.mark.parametrize("tag,snippet", [
    ("img", '<img src="https://www.gov.cn/a.png" srcset="a.png 1x, https://evil.example/b.png 2x">'),
    ("source", '<video controls><source src="https://evil.example/v.mp4"></video>'),
    ("video", '<video src="https://evil.example/v.mp4" controls></video>'),
    ("audio", '<audio src="//evil.example/a.mp3" controls></audio>'),
    ("iframe", '<iframe src="https://evil.example/embed"></iframe>'),
    ("object", '<object data="https://evil.example/x.swf"></object>'),
    ("embed", '<embed src="https://evil.example/x.swf">'),
    ("form", '<form action="https://evil.example/collect"></form>'),
    ("area", '<map name="m"><area href="https://evil.example/" alt="区域"></map>'),
    ("a", '<a href="&#106;avascript&colon;alert(1)">实体编码</a>'),
    ("a", '<a href="java&#x09;script:alert(1)">制表符</a>'),
    ("img", '<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="内嵌">'),
])
def test_every_url_attribute_of_raw_html_is_checked(group, tag, snippet):
    found, path = findings(group, snippet + "\n", "link.not-allowed")
    assert found, snippet
    assert all(f["line"] == body_line(path, snippet[:20]) for f in found)


@pytest.mark.parametrize("snippet,words", [
    ("<script>alert(1)</script>", "脚本"),
    ("<style>body { display: none }</style>", "样式表"),
    ('<p onclick="steal()">点我</p>', "onclick"),
    ('<img src="a.png" onerror="steal()">', "onerror"),
    ('<iframe src="https://evil.example/embed"></iframe>', "嵌入框架"),
    ('<form action="/x"><input name="id"></form>', "表单"),
    ('<meta http-equiv="refresh" content="0; url=https://evil.example/">', "meta"),
    ('<span style="background:url(https://evil.example/t.png)">样式</span>', "style"),
    ('<object data="x.swf"></object>', "插件"),
    ('<body onload="steal()">', "页面结构"),
    ('<base href="https://evil.example/">', "<base> 标签"),
    ('<noscript><p title="</noscript><img src=x onerror=steal()>"></p></noscript>', "noscript"),
    ("<div>" * 300 + '<span onclick="steal()">深层</span>' + "</div>" * 300, "onclick"),
])
def test_hostile_html_refuses_the_item_with_the_snippet_named(group, snippet, words):
    found, path = findings(group, "正文开始。\n\n" + snippet + "\n", "html.unsafe")
    assert found, snippet
    f = found[0]
    assert f["severity"] == "error"
    assert any(words in x["message"] for x in found)
    shown = snippet.replace("<div>", "").split(">")[0].split(" ")[0]
    assert any(shown in x["message"] for x in found)               # the snippet itself is shown
    assert f["line"] == body_line(path, snippet[:12])
    code, out, err = group.build()
    assert group.report()["items"][0]["status"] == "refused"


def test_html_in_code_and_markdown_tables_and_footnotes_are_not_hostile(group):
    body = ("用 `<script>` 标签是不允许的。\n\n```html\n<script>alert(1)</script>\n```\n\n"
            "| 项目 | 数量 |\n|:--|--:|\n| 甲 | 1 |\n\n脚注[^1]\n\n[^1]: 说明\n\n## 小标题\n\n"
            '<table><tr><td colspan="2">合并</td></tr></table>\n\n<p class="align-center">居中</p>\n')
    found, _ = findings(group, body)
    assert not [f for f in found if f["rule"].startswith(("html.", "link."))], found


@pytest.mark.parametrize("snippet", ['<p style="text-align: center">居中</p>', '<td style="text-align:right">1</td>',
                                     '<div style="text-align: left">左</div>'])
def test_a_style_attribute_is_refused_because_the_csp_would_ignore_it(group, snippet):
    """Production pages send `style-src 'self'`: a style attribute would silently not apply."""
    found, path = findings(group, snippet + "\n", "html.unsafe")
    assert found and "内容安全策略" in found[0]["message"] and "align-center" in found[0]["message"]
    assert found[0]["line"] == body_line(path, snippet[:10])


def test_markdown_table_alignment_reaches_the_page_as_a_class_the_theme_styles(group):
    path = group.item(body="| 项目 | 数量 |\n|:-:|--:|\n| 甲 | 1 |\n")
    assert group.approve(path, "zhong.shen")[0] == 0
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    html = (group.output / "portal/yaowen/ceshi-xinxi.html").read_text(encoding="utf-8")
    assert '<th class="align-center">项目</th>' in html and '<td class="align-right">1</td>' in html
    css = (group.root / "themes/govsite/static/css/site.css").read_text(encoding="utf-8")
    for side in ("left", "center", "right"):
        assert f".item-body .align-{side} {{ text-align: {side}; }}" in css


def test_iframe_to_an_allowlisted_host_is_accepted(group):
    found, _ = findings(group, '<iframe src="https://www.gov.cn/video/1" title="视频"></iframe>\n')
    assert not [f for f in found if f["rule"].startswith(("html.", "link."))], found


@pytest.mark.parametrize("body,rule,words", [
    ('<a href="http://[bad">坏</a>\n', "link.not-allowed", "无法解析"),
    ("[坏](http://[bad)\n", "link.not-allowed", "IDNA"),        # Markdown percent-encodes the [
    ("[长](https://" + "a" * 100_000 + ".gov.cn/)\n", "link.not-allowed", "过长"),
    ("[域名](https://xn--zz.gov.cn/)\n", "link.not-allowed", "IDNA"),
    ("[域名](https://bad\u200dname.gov.cn/)\n", "link.not-allowed", "IDNA"),
    ('段落。\n\n<a href="https://www.gov.cn/ 没有结束\n', "html.malformed", "没有正确结束"),
    ('<img src="a.png" alt="图\n', "html.malformed", "没有正确结束"),
])
def test_bad_input_is_a_clear_finding_never_a_crash(group, body, rule, words):
    found, path = findings(group, body)
    mine = [f for f in found if f["rule"] == rule]
    assert mine and words in mine[0]["message"], found
    assert len(mine[0]["message"]) < 400
    assert mine[0]["line"] >= body_line(path, "第一段正文")


def test_a_plain_less_than_sign_is_not_a_broken_tag(group):
    found, _ = findings(group, "若 a < b 则 b > a；规模 <5 万元、<10% 的项目。\n")
    assert not [f for f in found if f["rule"].startswith("html.")], found


def test_root_path_link_in_an_item_is_a_warning(group):
    found, path = findings(group, "[通知](/tzgg/tongzhi.html)\n", "link.root-path")
    assert len(found) == 1 and found[0]["severity"] == "warning"
    assert found[0]["line"] == body_line(path, "/tzgg/tongzhi.html")


def test_a_bad_host_pattern_in_site_yaml_is_a_config_error(group):
    site = group.root / "content" / "portal" / "site.yaml"
    data = yaml.safe_load(site.read_text(encoding="utf-8"))
    data["links"] = {"allow": ["https://www.example.cn/"]}
    site.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    group.item(body="[合作单位](https://www.example.cn/)\n")
    code, out, err = group.govsite("check")
    assert code == 2
    assert "links.allow" in err and "https://www.example.cn/" in err


# --- the fast path for Markdown-only bodies reads the same URLs as the parser ------------------

from hypothesis import given, settings
from hypothesis import strategies as st

url_chars = st.text(alphabet=st.sampled_from(list("abc/:.?#&=%\"'()[]<>\\ 中文-_~!*;@,+$")), max_size=25)
link = st.builds(lambda kind, text, url, title: f"{kind}[{text}]({url}{title})",
                 st.sampled_from(["", "!"]), st.text(alphabet=st.sampled_from(list("文字ab *_`[]")), max_size=8),
                 st.one_of(url_chars, url_chars.map(lambda u: f"<{u}>"), url_chars.map(lambda u: "https://www.gov.cn/" + u)),
                 st.sampled_from(["", ' "标题"', " '题'", ' (t)']))
bodies = st.lists(st.one_of(link, st.text(alphabet=st.sampled_from(list("正文 \n*_#>-1.|")), max_size=10),
                            st.sampled_from(["[^1]\n\n[^1]: 注释 https://x.gov.cn/a", "[r]\n\n[r]: https://www.gov.cn/r",
                                             "<https://www.gov.cn/auto?a=1&b=2>", "`[a](b)`", "\\[a](b)"])),
                  max_size=6).map("".join)


@settings(max_examples=int(__import__("os").environ.get("GOVSITE_EXAMPLES", 400)))
@given(body=bodies)
def test_cmark_urls_read_from_markup_are_the_urls_the_parser_finds(body):
    """The rule's shortcut (a regex over cmark's own output) never misses a URL."""
    from workflow.model import html as tags
    from workflow.model import render
    from workflow.rules.links import urls_in_cmark

    if "<" in body and not body.startswith("<https"):
        body = body.replace("<", "")
    html = render.to_html(body)
    fast = sorted(urls_in_cmark(html))
    parsed = sorted(f.url for f in tags.urls_in(tags.url_elements(tags.parse_html(html))))
    assert fast == parsed, html
