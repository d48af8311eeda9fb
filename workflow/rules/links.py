"""Rules on the links and raw HTML of an item's body (第三十一条).

`link.not-allowed`: every URL of the rendered HTML passes the allowlist.
`html.unsafe`: raw HTML keeps to what nh3 (ammonia) lets through; the offending
snippet is reported, never silently stripped, so the editor sees it.
`link.root-path` (warning): `/…` means /<site-id>/… in preview, the domain root live.
`html.malformed`: an HTML tag that is never closed (`<a href="…` without `>`).
"""
from __future__ import annotations

import html as htmlmod
import re
import urllib.parse
from collections import Counter
from types import SimpleNamespace

import lxml.html
import lxml.html.defs
import nh3

from workflow.model import html as tags
from workflow.model import render
from workflow.model.findings import ERROR, WARNING, Finding
from workflow.policy import urls
from workflow.policy.allowlist import allowlist_for, load_allowlist

# nh3's own allowlist, plus what our Markdown emits (ids, classes: table
# alignment is `class="align-center"`) and media from allowlisted hosts (their
# URLs are link.not-allowed's). No `style`: the site's CSP (style-src 'self')
# blocks every style attribute, so it would silently do nothing in production.
TAGS = set(nh3.ALLOWED_TAGS) | {"video", "audio", "source", "track", "iframe", "section"}   # section: footnotes
ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag, _attrs in {"*": {"id", "class", "title", "lang", "dir"}, "a": {"href", "title", "name", "aria-label"},
                     "img": {"srcset", "title"},
                     "video": {"src", "poster", "controls", "width", "height"},
                     "audio": {"src", "controls"}, "source": {"src", "srcset", "type", "media"},
                     "track": {"src", "kind", "srclang", "label"},
                     "iframe": {"src", "width", "height", "title"}}.items():
    ATTRIBUTES.setdefault(_tag, set()).update(_attrs)
_URL_ATTRS = {a for attrs in tags.URL_ATTRS.values() for a in attrs}
# `<tag attr=` or `<tag` at the very end: a tag the HTML parser could not close.
_TAG_START = re.compile(r"<(?:%s)(?:\s+[\w:-]+\s*=|\s*$)" % "|".join(sorted(lxml.html.defs.tags, key=len, reverse=True)),
                        re.I)


# A raw <body onload=…> inside the text adds its attributes to the page's <body>.
_STRUCTURE = re.compile(r"</?(?:html|head|body|frameset)(?=[\s/>])[^>]*>?", re.I)


def _keep(tag, attr, value):
    return None if attr == "style" else value


def _signature(el) -> tuple:
    attrs = frozenset(a for a in el.attrib if a not in _URL_ATTRS)
    return el.tag, attrs


def line_of(item, *needles) -> int | None:
    """The file line of the first needle found in the body (as written, or HTML-escaped)."""
    for needle in needles:
        if not needle:
            continue
        forms = (needle, htmlmod.escape(needle, quote=False), htmlmod.escape(needle), urllib.parse.unquote(needle))
        for form in dict.fromkeys(forms):   # unquoted: Markdown percent-encodes 中文 in a URL
            pos = item.body.find(form[:200])
            if pos >= 0:
                return item.body_line + item.body.count("\n", 0, pos)
    return item.body_line


def _snippet(el) -> str:
    attrs = "".join(f' {k}="{htmlmod.escape(str(v))}"' for k, v in el.attrib.items())
    return f"<{el.tag}{attrs}>"


def _policy(ctx, site):
    base = ctx.remember("allowlist", lambda: load_allowlist(ctx.group.root))
    return ctx.remember(("allowlist", site.id), lambda: allowlist_for(ctx.group, site, base))


def _may_link(body: str) -> bool:
    """Markdown makes a URL only from [..](..), a [..]: definition, <autolink> or raw HTML:
    without any of them there is nothing to render for this rule."""
    return "<" in body or "](" in body or "]:" in body


def _tree(html: str):
    """Every start tag and text of a rendered body (raw HTML may hide tags from a tree)."""
    return tags.elements(html)


def _markdown_only(html: str):
    """A body without any `<` has no raw HTML: its HTML is cmark's own, well formed,
    so the tree holds every tag, and only those holding a URL are read (3x faster
    than the event parser, which is for raw HTML that may hide tags from a tree)."""
    return SimpleNamespace(elements=tags.url_elements(tags.parse_html(html)), texts=None)


def body_html(item, ctx) -> str:
    """The item's body as the site renders it, once per item and run."""
    return ctx.remember(("html", item.relpath, item.sha256), lambda: render.to_html(item.body))


def parsed(item, ctx):
    """The rendered body read once per item and run, shared by the rules (only read)."""
    def read():
        html = body_html(item, ctx)
        return _tree(html) if "<" in item.body else _markdown_only(html)
    return ctx.remember(("parsed", item.relpath, item.sha256), read)


# cmark writes every URL of a Markdown-only body as one of these, the value HTML-escaped.
_CMARK_URL = re.compile(r'<(?:a href|img src)="([^"]*)"')


def urls_in_cmark(html: str) -> list[str]:
    """Every URL of cmark's own markup, read without parsing it (tests/test_links_items.py:
    the same URLs the parser finds)."""
    return [htmlmod.unescape(m[1]) for m in _CMARK_URL.finditer(html)]


def cmark_urls(item, ctx) -> list[str] | None:
    """Every URL of a Markdown-only body (`urls_in_cmark`), once per item and run; None
    when the body has raw HTML, which only the parser reads right."""
    if "<" in item.body:
        return None
    return ctx.remember(("cmark-urls", item.relpath, item.sha256), lambda: urls_in_cmark(body_html(item, ctx)))


def _all_plain(item, allow, ctx) -> bool:
    """A Markdown-only body whose every URL passes and none is a root path: nothing to
    report, decided without parsing its HTML (most bodies)."""
    urls = cmark_urls(item, ctx)
    return urls is not None and not any(allow.refusal(url) is not None or re.match(r"^\s*/(?![/\\])", url)
                                        for url in urls)


def not_allowed(item, ctx):
    """Every URL in the body goes to an allowlisted host with an allowed scheme."""
    site = ctx.site(item)
    if site is None or not _may_link(item.body):
        return
    allow = _policy(ctx, site)
    if _all_plain(item, allow, ctx):
        return
    for f in tags.urls_in(parsed(item, ctx).elements):
        why = allow.refusal(f.url)
        if why is None:
            if re.match(r"^\s*/(?![/\\])", f.url):
                yield Finding("link.root-path", WARNING, item.relpath, line_of(item, f.url, f.text),
                              f"站内链接 {f.url[:120]!r} 以“/”开头：预览（/网站标识/…）和正式网站（域名/…）中指向不同位置",
                              "body", "改为相对路径（如 ../tzgg/xxx.html）或完整网址（https://域名/…）")
            continue
        shown = urls.parse(f.url).raw if len(f.url) > urls.MAX_URL else urllib.parse.unquote(f.url)
        shown = shown if len(shown) <= 120 else shown[:117] + "…"
        text = f"“{f.text}”" if f.text else f"<{f.tag}>"
        yield Finding("link.not-allowed", ERROR, item.relpath, line_of(item, f.url, f.text),
                      f"链接{text}的网址 {shown!r} 不允许：{why}", "body",
                      "删除该链接，或改为白名单内的政府网站地址；确需链接的网站请网站主管部门加入白名单")


def unsafe(item, ctx):
    """Raw HTML that nh3 would strip: report each element with its snippet."""
    if "<" not in item.body:
        return
    html = body_html(item, ctx)
    original = parsed(item, ctx).elements
    if ctx.remember(("deep", item.relpath, item.sha256), lambda: _too_deep(html)):     # nh3 would take minutes on it (`unbalanced` refuses it): judge tag by tag
        kept = Counter(_signature(el) for el in original      # html, body: the parser's own wrapper
                       if el.tag in ("html", "body") or el.tag in TAGS and not _bad_attributes(el))
    else:
        cleaned = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_keep,
                            link_rel=None, strip_comments=False)
        kept = Counter(_signature(el) for el in tags.elements(cleaned).elements)
    for m in _STRUCTURE.finditer(html):    # the parser folds these into the page's own tags
        snippet = m[0] if len(m[0]) < 160 else m[0][:159] + "…"
        yield Finding("html.unsafe", ERROR, item.relpath, line_of(item, m[0].split()[0]),
                      f"正文中的 HTML {snippet!r} 不允许：页面结构标签（其属性会加到整个页面上）不得出现在正文中",
                      "body", "删除这段 HTML，正文只写内容")
    site = ctx.site(item)
    allow = _policy(ctx, site) if site else None
    for el in original:
        sig = _signature(el)
        iframe_bad = el.tag == "iframe" and allow and allow.refusal(el.get("src") or "")
        if kept[sig] > 0 and not iframe_bad:
            kept[sig] -= 1
            continue
        snippet = _snippet(el)
        yield Finding("html.unsafe", ERROR, item.relpath, line_of(item, snippet, f"<{el.tag}"),
                      f"正文中的 HTML {snippet[:160]!r} 不允许：{_reason(el, iframe_bad)}", "body",
                      "删除这段 HTML，改用 Markdown 写法（链接、图片、表格）；确需嵌入的内容请联系网站管理员")


def _bad_attributes(el) -> list[str]:
    return [a for a in el.attrib if a not in _URL_ATTRS and
            (a not in ATTRIBUTES.get(el.tag, ()) and a not in ATTRIBUTES["*"] or _keep(el.tag, a, el.get(a)) is None)]


def _reason(el, iframe_bad) -> str:
    if iframe_bad:
        return f"嵌入框架指向的网址不允许（{iframe_bad}）"
    if el.tag not in TAGS:
        return {"script": "脚本", "style": "样式表", "form": "表单", "meta": "meta 标签（可能自动跳转）",
                "object": "插件对象", "embed": "插件对象"}.get(el.tag, f"<{el.tag}> 标签") + "不得出现在正文中"
    bad = _bad_attributes(el)
    if any(a.lower().startswith("on") for a in bad):
        return f"事件属性 {', '.join(bad)} 会执行脚本"
    if "style" in bad:
        return ("网站的内容安全策略禁止内联样式（style 属性），它在正式网站上不会生效；"
                "对齐请写 class=\"align-center\"（或 align-left、align-right），表格对齐用 Markdown 的 |:-:| 写法")
    if not bad:
        return "它位于不允许的元素之内"
    return f"属性 {', '.join(bad)} 不允许"


def malformed(item, ctx):
    """`<a href="…` that never closes is shown as text (or swallows what follows)."""
    if "<" not in item.body:
        return
    for text, in_code in parsed(item, ctx).texts:
        m = None if in_code else _TAG_START.search(text)
        if m:
            piece = text[m.start():m.start() + 60].split("\n")[0]
            yield Finding("html.malformed", ERROR, item.relpath, line_of(item, piece),
                          f"正文中的 HTML 标签没有正确结束：{piece.strip()!r}", "body",
                          "补上标签结尾的“>”和成对的引号，或删除这段 HTML")


# Elements whose end tag may be left out (HTML's optional end tags) and void elements.
OPTIONAL_END = {"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup",
                "rb", "rt", "rp", "rtc", "colgroup", "caption"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Their content is raw text up to their own end tag: left open, they swallow the rest of the page.
RAW_TEXT = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
            "plaintext")
_RAW_START = re.compile(r"<(%s)(?=[\s/>])" % "|".join(RAW_TEXT), re.I)


MAX_DEPTH = 100       # HTML nested deeper than this is refused (and not handed to nh3, which is quadratic in it)
# One tag, read in linear time (possessive quantifiers: no backtracking on an unterminated tag).
_TAG = re.compile(r"""<(/?)([A-Za-z][^\s/>]*+)((?:[^>"']++|"[^"]*+"|'[^']*+')*+)(>?)""")


def _structure(html_text: str) -> tuple[list[tuple[str, str]], int]:
    """Start and end tags matched as a browser would have to: (problems, deepest nesting)."""
    problems: list[tuple[str, str]] = []
    open_: list[str] = []
    deepest = 0
    for m in _TAG.finditer(html_text):
        end, tag = m[1] == "/", m[2].lower()
        if not m[4]:
            continue                          # never closed: not a tag at all (shown as text)
        if not end:
            if tag not in VOID:               # `<div/>` opens a div in HTML
                open_.append(tag)
                deepest = max(deepest, len(open_))
            continue
        if tag in VOID or (tag in OPTIONAL_END and tag not in open_):
            continue
        if tag not in open_:
            problems.append((f"</{tag}", f"结束标签 </{tag}> 没有对应的开始标签（会关闭页面本身的 <{tag}>，打乱页面结构）"))
            continue
        while open_:
            top = open_.pop()
            if top == tag:
                break
            if top not in OPTIONAL_END:
                problems.append((f"<{top}", f"<{top}> 在 </{tag}> 之前没有结束（标签交错）"))
    problems += [(f"<{tag}", f"<{tag}> 没有结束标签 </{tag}>") for tag in dict.fromkeys(open_)
                 if tag not in OPTIONAL_END and tag not in RAW_TEXT]
    return problems, deepest


def balance_problems(html_text: str) -> list[tuple[str, str]]:
    """(snippet, Chinese reason) for every way the body's HTML would not stay inside the body:
    an unclosed comment or raw-text element, a stray or crossed end tag, an element never
    closed, nesting deeper than MAX_DEPTH."""
    problems = []
    pos = 0
    while (i := html_text.find("<!--", pos)) >= 0:
        if html_text.startswith(("<!-->", "<!--->"), i):
            pos = i + 5
            continue
        ends = [j for j in (html_text.find("-->", i + 4), html_text.find("--!>", i + 4)) if j >= 0]
        if not ends:
            problems.append(("<!--", "注释 <!-- 没有结束（缺少 -->），页面其后的内容（包括页脚）都会被隐藏"))
            html_text = html_text[:i]
            break
        pos = min(ends) + 3
    closed = {m[1].lower() for m in re.finditer(r"</(%s)\s*>" % "|".join(RAW_TEXT), html_text, re.I)}
    for m in _RAW_START.finditer(html_text):
        name = m[1].lower()
        if name == "plaintext" or name not in closed:
            problems.append((m[0], f"<{name}> 没有结束标签 </{name}>，页面其后的内容都会被它吞掉"))
            break
    found, deepest = _structure(html_text)
    if deepest > MAX_DEPTH:
        problems.append(("<", f"HTML 嵌套超过 {MAX_DEPTH} 层"))
    return problems + found


def _too_deep(html_text: str) -> bool:
    return _structure(html_text)[1] > MAX_DEPTH


def unbalanced(item, ctx):
    """Raw HTML that would reach beyond the body (into the page's footer, its layout) is refused,
    and so is nesting no browser keeps (Markdown can nest too: `> > > …`)."""
    if "<" not in item.body:
        if (item.body.count(">") > MAX_DEPTH or len(item.body) > 20000) and ctx.remember(("deep", item.relpath, item.sha256), lambda: _too_deep(body_html(item, ctx))):
            yield Finding("html.unbalanced", ERROR, item.relpath, item.body_line, f"正文嵌套超过 {MAX_DEPTH} 层（引用或列表）",
                          "body", "减少引用（>）或列表的嵌套层级")
        return
    seen = set()
    for snippet, why in balance_problems(body_html(item, ctx)):
        if why in seen:
            continue
        seen.add(why)
        yield Finding("html.unbalanced", ERROR, item.relpath, line_of(item, snippet), f"正文中的 HTML 不完整：{why}",
                      "body", "补上缺少的结束标签或 -->，或删除这段 HTML；正文中的 HTML 必须自成一体")
