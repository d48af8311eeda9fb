"""URLs as a browser reads them (第三十一条's link policy rests on this).

A URL is normalised the way a browser would read it (WHATWG URL parsing:
stripped spaces and control characters, tabs and newlines removed, scheme
case, `\\` as `/`, any number of slashes after `https:`, userinfo, percent-
encoded and IDN hosts, trailing dot, ports) before its host is compared with
the allowlist (policy/allowlist.py), so that no spelling of a URL reaches a
host the list refuses.
"""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

import idna

MAX_URL = 4096    # longer URLs are refused: no real page needs one, and they hide things

# Refused whatever the allowlist says: they run code or read local files.
# data: is refused in <img> too: an inline image bypasses the attachment review.
REFUSED_SCHEMES = {
    "javascript": "javascript: 链接会在读者浏览器中执行脚本",
    "vbscript": "vbscript: 链接会在读者浏览器中执行脚本",
    "data": "data: 链接把任意内容（可能含脚本）直接嵌在网址中",
    "file": "file: 链接指向读者本机的文件",
}

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))      # what browsers strip from both ends
_PORT = re.compile(r"^[0-9]*$")
_IPV4_LAST = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")
@dataclass(frozen=True)
class Url:
    """A URL as a browser reads it."""
    raw: str
    scheme: str | None = None    # None: relative to the page
    host: str | None = None      # ASCII (punycode), lower case, no trailing dot, no port
    rest: str = ""               # path, query and fragment
    problem: str | None = None   # why it is refused whatever the allowlist (Chinese)


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
