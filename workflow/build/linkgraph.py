"""The links of the built group (第三十一条): every internal link resolves.

Internal: relative, absolute to a group domain, or a root path, which is
/<site-id>/… in preview builds and /… of the page's own site in production.
`govsite build` checks each site's own links in that site's worker
(`check_site`) and resolves the links into other sites once every site is built
(`resolve_deferred`); a site not rebuilt hands in the links it remembered, so a
page that appeared or went away elsewhere is found without rebuilding it.
The theme's own links are checked before anything is built (`check_theme`).
"""
from __future__ import annotations

import os
import posixpath
import re
import urllib.parse
from collections.abc import Collection
from pathlib import Path

from workflow.build.pagelinks import PageLinks
from workflow.model.findings import ERROR, Finding
from workflow.model.html import parse_html, urls_in
from workflow.policy.allowlist import allowlist_for
from workflow.policy.urls import parse

_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.I | re.S)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
ELSEWHERE = object()     # the link points into another site: resolved once every site is built


# --- the theme ---------------------------------------------------------------

def check_theme(group) -> list[Finding]:
    """Findings for links in the theme's templates and CSS (errors fail the build)."""
    theme = group.root / "themes" / "govsite"
    allow = allowlist_for(group)
    findings = []
    for path in sorted(theme.rglob("*")):
        if path.suffix not in (".html", ".css") or not path.is_file():
            continue
        rel = path.relative_to(group.root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".css":
            found = [(m[2] if m[2] is not None else m[4], text[:m.start()].count("\n") + 1)
                     for m in _CSS_URL.finditer(text)]
        else:
            found = [(f.url, f.line) for f in urls_in(parse_html(_JINJA.sub(_placeholder, text)))]
            found += [(m[2] if m[2] is not None else m[4], None) for m in _CSS_URL.finditer(text)]
        for url, line in found:
            if "\ufff0" in url and not _SCHEME.match(url) and not url.startswith("//"):
                continue     # built from template values (SITEURL…): checked in the built pages
            why = allow.refusal(url.replace("\ufff0", "x"))
            if why:
                shown = url.replace("\ufff0", "{{…}}")[:200]
                findings.append(Finding("link.not-allowed", ERROR, rel, line, f"主题中的链接 {shown} 不允许：{why}",
                                        None, "删除该链接，或把该网站加入 workflow/data/allowlist.yaml"))
    return findings


def _placeholder(m) -> str:
    """Template code becomes a marker, keeping line numbers; `{{ SITEURL }}/x` stays internal."""
    return "\ufff0" + "\n" * m[0].count("\n")


# --- the built group ---------------------------------------------------------

class Resolver:
    """Resolves internal links of built pages in `staging` (sites built now) and beside
    it in the output folder (sites kept from their last build), in one build `mode`."""

    def __init__(self, staging: Path, group, mode: str):
        self.staging = Path(staging)
        self.output = self.staging.parent
        self.inside = self.output.resolve()       # a target must stay in it (resolved once: links are many)
        self.roots: dict[str, Path] = {}
        self.preview = mode != "production"
        self.domains = {s.domain.lower(): sid for sid, s in group.sites.items() if s.domain}
        self.sites = set(self.domains.values())
        self.ids: dict[Path, frozenset] = {}
        self.pages = PageLinks()                    # pages of other sites, read for their anchors
        self.seen: dict[tuple, object] = {}
        self.parsed: dict[str, object] = {}

    def parse(self, url: str):
        if url not in self.parsed:
            self.parsed[url] = parse(url)
        return self.parsed[url]

    def site_root(self, sid: str) -> Path:
        if sid not in self.roots:
            self.roots[sid] = self.staging / sid if (self.staging / sid).is_dir() else self.output / sid
        return self.roots[sid]

    def problem(self, url: str, page: Path, sid: str, within: Path | None = None):
        """Why `url` on `page` (of site `sid`) does not resolve (Chinese), None when it does,
        or ELSEWHERE when it leads out of `within` (another site, not built yet)."""
        key = self.link_key(sid, page, url)
        if key not in self.seen:
            self.seen[key] = self._problem(url, page, sid, within)
        return self.seen[key]

    def _problem(self, url: str, page: Path, sid: str, within: Path | None):
        u = self.parse(url)
        if u.problem or (u.scheme and u.scheme not in ("http", "https")):
            return None                     # not an internal link (or refused by the rules already)
        if u.host is not None and u.host not in self.domains:
            return None                     # external
        split = urllib.parse.urlsplit(u.rest)
        path = urllib.parse.unquote(split.path)
        if u.host is not None:
            candidates = [self.site_root(self.domains[u.host]) / path.lstrip("/")]
        elif not path:
            candidates = [page]             # "#fragment" or "?query": this page
        elif path.startswith("/") and not self.preview:
            candidates = [self.site_root(sid) / path.lstrip("/")]
        elif path.startswith("/"):          # preview: /<site-id>/…
            first, _, inner = path.lstrip("/").partition("/")
            candidates = [self.site_root(first) / inner] if first in self.sites else []
        else:
            candidates = [page.parent / path]
        if within is not None and any(not os.path.normpath(c).startswith(os.path.normpath(within) + os.sep)
                                      for c in candidates):
            return ELSEWHERE                # e.g. ../../other-site/x.html: that site may not be built yet
        targets = [t for c in candidates if (t := _file(c, path, self.inside)) is not None]
        if not targets:
            return "指向的页面或文件不存在"
        fragment = urllib.parse.unquote(split.fragment)
        if fragment and not any(fragment in self._ids(t) for t in targets if t.suffix == ".html"):
            return f"指向的页面中没有锚点 #{fragment}"
        return None

    def site_of(self, url: str, rel: str) -> str | None:
        """The site a link on page `rel` ("site/…") leads into, or None when it cannot be
        told from the address alone (then it is resolved)."""
        u = self.parse(url)
        if u.problem or (u.scheme and u.scheme not in ("http", "https")):
            return None
        if u.host is not None:
            return self.domains.get(u.host)
        path = urllib.parse.unquote(urllib.parse.urlsplit(u.rest).path)
        if not path or (path.startswith("/") and not self.preview):
            return rel.partition("/")[0]
        if path.startswith("/"):
            first = path.lstrip("/").partition("/")[0]
        else:
            first = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path)).partition("/")[0]
        return first if first in self.sites else None

    def text_key(self, rel: str, url: str) -> tuple:
        """link_key for a page given as "site/…" (no paths made: there are many)."""
        head = url.lstrip()[:1]
        sid = rel.partition("/")[0]
        if head in ("#", "?", ""):
            return sid, rel, url
        absolute = head in ("/", "\\") or self.parse(url).scheme is not None
        return sid, None if absolute else rel.rpartition("/")[0], url

    def link_key(self, sid: str, page: Path, url: str) -> tuple:
        """Links that resolve alike share a key: the same nav links recur on every page."""
        head = url.lstrip()[:1]
        absolute = head in ("/", "\\") or self.parse(url).scheme is not None
        return sid, page if head in ("#", "?", "") else None if absolute else page.parent, url

    def _ids(self, page: Path) -> frozenset:
        if page not in self.ids:
            found = self.pages.read(page)
            self.ids[page] = found[0] if found is not None else frozenset()
        return self.ids[page]


def check_site(staging: Path, group, sid: str, mode: str, read: PageLinks | None = None):
    """Findings for the links of one built site (`staging/sid`) that stay in it, and
    the links into other sites, deferred as (page "site/…", url, text, line) for
    `resolve_deferred` (plain values: the build remembers them for sites it does not rebuild).
    `read`: the pages' ids and links as its last build read them (a page with the same
    bytes is not parsed again); it takes those of every page read now."""
    resolver = Resolver(staging, group, mode)
    read = resolver.pages = read if read is not None else PageLinks()    # an anchor's page is read once
    site_dir = resolver.staging / sid
    pages: dict[str, list[Finding]] = {}
    deferred = []
    for page in sorted(site_dir.rglob("*.html")):
        found = read.read(page)
        if found is None:
            continue
        ids, links = found
        resolver.ids.setdefault(page, ids)
        rel = page.relative_to(resolver.staging).as_posix()
        for url, text, line in links:
            why = resolver.problem(url, page, sid, within=site_dir)
            if why is ELSEWHERE:
                deferred.append((rel, url, text, line))
            elif why:
                _broken(pages, rel, url, text, line, why)
    return pages, deferred


def targets(staging: Path, group, deferred, mode: str) -> list[tuple[str, str, str | None]]:
    """One (page, url, site it leads into) for each way the deferred links resolve
    (Resolver.link_key): the link to the portal on every page of a site is one target.
    The build keeps these for every site and resolves them each time; a site's every
    link only when one breaks."""
    resolver = Resolver(staging, group, mode)
    found: dict[tuple, tuple[str, str, str | None]] = {}
    for rel, url, _, _ in deferred:
        key = resolver.text_key(rel, url)
        if key not in found:
            found[key] = (rel, url, resolver.site_of(url, rel))
    return sorted(found.values())


def resolve_targets(staging: Path, group, sites: dict[str, list], occurrences, pages: dict,
                    mode: str, last: dict[str, list] | None = None, rebuilt: Collection[str] = (),
                    verdicts: dict[str, list] | None = None) -> dict[str, list[Finding]]:
    """Resolve each site's link targets into other sites (`targets`) now that every site is
    built (sites not rebuilt keep their last output, beside the staging folder); for a
    target that does not resolve, `occurrences(site)` gives every deferred link of that
    site, and each one with that target is a finding on its page.
    `last`: per site, its broken targets as the last build found them ([page, url, why]);
    a target from a site not `rebuilt` into a site not `rebuilt` keeps that verdict (both
    ends are as they were), so a change resolves what it touched, not the group's every
    link (the site a target leads into is as `targets` found it: the group's shape and
    the build mode, which it rests on, rebuild every site when they change).
    `verdicts` receives the broken targets found now, in that form."""
    resolver = Resolver(staging, group, mode)
    for sid, found in sites.items():
        broken = {}
        held = None if last is None or sid in rebuilt or sid not in last else \
            {(rel, url): why for rel, url, why in last[sid]}
        for rel, url, into in found:
            if held is not None and into is not None and into not in rebuilt:
                why = held.get((rel, url))
            else:
                why = resolver.problem(url, resolver.site_root(sid) / rel.partition("/")[2], sid)
            if why:
                broken[resolver.text_key(rel, url)] = why
                if verdicts is not None:
                    verdicts.setdefault(sid, []).append([rel, url, why])
        if broken:
            for rel, url, text, line in occurrences(sid):
                why = broken.get(resolver.text_key(rel, url))
                if why:
                    _broken(pages, rel, url, text, line, why)
    for findings in pages.values():
        findings.sort(key=lambda f: f.line or 0)
    return dict(sorted(pages.items()))


def resolve_deferred(staging: Path, group, deferred, pages: dict, mode: str) -> dict[str, list[Finding]]:
    """Resolve the cross-site links `check_site` deferred, now that every site is built."""
    by_site: dict[str, list] = {}
    for d in deferred:
        by_site.setdefault(d[0].partition("/")[0], []).append(tuple(d))
    sites = {sid: targets(staging, group, found, mode) for sid, found in by_site.items()}
    return resolve_targets(staging, group, sites, lambda sid: by_site[sid], pages, mode)


def check_built(staging: Path, group, site_ids: list[str], mode: str) -> dict[str, list[Finding]]:
    """Every internal link of the built sites: `check_site` for each, then `resolve_deferred`."""
    pages: dict[str, list[Finding]] = {}
    deferred: list = []
    for sid in site_ids:
        found, later = check_site(staging, group, sid, mode)
        pages.update(found)
        deferred += later
    return resolve_deferred(staging, group, deferred, pages, mode)


def _broken(pages: dict, rel: str, url: str, text: str, line, why: str) -> None:
    shown = f"“{text}”" if text else ""
    pages.setdefault(rel, []).append(Finding(
        "link.broken-internal", ERROR, rel, line, f"链接{shown} {url[:200]} {why}", None,
        "修正链接地址，或恢复被链接的页面/锚点"))


def _file(candidate: Path, path: str, output: Path) -> Path | None:
    try:
        target = candidate / "index.html" if path.endswith("/") or candidate.is_dir() else candidate
        inside = os.path.normpath(target).startswith(str(output) + os.sep)
        return target if inside and target.is_file() else None
    except (OSError, ValueError):
        return None

