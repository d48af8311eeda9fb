"""Link policy (第三十一条): allowlisted external links, resolvable internal links.

A URL is normalised the way a browser would read it (WHATWG URL parsing:
stripped spaces and control characters, tabs and newlines removed, scheme
case, `\\` as `/`, any number of slashes after `https:`, userinfo, percent-
encoded and IDN hosts, trailing dot, ports) before its host is compared with
the allowlist, so that no spelling of a URL reaches a host the list refuses.

Used by the rule set (workflow/rules/links.py), by the build for the theme
(check_theme) and for the built pages (check_built).
"""
from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import idna
import lxml.etree
import lxml.html
import yaml

from workflow.model.findings import ERROR, ConfigError, Finding
from workflow import DATA

ALLOWLIST_FILE = DATA / "allowlist.yaml"
MAX_URL = 4096    # longer URLs are refused: no real page needs one, and they hide things

# Refused whatever the allowlist says: they run code or read local files.
# data: is refused in <img> too: an inline image bypasses the attachment review.
REFUSED_SCHEMES = {
    "javascript": "javascript: 链接会在读者浏览器中执行脚本",
    "vbscript": "vbscript: 链接会在读者浏览器中执行脚本",
    "data": "data: 链接把任意内容（可能含脚本）直接嵌在网址中",
    "file": "file: 链接指向读者本机的文件",
}

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

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))      # what browsers strip from both ends
_PORT = re.compile(r"^[0-9]*$")
_IPV4_LAST = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.I | re.S)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


@dataclass(frozen=True)
class Url:
    """A URL as a browser reads it."""
    raw: str
    scheme: str | None = None    # None: relative to the page
    host: str | None = None      # ASCII (punycode), lower case, no trailing dot, no port
    rest: str = ""               # path, query and fragment
    problem: str | None = None   # why it is refused whatever the allowlist (Chinese)


@lru_cache(maxsize=65536)
def parse(raw: str) -> Url:
    """Normalise one URL; never raises: what cannot be read carries a `problem`."""
    if len(raw) > MAX_URL:
        return Url(raw[:80], problem=f"网址过长（{len(raw)} 个字符，上限 {MAX_URL}）")
    text = _TAB_NEWLINE.sub("", raw.strip(_C0_AND_SPACE))
    if _CONTROL.search(text):
        return Url(raw, problem="网址中含有控制字符")
    match = _SCHEME.match(text)
    scheme = match[1].lower() if match else None
    if scheme in REFUSED_SCHEMES:
        return Url(raw, scheme, problem=REFUSED_SCHEMES[scheme])
    rest = text[match.end():] if match else text
    if scheme in ("http", "https"):
        rest = rest.lstrip("/\\")            # browsers skip any slashes after a web scheme
    elif scheme is None and re.match(r"^[/\\][/\\]", rest):
        scheme, rest = "https", rest[2:]     # protocol-relative //host
    else:
        return Url(raw, scheme, rest=rest)   # relative, or mailto:/tel:/other schemes
    parts = re.split(r"([/\\?#])", rest, maxsplit=1)
    authority, tail = parts[0], "".join(parts[1:])
    host, problem = _host(authority)
    return Url(raw, scheme, host, tail.replace("\\", "/"), problem)


def _host(authority: str) -> tuple[str | None, str | None]:
    """(ASCII host, problem) of `user:pass@host:port`."""
    if "@" in authority:
        real = authority.rsplit("@", 1)[1]
        return _host(real)[0], f"网址含有“@”前的用户信息，实际访问的是“{real}”，容易误导读者"
    if authority.startswith("["):
        if "]" not in authority:
            return None, "网址无法解析（主机名的方括号不成对）"
        return authority, "网址直接使用 IP 地址，不是域名"
    host, _, port = authority.rpartition(":") if ":" in authority else (authority, "", "")
    if not _PORT.match(port) or (port and int(port) > 65535):
        return None, f"网址的端口“{port}”不正确"
    try:
        host = urllib.parse.unquote(host, errors="strict")
    except UnicodeDecodeError:
        return None, "网址主机名中的百分号编码无法解码"
    if not host or host == ".":
        return None, "网址缺少主机名"
    if _CONTROL.search(host) or any(c in host for c in " <>^|%"):
        return None, f"网址主机名“{host}”含有不允许的字符"
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        return None, f"域名“{host[:80]}”无法按 IDNA 规则编码（{exc}）"
    ascii_host = ascii_host[:-1] if ascii_host.endswith(".") else ascii_host
    if _IPV4_LAST.match(ascii_host.rsplit(".", 1)[-1]):
        return ascii_host, "网址直接使用 IP 地址，不是域名"
    return ascii_host, None


def ascii_host(pattern: str) -> str:
    """A host or the suffix of a `*.` pattern in the form URLs are compared in."""
    return idna.encode(pattern.strip().rstrip("."), uts46=True).decode("ascii").lower()


@dataclass(frozen=True)
class Allowlist:
    schemes: frozenset
    hosts: frozenset          # exact hosts
    suffixes: tuple           # ".gov.cn" for `*.gov.cn`

    def allows_host(self, host: str) -> bool:
        return host in self.hosts or any(host.endswith(s) for s in self.suffixes)

    def extended(self, patterns) -> "Allowlist":
        hosts, suffixes = _patterns(patterns)
        return Allowlist(self.schemes, self.hosts | hosts, tuple(dict.fromkeys(self.suffixes + suffixes)))

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be linked (Chinese), or None when it may."""
        u = parse(url)
        if u.problem:
            return u.problem
        if u.scheme is None:
            return None
        if u.scheme not in self.schemes:
            return f"不允许的协议“{u.scheme}:”（允许：{'、'.join(sorted(self.schemes))}）"
        if u.host is not None and not self.allows_host(u.host):
            return f"外部网站“{u.host}”不在外链白名单中"
        return None


def _patterns(patterns) -> tuple[frozenset, tuple]:
    hosts, suffixes = set(), []
    for p in patterns:
        if p.startswith("*."):
            suffixes.append("." + ascii_host(p[2:]))
        else:
            hosts.add(ascii_host(p))
    return frozenset(hosts), tuple(suffixes)


def _bad_pattern(p) -> str | None:
    if not isinstance(p, str) or not p.strip():
        return "应为主机名或 *.后缀"
    try:
        ascii_host(p[2:] if p.startswith("*.") else p)
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        return f"不是合法的主机名（{exc}）"
    if "/" in p or ":" in p or "*" in p.lstrip("*.") or (p.startswith("*") and not p.startswith("*.")):
        return "只写主机名或 *.后缀，不带协议、端口、路径"
    return None


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Allowlist:
    rel = Path(path).name
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([Finding("config.allowlist", ERROR, rel, None, f"外链白名单无法读取：{exc}",
                                   None, "修正 allowlist.yaml 的格式")]) from exc
    data = data if isinstance(data, dict) else {}
    schemes, hosts = data.get("schemes"), data.get("hosts")
    findings = [Finding("config.allowlist", ERROR, rel, None, f"{key} 应为列表", key,
                        "参照 workflow/data/allowlist.yaml 书写")
                for key, v in (("schemes", schemes), ("hosts", hosts)) if not isinstance(v, list)]
    for p in hosts if isinstance(hosts, list) else []:
        if (why := _bad_pattern(p)):
            findings.append(Finding("config.allowlist", ERROR, rel, None, f"白名单条目“{p}”{why}", "hosts",
                                    "例如 www.gov.cn 或 *.gov.cn"))
    for s in schemes if isinstance(schemes, list) else []:
        if str(s).lower() in REFUSED_SCHEMES:
            findings.append(Finding("config.allowlist", ERROR, rel, None, f"协议“{s}”不得加入白名单", "schemes",
                                    "删除该协议"))
    if findings:
        raise ConfigError(findings)
    return Allowlist(frozenset(str(s).lower() for s in schemes), *_patterns(hosts))


def load_allowlist(path: Path = ALLOWLIST_FILE) -> Allowlist:
    return _load(str(path), Path(path).stat().st_mtime if Path(path).exists() else 0.0)


def allowlist_for(group, site=None) -> Allowlist:
    """The city's list + the group's own domains + the site's `links.allow` in site.yaml."""
    base = load_allowlist()
    own = [s.domain for s in group.sites.values() if s.domain]
    extra = []
    for s in ([site] if site else group.sites.values()):
        extra += ((s.data.get("links") or {}).get("allow") or [])
    bad = [(p, why) for p in extra if (why := _bad_pattern(p))]
    if bad:
        raise ConfigError([Finding("site.links", ERROR, (site.path if site else "site.yaml"), None,
                                   f"links.allow 的条目“{p}”{why}", "links.allow", "例如 www.example.cn 或 *.example.cn")
                           for p, why in bad])
    return base.extended(own + extra)


# --- URLs in HTML ------------------------------------------------------------

@dataclass(frozen=True)
class Found:
    tag: str
    attr: str
    url: str
    text: str          # link text or alt, for the editor
    line: int | None   # line in the parsed HTML
    element: object = None


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
    attrib: dict
    text: str = ""             # text inside it (links), for the editor
    line: int | None = None    # line in the parsed HTML, when known

    def get(self, name, default=None):
        return self.attrib.get(name, default)


class _Collector:
    """lxml parser target: every start tag in document order, whatever the tree
    builder later makes of it (no depth limit, misplaced tags kept)."""

    def __init__(self):
        self.elements: list[Element] = []
        self.texts: list[tuple[str, bool]] = []   # (text, inside code/pre)
        self._open: list[Element] = []
        self._code = 0
        self._pending: list[str] = []             # the parser hands text over in pieces

    def _flush(self):
        if self._pending:
            self.texts.append(("".join(self._pending), self._code > 0))
            self._pending = []

    def start(self, tag, attrib):
        self._flush()
        el = Element(str(tag).lower(), dict(attrib))
        self.elements.append(el)
        self._open.append(el)
        self._code += el.tag in ("code", "pre")

    def end(self, tag):
        self._flush()
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == str(tag).lower():
                for el in self._open[i:]:
                    self._code -= el.tag in ("code", "pre")
                del self._open[i:]
                break

    def data(self, text):
        self._pending.append(text)
        for el in self._open:
            if el.tag in ("a", "area", "button") and len(el.text) < 200:
                el.text += text

    def comment(self, text):
        pass

    def close(self):
        self._flush()
        return self


def elements(html: str) -> _Collector:
    """Start tags and texts of an HTML fragment, read with libxml2's HTML5
    tokenizer (entities decoded as browsers decode them)."""
    parser = lxml.etree.HTMLParser(target=_Collector(), recover=True, no_network=True)
    parser.feed("<div>" + (html or "") + "</div>")
    return parser.close()


def parse_html(html: str):
    """A fragment as a tree (for pages we built: line numbers, ids)."""
    return lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")


def tree_elements(root) -> list[Element]:
    out = []
    for el in root.iter():
        if isinstance(el.tag, str):
            text = " ".join((el.text_content() or "").split()) if el.tag in ("a", "area", "button") else ""
            out.append(Element(el.tag.rsplit("}", 1)[-1].lower(), dict(el.attrib), text, el.sourceline))
    return out


def urls_in(els) -> list[Found]:
    """Every URL held by an attribute of these elements (lxml tree or Element list)."""
    if hasattr(els, "iter"):
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

def check_built(staging: Path, group, site_ids: list[str]) -> dict[str, list[Finding]]:
    """After building: internal links that do not resolve, per built page.

    Internal: relative, absolute to a group domain, or a root path, which is
    /<site-id>/… in preview builds and /… of the page's own site in production
    (the mode is read from the site's home page: how it links to itself).
    `govsite build` runs `check_site` in each site's own worker and `resolve_deferred`
    once all are built; this is the same two steps, one after the other.
    """
    pages: dict[str, list[Finding]] = {}
    deferred = []
    for sid in site_ids:
        found, later = check_site(staging, group, sid)
        pages.update(found)
        deferred += later
    return resolve_deferred(staging, group, deferred, pages)


class _Elsewhere(Exception):
    """The link points into another site of the group: resolved once every site is built."""


def check_site(staging: Path, group, sid: str, ids_cache: dict | None = None):
    """Findings for the links of one built site (`staging/sid`) that stay in it, and
    the links into other sites, deferred as (page "site/…", url, text, line, preview) for
    `resolve_deferred` (plain values: the build remembers them for sites it does not rebuild)."""
    staging = Path(staging)

    def own_site(other: str) -> Path:
        if other != sid:
            raise _Elsewhere
        return staging / sid

    pages, deferred = {}, []
    domains = _domains(group)
    ids_cache = {} if ids_cache is None else ids_cache
    seen: dict[tuple, str | None] = {}     # the same nav links recur on every page
    preview = _is_preview(staging / sid, sid)
    for page in sorted((staging / sid).rglob("*.html")):
        root = _page_root(page)
        if root is None:
            continue
        ids_cache.setdefault(page, _page_ids(root))
        for f in urls_in(url_elements(root)):
            if f.tag in ("form", "button", "input") or f.attr == "content":
                continue
            key = _link_key(sid, page, f.url)
            if key not in seen:
                try:
                    seen[key] = _unresolved(f.url, page, None if preview else staging / sid, staging,
                                            domains, own_site, ids_cache, staging / sid)
                except _Elsewhere:
                    seen[key] = _Elsewhere
            if seen[key] is _Elsewhere:
                deferred.append((page.relative_to(staging).as_posix(), f.url, f.text, f.line, preview))
            elif seen[key]:
                _broken(pages, page.relative_to(staging).as_posix(), f.url, f.text, f.line, seen[key])
    return pages, deferred


def resolve_deferred(staging: Path, group, deferred, pages: dict) -> dict[str, list[Finding]]:
    """Resolve the cross-site links `check_site` deferred, now that every site is built
    (sites not rebuilt now keep their last output, beside the staging folder)."""
    staging = Path(staging)

    def site_root(sid: str) -> Path:
        return staging / sid if (staging / sid).is_dir() else staging.parent / sid

    domains = _domains(group)
    ids_cache: dict[Path, set] = {}
    seen: dict[tuple, str | None] = {}
    for rel, url, text, line, preview in deferred:
        sid, _, inside = rel.partition("/")
        page = site_root(sid) / inside
        key = _link_key(sid, page, url)
        if key not in seen:
            seen[key] = _unresolved(url, page, None if preview else site_root(sid), staging, domains,
                                    site_root, ids_cache)
        if seen[key]:
            _broken(pages, rel, url, text, line, seen[key])
    for found in pages.values():
        found.sort(key=lambda f: f.line or 0)
    return dict(sorted(pages.items()))


def _domains(group) -> dict[str, str]:
    return {s.domain.lower(): sid for sid, s in group.sites.items() if s.domain}


def _link_key(sid: str, page: Path, url: str) -> tuple:
    head = url.lstrip()[:1]
    absolute = head in ("/", "\\") or parse(url).scheme is not None
    return sid, page if head in ("#", "?", "") else None if absolute else page.parent, url


def _broken(pages: dict, rel: str, url: str, text: str, line, why: str) -> None:
    shown = f"“{text}”" if text else ""
    pages.setdefault(rel, []).append(Finding(
        "link.broken-internal", ERROR, rel, line, f"链接{shown} {url[:200]} {why}", None,
        "修正链接地址，或恢复被链接的页面/锚点"))


def _unresolved(url, page, own_root, staging, domains, site_root, ids_cache, within: Path | None = None) -> str | None:
    u = parse(url)
    if u.problem or (u.scheme and u.scheme not in ("http", "https")):
        return None                     # not an internal link (or refused by the rules already)
    if u.host is not None and u.host not in domains:
        return None                     # external
    split = urllib.parse.urlsplit(u.rest)
    path = urllib.parse.unquote(split.path)
    if u.host is not None:
        candidates = [site_root(domains[u.host]) / path.lstrip("/")]
    elif not path:
        candidates = [page]             # "#fragment" or "?query": this page
    elif path.startswith("/") and own_root is not None:
        candidates = [own_root / path.lstrip("/")]
    elif path.startswith("/"):          # preview: /<site-id>/…
        first, _, inner = path.lstrip("/").partition("/")
        candidates = [site_root(first) / inner] if first in domains.values() else []
    else:
        candidates = [page.parent / path]
    if within is not None and any(not os.path.normpath(c).startswith(os.path.normpath(within) + os.sep)
                                  for c in candidates):
        raise _Elsewhere                # e.g. ../../other-site/x.html: that site may not be built yet
    output = staging.parent.resolve()
    targets = [t for c in candidates if (t := _file(c, path, output)) is not None]
    if not targets:
        return "指向的页面或文件不存在"
    fragment = urllib.parse.unquote(split.fragment)
    if fragment and not any(fragment in _ids(t, ids_cache) for t in targets if t.suffix == ".html"):
        return f"指向的页面中没有锚点 #{fragment}"
    return None


def _is_preview(site_dir: Path, sid: str) -> bool:
    """Preview builds link their own pages as /<site-id>/…; production as https://domain/…"""
    try:
        return f'href="/{sid}/' in (site_dir / "index.html").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _file(candidate: Path, path: str, output: Path) -> Path | None:
    try:
        target = candidate / "index.html" if path.endswith("/") or candidate.is_dir() else candidate
        inside = os.path.normpath(target).startswith(str(output) + os.sep)
        return target if inside and target.is_file() else None
    except (OSError, ValueError):
        return None


_HTML_PARSER = lxml.etree.HTMLParser(no_network=True)
_URL_XPATH = lxml.etree.XPath("|".join(
    "//@" + a for a in sorted({a for attrs in URL_ATTRS.values() for a in attrs if ":" not in a} | {"http-equiv"})))


def _page_root(page: Path):
    try:
        return lxml.etree.parse(str(page), _HTML_PARSER).getroot()
    except (OSError, ValueError, lxml.etree.ParserError):
        return None


def _page_ids(root) -> set:
    # plain str: lxml's "smart" strings would keep every page's tree alive in the cache
    return {str(v) for v in root.xpath("//@id")} | {str(v) for v in root.xpath("//a/@name")}


def url_elements(root) -> list[Element]:
    """Only the elements of a built page that can hold a URL (pages are large)."""
    out = []
    for el in dict.fromkeys(attr.getparent() for attr in _URL_XPATH(root)):
        text = " ".join("".join(el.itertext()).split())[:60] if el.tag in ("a", "area") else ""
        out.append(Element(str(el.tag).lower(), dict(el.attrib), text, el.sourceline))
    return out


def _ids(page: Path, cache: dict) -> set:
    if page not in cache:
        root = _page_root(page)
        cache[page] = _page_ids(root) if root is not None else set()
    return cache[page]
