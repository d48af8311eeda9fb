"""The preview server: the built group on 127.0.0.1, as nginx would serve it live
(each site's 404 page, 410 for items withdrawn with `mode: gone`, dot folders
hidden). Used by `govsite serve` and by `govsite linkcheck`."""
from __future__ import annotations

import functools
import http.server
import json
import urllib.parse
from pathlib import Path


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serves output/; `/` goes to the portal; each site's 404 page for its misses,
    and its 410 page for items withdrawn with `mode: gone`, as nginx does."""

    portal = "portal"
    gone: frozenset = frozenset()     # /<site>/<column>/<slug> of items withdrawn with mode gone

    def send_head(self):              # GET and HEAD
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if any(part.startswith(".") for part in path.split("/")):
            self.send_error(404)          # the build's cache and staging are not pages
            return None
        if path.removesuffix(".html") in self.gone or any(path.startswith(g + "/") for g in self.gone):
            self.send_error(410)          # the page and its attachments
            return None
        return super().send_head()

    def do_GET(self):
        if self.path in ("/", ""):
            self.send_response(302)
            self.send_header("Location", f"/{self.portal}/")
            self.end_headers()
            return
        super().do_GET()

    def send_error(self, code, message=None, explain=None):
        site = self.path.lstrip("/").split("/", 1)[0]
        page = Path(self.directory) / site / f"{code}.html"
        if code in (404, 410) and site and page.is_file():
            body = page.read_bytes()
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, fmt, *args):
        pass


def make_server(output: Path, port: int, portal: str = "portal") -> http.server.ThreadingHTTPServer:
    attrs = {"portal": portal, "gone": gone_paths(output)}
    handler = functools.partial(type("H", (PreviewHandler,), attrs), directory=str(output))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def gone_paths(output: Path) -> frozenset:
    """/<site>/<column>/<slug> of the items the last build withdrew with mode gone
    (its report.json: what was built, not what the repository says now)."""
    try:
        report = json.loads((Path(output) / "report.json").read_text(encoding="utf-8"))
        entries = [e for e in report["items"] if e.get("withdrawal_mode") == "gone" and e.get("url")]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return frozenset()
    found = set()
    for entry in entries:
        path = urllib.parse.urlsplit(entry["url"]).path      # /<site>/… in preview, /… live
        if report.get("mode") == "production":
            path = f"/{entry['site']}{path}"
        found.add(path.removesuffix(".html"))
    return frozenset(found)
