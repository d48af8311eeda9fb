"""Markdown to HTML, once per content hash, shared by the rules and the build."""
from __future__ import annotations

import hashlib

import markdown
from markdown.extensions.toc import slugify_unicode

# No attr_list: it would let an editor put arbitrary attributes (onclick=…) on elements.
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "footnotes", "abbr", "def_list", "toc"]
EXTENSION_CONFIGS = {"toc": {"slugify": slugify_unicode, "permalink": False}}

_md = None
_cache: dict[bytes, str] = {}
_CACHE_LIMIT = 4096


def to_html(body: str) -> str:
    global _md
    key = _key(body)
    html = _cache.get(key)
    if html is None:
        if _md is None:
            _md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                                    output_format="html")
        html = _md.reset().convert(body)
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[key] = html
    return html


def _key(body: str) -> bytes:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).digest()


def remember(entries: dict[bytes, str]) -> None:
    """Take HTML rendered earlier (by content hash), e.g. from the build cache."""
    if len(_cache) + len(entries) > _CACHE_LIMIT:
        _cache.clear()
    _cache.update(entries)


def known(bodies) -> dict[bytes, str]:
    """The rendered HTML of those `bodies` that were rendered, by content hash."""
    keys = (_key(b) for b in bodies)
    return {k: _cache[k] for k in keys if k in _cache}
