"""What the link check reads of each built page — its ids and its links — remembered
by the page's bytes (<output>/.govsite-cache/pagelinks/<site>.pickle).

A site rebuilt for one changed item writes most of its pages byte for byte as
before; parsing them again was most of a change's link check (0.7 s for a
500-page site). Only what the bytes alone decide is remembered: whether the links
resolve is worked out again every time (workflow/build/linkgraph.py).
"""
from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

from workflow.model.html import parse_page, url_elements, urls_in

FORMAT = 1

# (ids, links): the page's id and <a name> values, and (url, text, line) of every link
# check_site follows (not forms, not <meta content>)
Read = tuple[frozenset, tuple]


class PageLinks:
    """Pages read in one site's link check, by the sha256 of their bytes; `known`:
    those of its last build (the same `key`: code, theme and settings)."""

    def __init__(self, key: str = "", known: dict[bytes, Read] | None = None):
        self.key = key
        self.known = known or {}
        self.now: dict[bytes, Read] = {}

    @classmethod
    def load(cls, path: Path, key: str) -> PageLinks:
        try:
            with open(path, "rb") as f:
                version, stored_key, known = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return cls(key)
        return cls(key, known if version == FORMAT and stored_key == key and isinstance(known, dict) else None)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps((FORMAT, self.key, self.now), pickle.HIGHEST_PROTOCOL))

    def read(self, page: Path) -> Read | None:
        """The page's ids and links, or None when it cannot be read or parsed."""
        try:
            data = page.read_bytes()
        except OSError:
            return None
        sha = hashlib.sha256(data).digest()
        found = self.now.get(sha) or self.known.get(sha)
        if found is None:
            found = _parse(data)
            if found is None:
                return None
        self.now[sha] = found
        return found


def _parse(data: bytes) -> Read | None:
    root = parse_page(data)
    if root is None:
        return None
    # plain, interned str: lxml's "smart" strings would keep every page's tree alive,
    # and the nav links recur on every page (pickled once each)
    ids = frozenset(sys.intern(str(v)) for v in [*root.xpath("//@id"), *root.xpath("//a/@name")])
    links = tuple((sys.intern(f.url), sys.intern(f.text), f.line) for f in urls_in(url_elements(root))
                  if f.tag not in ("form", "button", "input") and f.attr != "content")
    return ids, links
