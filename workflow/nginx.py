"""nginx server blocks for the whole group (第二十七条 site security).

One `server` per site of site.yaml: its domain, its folder of the deployed
release, UTF-8, its own 404 page, 410 for items withdrawn with `mode: gone`,
and the security headers. The Content-Security-Policy allows no inline script
or style: the theme loads every script and stylesheet from files (pagefind's
search needs 'wasm-unsafe-eval'; the portal's group search fetches the other
sites' indexes, so connect-src names the group's domains and /pagefind/ answers
with `Access-Control-Allow-Origin: *`).
"""
from __future__ import annotations

import re

from .policy import State

DEFAULT_DEPLOY_ROOT = "/srv/govsite/current"

CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")

HEADERS = {
    "Strict-Transport-Security": "max-age=31536000",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": CSP,
}


def csp(group, frame_ancestors: bool = True) -> str:
    """CSP of a group's pages: CSP, with connect-src also allowing the group's other
    domains over https (the portal's group-wide search merges their search indexes).
    The theme's <meta> carries it too, without frame-ancestors (a meta cannot)."""
    others = " ".join(f"https://{s.domain}" for s in group.sites.values())
    policy = CSP.replace("connect-src 'self'", f"connect-src 'self' {others}".rstrip())
    return policy if frame_ancestors else policy.replace("; frame-ancestors 'none'", "")


def headers(group) -> dict[str, str]:
    return {**HEADERS, "Content-Security-Policy": csp(group)}

# Types nginx labels `charset=utf-8` besides its default text/html.
CHARSET_TYPES = "text/css text/xml text/plain application/javascript application/json application/atom+xml"

_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._/-]*$")


class NginxConfigError(ValueError):
    pass


def gone(decisions) -> dict[str, list[tuple[str, str]]]:
    """site id -> (column, slug) of every item withdrawn with mode `gone`."""
    out: dict[str, list[tuple[str, str]]] = {}
    for d in decisions:
        if d.state == State.WITHDRAWN and d.withdrawal["mode"] == "gone":
            out.setdefault(d.item.site_id, []).append((d.item.column, d.item.slug))
    return out


def server_block(site, root: str, gone_items, listen: str = "80", cert: str | None = None,
                 key: str | None = None, header_set: dict | None = None) -> str:
    name = " ".join(str(site.name).split())
    lines = [f"# {name} ({site.id})", "server {"]
    if cert:
        lines += ["    listen 443 ssl;", f"    ssl_certificate {cert.format(domain=site.domain)};",
                  f"    ssl_certificate_key {key.format(domain=site.domain)};"]
    else:
        lines.append(f"    listen {listen};")
    lines += [
        f"    server_name {site.domain};",
        f'    root "{root}/{site.id}";',
        "    index index.html;",
        "    charset utf-8;",
        f"    charset_types {CHARSET_TYPES};",
        "    server_tokens off;",
        "    error_page 404 /404.html;",
        "    error_page 410 /410.html;",
    ]
    header_lines = [f'add_header {h} "{v}" always;' for h, v in (header_set or HEADERS).items()]
    lines += ["    " + h for h in header_lines]
    lines += [
        "",
        "    location / {",
        "        try_files $uri $uri/ =404;",
        "    }",
        "    # The search index is public: the portal's group-wide search (another domain) reads it.",
        "    # A location with its own add_header inherits none: the security headers are repeated.",
        "    location ^~ /pagefind/ {",
        '        add_header Access-Control-Allow-Origin "*" always;',
        *["        " + h for h in header_lines],
        "        try_files $uri =404;",
        "    }",
        "    # Build leftovers and dot files are never served.",
        "    location ~ /\\.(?!well-known/) {",
        "        return 404;",
        "    }",
    ]
    if gone_items:
        lines += ["", "    # 复查撤除（mode: gone）：原网址及其附件返回 410"]
    for column, slug in sorted(gone_items):
        lines += [f"    location = /{column}/{slug}.html {{ return 410; }}",
                  f"    location ^~ /{column}/{slug}/ {{ return 410; }}"]
    lines.append("}")
    if cert:
        lines += ["server {", f"    listen {listen};", f"    server_name {site.domain};",
                  "    server_tokens off;", "    return 301 https://$host$request_uri;", "}"]
    return "\n".join(lines) + "\n"


def config(group, decisions, deploy_root: str = DEFAULT_DEPLOY_ROOT, listen: str = "80",
           cert: str | None = None, key: str | None = None) -> str:
    """The server blocks of every site of the group, for an `include` in http {}."""
    root = deploy_root.rstrip("/") or "/"
    if not _SAFE_PATH.match(root):
        raise NginxConfigError(f"部署路径“{deploy_root}”应为绝对路径，只含字母、数字、. _ - /")
    if not re.fullmatch(r"[0-9A-Za-z.:\[\]]+", listen):
        raise NginxConfigError(f"监听地址“{listen}”不合法，例如 80 或 127.0.0.1:8080")
    if bool(cert) != bool(key):
        raise NginxConfigError("--ssl-certificate 与 --ssl-certificate-key 须同时给出")
    for pattern in (cert, key):
        if pattern and not _SAFE_PATH.match(pattern.replace("{domain}", "d")):
            raise NginxConfigError(f"证书路径“{pattern}”应为绝对路径，可用 {{domain}} 代表域名")
    by_site = gone(decisions)
    head = ("# Generated by `govsite nginx-config`: do not edit; regenerate after every build.\n"
            "# Include inside http { } (e.g. /etc/nginx/conf.d/govsite.conf).\n\n")
    return head + "\n".join(server_block(s, root, by_site.get(s.id, []), listen, cert, key, headers(group))
                            for s in group.sites.values())
