"""Links from one item to another, written as the editor sees the files.

An editor links to another item by its file, as GitHub and GitLab previews
resolve it: a relative path `../tzgg/2026-11-x.md` (from the linking item's
folder), or Pelican's `{filename}/tzgg/2026-11-x.md` (from the site's folder;
`{filename}../tzgg/x.md` from the item's folder). Another site's item:
`../../qingxiu/yaowen/x.md`. `#小标题` may follow. `check` resolves each one
to an item file (rules/itemlinks.py, at the .md line); the build rewrites it to
the target item's URL (the reader plugin), in preview and production alike.
Links to pages (`/portal/tzgg/x.html`, `../tzgg/x.html`) that name an item or
a site page are resolved too, so a typo is caught before the build.
"""
from __future__ import annotations

import html as htmlmod
import posixpath
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflow.model.sites import Group, Site

FILENAME = ("{filename}", "%7Bfilename%7D", "%7bfilename%7d")
# Pages every site has besides its columns and items (pelicanconf.DIRECT_TEMPLATES and the 404/410 pages).
SITE_PAGES = {"index.html", "search.html", "sitemap.html", "sites.html", "404.html", "410.html"}


@dataclass(frozen=True)
class Target:
    written: str          # the URL as it stands in the body
    kind: str             # "md" | "filename" | "page"
    relpath: str | None   # the content file it must be (content/<site>/<column>/<slug>.md), None: not an item
    fragment: str         # "#…" or ""
    problem: str | None   # Chinese: why it cannot resolve, when known without looking at files


def resolve(url: str, item_relpath: str, group: Group) -> Target | None:
    """What an internal link in item `item_relpath` points to; None when it is not an
    internal link this module judges (external, mail, a fragment alone, a folder)."""
    raw = htmlmod.unescape(url.strip())
    path, _, fragment = raw.partition("#")
    path = path.split("?", 1)[0]
    fragment = f"#{fragment}" if fragment else ""
    here = posixpath.dirname(item_relpath)                     # content/<site>/<column>
    site_dir = "/".join(item_relpath.split("/")[:2])           # content/<site>
    kind = None
    for prefix in FILENAME:
        if path.startswith(prefix):
            rest = urllib.parse.unquote(path[len(prefix):])
            joined = site_dir + rest if rest.startswith("/") else posixpath.join(here, rest)
            kind = "filename"
            break
    else:
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//|^\\", path) or not path:
            return None
        plain = urllib.parse.unquote(path)
        if plain.endswith(".md"):
            if plain.startswith("/"):
                return Target(url, "md", None, fragment, "以“/”开头的 .md 链接无法确定指向哪个网站")
            joined, kind = posixpath.join(here, plain), "md"
        elif plain.endswith(".html") or plain.endswith("/"):
            if plain.startswith("/"):
                joined, kind = "content" + plain, "page"
            else:
                joined, kind = posixpath.join(here, plain), "page"
        else:
            return None
    norm = posixpath.normpath(joined)
    parts = norm.split("/")
    if parts[0] != "content" or len(parts) < 2 or parts[1] not in group.sites:
        if kind == "page":
            return None                       # not a page of the group this rule can judge
        return Target(url, kind, None, fragment, "指向的位置不在任何网站的目录内")
    site = group.sites[parts[1]]
    if kind == "page":
        return _page(url, parts, site, here, fragment)
    if not norm.endswith(".md") or len(parts) != 4 or parts[2] not in site.columns:
        return Target(url, kind, None, fragment, f"{norm} 不是一条信息的文件（应为 content/网站/栏目/文件名.md）")
    return Target(url, kind, norm, fragment, None)


def _page(url: str, parts: list[str], site: Site, here: str, fragment: str) -> Target | None:
    rest = parts[2:]
    if here.split("/")[1] != site.id and not url.lstrip().startswith("/"):
        return Target(url, "page", None, fragment,
                      "相对链接跨出了本网站：各网站在正式环境中域名不同，这样的链接会失效；请链接到对方信息的 .md 文件")
    if not rest or rest == ["index.html"] or (len(rest) == 1 and rest[0] in SITE_PAGES):
        return None
    if rest[0] not in site.columns:
        if len(rest) == 1 and rest[0].endswith(".html"):
            return Target(url, "page", None, fragment, f"网站“{site.name}”没有页面 {rest[0]}")
        return None                           # topic pages, feeds, attachments: the build checks them
    if len(rest) == 1 or rest[1:] == ["index.html"] or re.fullmatch(r"index_\d+\.html", rest[-1]):
        return None                           # a column page
    if len(rest) == 2 and rest[1].endswith(".html"):
        return Target(url, "page", f"content/{site.id}/{rest[0]}/{rest[1][:-5]}.md", fragment, None)
    return None


def item_url(relpath: str, group: Group, mode: str) -> str:
    """The URL of the item stored at `relpath` (content/<site>/<column>/<slug>.md)."""
    from workflow.model.sites import site_url

    _, sid, column, name = relpath.split("/")
    return f"{site_url(group.sites[sid], mode)}/{column}/{name[:-3]}.html"


_ATTR = re.compile(r"""(\s(?:href|src)\s*=\s*)("([^"]*)"|'([^']*)')""", re.I)


def rewrite(html: str, item_relpath: str, group: Group, mode: str, exists: Callable[[str], bool]) -> str:
    """The rendered body with every .md and {filename} link to an existing item made
    that item's URL. `exists(relpath)` says whether a file is there."""
    if ".md" not in html and "filename" not in html:
        return html

    def sub(m: re.Match[str]) -> str:
        url = m[3] if m[3] is not None else m[4]
        target = resolve(url, item_relpath, group)
        if target is None or target.kind == "page" or target.relpath is None or not exists(target.relpath):
            return m[0]
        new = htmlmod.escape(item_url(target.relpath, group, mode) + target.fragment)
        return f'{m[1]}"{new}"'

    return _ATTR.sub(sub, html)
