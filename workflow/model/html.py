"""Reading URLs out of HTML: a body's (rules) and a built page's (the link graph).

`elements` reads start tags with libxml2's HTML tokenizer as a browser would
(entities decoded, no tree building: misplaced tags are kept); `url_elements`
reads only the elements of a parsed page that hold a URL.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import lxml.etree
import lxml.html

if TYPE_CHECKING:
    from lxml.etree import ParserTarget

# Element -> attributes that hold a URL (srcset holds several).
URL_ATTRS = {
    "a": ("href", "ping"), "area": ("href", "ping"), "link": ("href",), "base": ("href",),
    "img": ("src", "srcset", "longdesc"), "source": ("src", "srcset"), "track": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "iframe": ("src",), "frame": ("src",),
    "embed": ("src",), "object": ("data", "codebase"), "form": ("action",),
    "button": ("formaction",), "input": ("src", "formaction"), "image": ("href", "xlink:href"),
    "blockquote": ("cite",), "q": ("cite",), "del": ("cite",), "ins": ("cite",),
    "use": ("href", "xlink:href"), "script": ("src",),
}


@dataclass(frozen=True)
class Found:
    tag: str
    attr: str
    url: str
    text: str          # link text or alt, for the editor
    line: int | None   # line in the parsed HTML
    element: Element | None = None


def srcset_urls(value: str) -> list[str]:
    """URLs of a srcset (`a.png 1x, b.png 2x`), as the HTML standard splits it."""
    urls, pos, n = [], 0, len(value)
    while pos < n:
        while pos < n and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < n and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            depth = 0
            while pos < n and (depth or value[pos] != ","):
                depth += {"(": 1, ")": -1}.get(value[pos], 0)
                pos += 1
        if url:
            urls.append(url)
    return urls


@dataclass
class Element:
    """One start tag as the HTML tokenizer saw it."""
    tag: str
    attrib: dict[str, str]
    text: str = ""             # text inside it (links), for the editor
    line: int | None = None    # line in the parsed HTML, when known

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrib.get(name, default)


class _Collector:
    """lxml parser target: every start tag in document order, whatever the tree
    builder later makes of it (no depth limit, misplaced tags kept)."""

    def __init__(self) -> None:
        self.elements: list[Element] = []
        self.texts: list[tuple[str, bool]] = []   # (text, inside code/pre)
        self._open: list[Element] = []
        self._code = 0
        self._pending: list[str] = []             # the parser hands text over in pieces

    def _flush(self) -> None:
        if self._pending:
            self.texts.append(("".join(self._pending), self._code > 0))
            self._pending = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self._flush()
        el = Element(str(tag).lower(), dict(attrib))
        self.elements.append(el)
        self._open.append(el)
        self._code += el.tag in ("code", "pre")

    def end(self, tag: str) -> None:
        self._flush()
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == str(tag).lower():
                for el in self._open[i:]:
                    self._code -= el.tag in ("code", "pre")
                del self._open[i:]
                break

    def data(self, text: str) -> None:
        self._pending.append(text)
        for el in self._open:
            if el.tag in ("a", "area", "button") and len(el.text) < 200:
                el.text += text

    def comment(self, text: str) -> None:
        pass

    def close(self) -> _Collector:
        self._flush()
        return self


def elements(html: str) -> _Collector:
    """Start tags and texts of an HTML fragment, read with libxml2's HTML5
    tokenizer (entities decoded as browsers decode them)."""
    # (the stubs' ParserTarget also names the optional pi/doctype/namespace events)
    target = cast("ParserTarget[_Collector]", _Collector())
    parser = lxml.etree.HTMLParser(target=target, recover=True, no_network=True)
    parser.feed("<div>" + (html or "") + "</div>")
    return parser.close()


def parse_html(html: str) -> lxml.html.HtmlElement:
    """A fragment as a tree (for pages we built: line numbers, ids)."""
    return lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")


def tree_elements(root: lxml.html.HtmlElement) -> list[Element]:
    out = []
    for el in root.iter():
        if isinstance(el.tag, str):
            text = " ".join((el.text_content() or "").split()) if el.tag in ("a", "area", "button") else ""
            out.append(Element(el.tag.rsplit("}", 1)[-1].lower(), dict(el.attrib), text, el.sourceline))
    return out


def urls_in(els: lxml.html.HtmlElement | Iterable[Element]) -> list[Found]:
    """Every URL held by an attribute of these elements (lxml tree or Element list)."""
    if isinstance(els, lxml.html.HtmlElement):
        els = tree_elements(els)
    found = []
    for el in els:
        tag = el.tag
        label = (" ".join(el.text.split()) or el.get("alt") or el.get("title") or "")[:60]
        for attr in URL_ATTRS.get(tag, ()):
            value = el.get(attr)
            if value is None:
                continue
            for url in (srcset_urls(value) if attr == "srcset" else [value]):
                found.append(Found(tag, attr, url, label, el.line, el))
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            target = re.sub(r"^[\s\d.;,]*(url\s*=\s*)?['\"]?", "", el.get("content") or "", flags=re.I)
            found.append(Found(tag, "content", target.rstrip("'\""), "", el.line, el))
        for attr, value in el.attrib.items():   # svg/math links: xlink:href, href on any element
            if attr.rsplit("}", 1)[-1] == "href" and attr not in URL_ATTRS.get(tag, ()):
                found.append(Found(tag, attr, value, label, el.line, el))
    return found


_HTML_PARSER = lxml.etree.HTMLParser(no_network=True)
_ATTRS_OF = {**URL_ATTRS, "meta": ("http-equiv",)}
_URL_TAGS = tuple(_ATTRS_OF)
# href on an element that is not meant to have one (svg, hostile markup): rare, found apart
_ODD_HREF = lxml.etree.XPath("//*[@href][not(" + " or ".join(
    f"self::{tag}" for tag, attrs in URL_ATTRS.items() if "href" in attrs) + ")]")


def parse_page(data: bytes) -> lxml.etree._Element | None:
    """A built page's tree (for url_elements and its ids), or None when it has none."""
    try:
        return lxml.etree.parse(io.BytesIO(data), _HTML_PARSER).getroot()
    except (ValueError, lxml.etree.ParserError):
        return None


def url_elements(root: lxml.etree._Element) -> list[Element]:
    """Only the elements of a built page that can hold a URL (pages are large), in
    document order: those of the URL-holding tags, by the tree's own iteration."""
    picked = [el for el in root.iter(*_URL_TAGS) if any(a in el.attrib for a in _ATTRS_OF[str(el.tag)])]
    odd = _ODD_HREF(root)
    if odd:
        order = {el: i for i, el in enumerate(root.iter())}
        picked = sorted({*picked, *odd}, key=order.__getitem__)
    out = []
    for el in picked:
        text = " ".join("".join(el.itertext()).split())[:60] if el.tag in ("a", "area") else ""
        out.append(Element(str(el.tag).lower(), dict(el.attrib), text, el.sourceline))
    return out
