"""nginx server blocks for the whole group (第二十七条 site security).

One `server` per site of site.yaml: its domain, its folder of the deployed
release, UTF-8, its own Chinese 403/404 pages, 410 for items withdrawn with
`mode: gone`, backup and editor files (`~`, .bak, .swp, .orig) and dot files
denied, and the security headers. The Content-Security-Policy allows no inline
script or style: the theme loads every script and stylesheet from files
(pagefind's search needs 'wasm-unsafe-eval'; the portal's group search fetches
the other sites' indexes, so connect-src names the group's domains and /pagefind/
answers with `Access-Control-Allow-Origin: *`). Fingerprinted theme assets are
cached for a year, everything else is revalidated (`no-cache`), text is
gzipped. A `default_server` answers any other Host name with 444 (connection
closed). HSTS is sent on HTTPS only, with includeSubDomains and without
`preload` (README, "nginx").

The gone items are listed in the configuration, so it is regenerated and
nginx reloaded after every deploy (`govsite deploy --nginx-conf … --reload …`).
"""
from __future__ import annotations

import re

from workflow.build.assets import PATTERN as FINGERPRINTED
from workflow.build.sitesettings import CSP, csp  # the pages' policy, sent as a header
from workflow.errors import NginxConfigError
from workflow.review.permissions import State

DEFAULT_DEPLOY_ROOT = "/srv/govsite/current"

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": CSP,
}

# HTTPS only (on plain HTTP browsers ignore it). No `preload`: see README.
HSTS = "max-age=31536000; includeSubDomains"
REVALIDATE = "no-cache"                                 # HTML and the rest: ask every time (304 if unchanged)
IMMUTABLE = "public, max-age=31536000, immutable"       # fingerprinted theme assets
GZIP_TYPES = ("text/css application/javascript application/json image/svg+xml application/atom+xml "
              "application/xml text/xml text/plain")
BACKUP_FILES = r"(~|\.bak|\.swp|\.orig)$"

# Types nginx labels `charset=utf-8` besides its default text/html.
CHARSET_TYPES = "text/css text/xml text/plain application/javascript application/json application/atom+xml"

_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._/-]*$")


def gone(decisions) -> dict[str, list[tuple[str, str]]]:
    """site id -> (column, slug) of every item withdrawn with mode `gone`."""
    out: dict[str, list[tuple[str, str]]] = {}
    for d in decisions:
        if d.state == State.WITHDRAWN and d.withdrawal["mode"] == "gone":
            out.setdefault(d.item.site_id, []).append((d.item.column, d.item.slug))
    return out


def headers(tls: bool, cache: str, indent: str = "    ", policy: str = CSP, extra: dict | None = None) -> list[str]:
    """add_header lines; nginx drops the server's add_header in a location that has its own,
    so a location with one repeats them all."""
    values = {**HEADERS, "Content-Security-Policy": policy, **(extra or {}),
              **({"Strict-Transport-Security": HSTS} if tls else {})}
    # A year of cache only for a successful answer: an error page is never cached as the asset.
    always = "" if cache == IMMUTABLE else " always"
    return [f'{indent}add_header {h} "{v}" always;' for h, v in values.items()] + [
        f'{indent}add_header Cache-Control "{cache}"{always};']


def server_block(site, root: str, gone_items, listen: str = "80", cert: str | None = None,
                 key: str | None = None, policy: str = CSP) -> str:
    name = " ".join(str(site.name).split())
    tls = bool(cert and key)          # config() refuses one without the other
    lines = [f"# {name} ({site.id})", "server {"]
    if cert and key:
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
        "    # A symlink placed in the web root is never followed (`current` itself, above the root, is).",
        "    disable_symlinks on from=$document_root;",
        "    gzip on;",
        "    gzip_vary on;",
        "    gzip_min_length 256;",
        f"    gzip_types {GZIP_TYPES};",
        "    error_page 403 /403.html;",
        "    error_page 404 /404.html;",
        "    error_page 410 /410.html;",
    ]
    lines += headers(tls, REVALIDATE, policy=policy)
    lines += [
        "",
        "    location / {",
        "        try_files $uri $uri/ =404;",
        "    }",
        "    # The search index is public: the portal's group-wide search (another domain) reads it.",
        "    # (A prefix location: the regex locations below still deny dot and backup files in it.)",
        "    location /pagefind/ {",
        *headers(tls, REVALIDATE, "        ", policy, {"Access-Control-Allow-Origin": "*"}),
        "        try_files $uri =404;",
        "    }",
        "    # Backup and editor files are never served.",
        f'    location ~ "{BACKUP_FILES}" {{',
        "        deny all;",
        "    }",
        "    # Build leftovers and dot files are never served.",
        "    location ~ /\\.(?!well-known/) {",
        "        return 404;",
        "    }",
        "    # Fingerprinted theme assets (css/site.<hash>.css): a new build has new names.",
        f'    location ~ "{FINGERPRINTED}" {{',
        *headers(tls, IMMUTABLE, "        ", policy),
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


def default_server(listen: str, tls: bool) -> str:
    """Any Host name that is not one of the group's: the connection is closed (444)."""
    lines = ["# Unknown Host names: no answer (444), so the group is not served under foreign names.",
             "server {", f"    listen {listen} default_server;", "    server_name _;",
             "    server_tokens off;", "    return 444;", "}"]
    if tls:
        lines += ["server {", "    listen 443 ssl default_server;", "    server_name _;",
                  "    ssl_reject_handshake on;", "}"]
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
    head = ("# Generated by `govsite nginx-config`: do not edit; regenerate after every build and reload nginx\n"
            "# (govsite deploy --nginx-conf FILE --reload CMD does both).\n"
            "# Include inside http { } (e.g. include /srv/govsite/nginx/govsite.conf;).\n\n")
    return head + "\n".join([default_server(listen, bool(cert))] + [
        server_block(s, root, by_site.get(s.id, []), listen, cert, key, csp(group)) for s in group.sites.values()])
