"""`govsite serve [--port N]`: preview the built group on 127.0.0.1."""
from __future__ import annotations

import functools
import http.server
from pathlib import Path


def register(sub):
    p = sub.add_parser("serve", help="在 127.0.0.1 上预览已构建的站群")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--output", type=Path, help="已构建的输出目录（默认 output/）")
    p.set_defaults(func=run)


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serves output/; `/` goes to the portal; each site's 404 page for its misses."""

    portal = "portal"

    def send_head(self):              # GET and HEAD
        if any(part.startswith(".") for part in self.path.split("?")[0].split("/")):
            self.send_error(404)          # the build's cache and staging are not pages
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
        page = Path(self.directory) / site / "404.html"
        if code == 404 and site and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
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
    handler = functools.partial(type("H", (PreviewHandler,), {"portal": portal}), directory=str(output))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def run(args) -> int:
    from ..sites import load_group

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
