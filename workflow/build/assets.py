"""Fingerprinted theme assets: one release per page view.

Every file of the theme's static folder is published under a name carrying
its content hash (css/site.css -> css/site.3f2a9c1e07.css), and pages name
them through one Jinja global, `asset('css/site.css')`. A page therefore
always loads the CSS and JS of its own build: after a switch of `current`,
the old name is another file, never the new content. nginx serves these
names with a long cache lifetime (workflow/nginx.py), and a deploy carries
the previous release's assets over (workflow/deploy.py) for pages still open.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path

from jinja2 import pass_context

HASH_LENGTH = 10
# theme/<path>/<name>.<hash>.<ext>: what nginx caches for a year.
PATTERN = r"^/theme/.+\.[0-9a-f]{%d}\.[A-Za-z0-9]+$" % HASH_LENGTH
_FINGERPRINTED = re.compile(r"\.[0-9a-f]{%d}\.[A-Za-z0-9]+$" % HASH_LENGTH)


def fingerprinted_name(rel: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    folder, _, name = rel.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    new = f"{stem}.{digest}.{ext}" if dot and stem else f"{name}.{digest}"
    return f"{folder}/{new}" if folder else new


_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")\s]+)\1\s*\)""")


def fingerprints(static: Path) -> dict[str, str]:
    """theme-relative path -> fingerprinted path, for every file of `static`. A stylesheet's
    own name is made from its text as published: with the fingerprinted names of the files
    it refers to (url(...)), so an image changed means a stylesheet changed too."""
    static = Path(static)
    files = {p.relative_to(static).as_posix(): p for p in sorted(static.rglob("*")) if p.is_file()}
    mapping = {rel: fingerprinted_name(rel, p.read_bytes()) for rel, p in files.items() if not rel.endswith(".css")}
    for rel, p in files.items():
        if rel.endswith(".css"):
            text = css_with_fingerprints(p.read_text(encoding="utf-8"), rel, mapping)
            mapping[rel] = fingerprinted_name(rel, text.encode("utf-8"))
    return mapping


def css_with_fingerprints(text: str, css_rel: str, mapping: dict[str, str]) -> str:
    """The stylesheet with each relative url(...) to a theme file pointing at its fingerprinted name."""
    base = posixpath.dirname(css_rel)

    def fix(m):
        url = m[2]
        cut = re.search(r"[?#]", url)
        path, rest = (url[:cut.start()], url[cut.start():]) if cut else (url, "")
        if re.match(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/|#)", url):
            return m[0]
        target = posixpath.normpath(posixpath.join(base, path))
        if target not in mapping:
            return m[0]
        new = posixpath.relpath(mapping[target], base or ".")
        return f"url({m[1]}{new}{rest}{m[1]})"

    return _CSS_URL.sub(fix, text)


def is_fingerprinted(rel: str) -> bool:
    return bool(_FINGERPRINTED.search(rel))


def jinja_global(mapping: dict[str, str]):
    """`asset('css/site.css')` -> SITEURL/THEME_STATIC_DIR/css/site.<hash>.css."""
    @pass_context
    def asset(context, rel: str) -> str:
        if rel not in mapping:
            raise KeyError(f"主题中没有静态文件 {rel}（themes/govsite/static/{rel}）")
        return f"{context['SITEURL']}/{context['THEME_STATIC_DIR']}/{mapping[rel]}"
    return asset


def rename(out_static: Path, mapping: dict[str, str]) -> None:
    """After Pelican copied the theme's static files: give each its fingerprinted name (a
    stylesheet's references rewritten to the fingerprinted names of what it refers to)."""
    for rel, new in mapping.items():
        path = Path(out_static) / rel
        if not path.is_file():
            continue
        if rel.endswith(".css"):
            path.write_text(css_with_fingerprints(path.read_text(encoding="utf-8"), rel, mapping), encoding="utf-8")
        path.replace(Path(out_static) / new)


def write_generated(out_static: Path, mapping: dict[str, str], made: dict[str, bytes]) -> None:
    """The theme files the build makes (workflow/build/sitesettings.generated_assets), under
    their fingerprinted names."""
    for rel, data in made.items():
        path = Path(out_static) / mapping[rel]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
