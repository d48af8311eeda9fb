"""Markdown to HTML, once per content hash, shared by the rules and the build.

The dialect is GitHub Flavored Markdown (cmark-gfm, the C library GitHub and
GitLab's previews follow): a reviewer approving a pull request sees the page
rendered by the same rules the site uses, and it is ~25x faster than
Python-Markdown. Extensions: tables, strikethrough, footnotes. Not enabled:
bare-URL autolinks (in Chinese text `见https://x.gov.cn附件` would swallow the
following characters into the URL) and the tag filter (raw HTML is kept so
the `html.unsafe` rule can show the editor what it refuses, never silently).
Headings get ids (the same slugs Python-Markdown's toc extension made), so
`page.html#小标题` links resolve. Table alignment (`|:-:|`) becomes a class the
theme styles (`align-center`): a `style` attribute would be blocked by the
site's Content-Security-Policy (`style-src 'self'`) and the column would show
left-aligned in production.
"""
from __future__ import annotations

import html as htmlmod
import re
from importlib import metadata

import cmarkgfm
from cmarkgfm.cmark import Options
from markdown.extensions.toc import slugify_unicode, unique

OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
EXTENSIONS = ["table", "strikethrough"]
VERSION = "cmarkgfm " + metadata.version("cmarkgfm")    # part of the build cache's key

_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]*>")
_ID = re.compile(r"""\sid=["']?([^"'\s>]+)""")
_ALIGN = re.compile(r'<(th|td) align="(left|center|right)">')   # cmark-gfm's own table cells
# cmark-gfm's footnote markup: data-* attributes only its own CSS uses, an English label.
_FOOTNOTE = [(re.compile(p), r) for p, r in (
    (r' data-footnote-backref-idx="\d+"', ""), (r" data-footnote-(?:ref|backref)\b", ""),
    (r' data-footnotes>', ">"), (r'aria-label="Back to reference (\d+(?:-\d+)?)"', r'aria-label="返回引用处 \1"'))]

def convert(body: str) -> str:
    html: str = cmarkgfm.markdown_to_html_with_extensions(body, options=OPTIONS, extensions=EXTENSIONS)
    if "<h" in html:
        html = _heading_ids(html)
    if ' align="' in html:
        html = _ALIGN.sub(r'<\1 class="align-\2">', html)
    if "[^" in body:
        for pattern, repl in _FOOTNOTE:
            html = pattern.sub(repl, html)
    return html


def _heading_ids(html: str) -> str:
    used = set(_ID.findall(html))

    def add_id(m: re.Match[str]) -> str:
        text = htmlmod.unescape(_TAG.sub("", m[2]))
        slug = unique(slugify_unicode(text, "-"), used)
        return f'<h{m[1]} id="{htmlmod.escape(slug)}">{m[2]}</h{m[1]}>'

    return _HEADING.sub(add_id, html)


def to_html(body: str) -> str:
    """The body's HTML (rendering is cheap: callers that need it twice keep it)."""
    return convert(body)
