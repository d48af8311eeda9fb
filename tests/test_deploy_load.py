"""One release per page view (issue 15): under load, while releases switch back and forth,
a real nginx with the generated configuration answers every request, and every page's
CSS and JS are those of the build its HTML came from."""
import re
import threading
import time

from tests.nginx_server import get, running
from tests.test_deploy import approved, build, deploy, live, target  # noqa: F401 - fixture

HOST = "www.test-city.gov.cn"
PAGES = ["/", "/yaowen/yi-tiao-xinxi.html", "/yaowen/"]
ASSET = re.compile(rb'(?:href|src)="https://www\.test-city\.gov\.cn(/theme/[^"]+\.(?:css|js))"')
CSS = "themes/govsite/static/css/site.css"


class PageViews:
    """Clients that fetch a page, then its CSS and JS, as a browser does; bounded in count and time."""

    def __init__(self, port, builds, threads=4, limit=30000, seconds=90):
        self.port, self.builds = port, builds
        self.limit, self.deadline = limit, time.monotonic() + seconds
        self.views: list[tuple[str, str | None, list]] = []     # page, build, [(asset, status, matches)]
        self.failed: list[tuple[str, int | str]] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(threads)]

    def which(self, html: bytes) -> str | None:
        return next((name for name, b in self.builds.items() if b["marker"] in html), None)

    def run(self, offset):
        i = offset
        while not self.stop.is_set() and len(self.views) < self.limit and time.monotonic() < self.deadline:
            page = PAGES[i % len(PAGES)]
            i += 1
            try:
                status, _, html = get(self.port, HOST, page)
            except Exception as exc:
                status, html = repr(exc), b""
            if status != 200:
                with self.lock:
                    self.failed.append((page, status))
                continue
            name = self.which(html)
            fetched = []
            for path in ASSET.findall(html):
                path = path.decode()
                try:
                    code, _, body = get(self.port, HOST, path)
                except Exception as exc:
                    code, body = repr(exc), b""
                if code != 200:
                    with self.lock:
                        self.failed.append((path, code))
                expected = self.builds.get(name, {}).get("assets", {}).get(path)
                fetched.append((path, code, body == expected))
            with self.lock:
                self.views.append((page, name, fetched))

    def start(self):
        for t in self.threads:
            t.start()

    def wait_for(self, more: int):
        goal = len(self.views) + more
        while len(self.views) < goal and any(t.is_alive() for t in self.threads):
            time.sleep(0.005)
        assert len(self.views) >= goal, "the load ended (count or time bound) before every switch was covered"

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


def snapshot(group, marker: str) -> dict:
    site = group.output / "portal"
    theme = {f"/{p.relative_to(site).as_posix()}": p.read_bytes() for p in (site / "theme").rglob("*") if p.is_file()}
    return {"marker": marker.encode(), "assets": theme}


def test_no_page_view_mixes_releases_while_deploys_and_rollbacks_switch_under_load(group, target, tmp_path):
    approved(group, title="第一版的标题")
    build(group)
    one = snapshot(group, "第一版的标题")
    assert deploy(group, target)[0] == 0
    (group.root / CSS).write_text((group.root / CSS).read_text(encoding="utf-8") + "\n/* 第二版 */\n",
                                  encoding="utf-8")
    approved(group, title="第二版的标题")
    build(group)
    two = snapshot(group, "第二版的标题")
    assert set(one["assets"]) != set(two["assets"])             # the CSS has a new name
    builds = {"one": one, "two": two}

    with running(group, target / "current", tmp_path / "nginx") as (port, _):
        load = PageViews(port, builds)
        load.start()
        try:
            load.wait_for(30)
            assert deploy(group, target)[0] == 0                             # one -> two
            newest = live(target).split("/")[1]
            for round in range(3):
                load.wait_for(30)
                code, out, err = group.govsite("rollback", "--to", target)  # two -> one, by the log
                assert code == 0, err
                load.wait_for(30)
                code, out, err = group.govsite("rollback", "--to", target, newest)
                assert code == 0, err
                if round == 1:
                    load.wait_for(30)
                    assert deploy(group, target, "--force")[0] == 0          # two again, a new release
                    newest = live(target).split("/")[1]
            load.wait_for(30)
        finally:
            load.finish()

    assert load.failed == []
    unknown = [page for page, name, _ in load.views if name is None]
    assert unknown == []
    mixed = [(page, name, path) for page, name, assets in load.views for path, _, same in assets if not same]
    assert mixed == []
    assert {name for _, name, _ in load.views} == {"one", "two"}
    assert all(len(assets) >= 2 for _, _, assets in load.views)             # CSS and JS of every view
