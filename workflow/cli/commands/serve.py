"""`govsite serve [--port N]`: preview the built group on 127.0.0.1."""
from __future__ import annotations

import functools
import http.server
import json
import urllib.parse
from pathlib import Path


def register(sub):
    p = sub.add_parser("serve", help="在 127.0.0.1 上预览已构建的站群")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--output", type=Path, help="已构建的输出目录（默认 output/）")
    p.set_defaults(func=run)


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


def run(args) -> int:
    from workflow.model.sites import load_group

    output = (args.output or args.root / "output").resolve()
    if not output.is_dir():
        print(f"govsite serve: {output} 不存在，请先运行 govsite build")
        return 2
    group = load_group(args.root)
    server = make_server(output, args.port, group.portal.id)
    print(f"预览地址：http://127.0.0.1:{server.server_address[1]}/  （Ctrl+C 结束）")
    for site in group.sites.values():
        print(f"  {site.name}: http://127.0.0.1:{server.server_address[1]}/{site.id}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
