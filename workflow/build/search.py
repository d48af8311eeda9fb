"""Site search: the pagefind index of one built site, written to <site>/pagefind/.

Only pagefind's extended binary segments Chinese words, so we run exactly that
binary, shipped inside the pagefind[extended] wheel (nothing is downloaded).
Pages opt in with `data-pagefind-body` (the theme puts it on published item
pages only); a site without any such page gets no index at all, and the search
page then says that nothing is searchable yet.

The index is fed while Pelican writes: each item page goes to pagefind's service
(`pagefind --service`, the process its Python and Node APIs drive) as soon as it
is written, so pagefind segments and indexes on the other core while Pelican
renders the rest, and only the writing of the index waits for Pelican. A one-item
change rebuilds its site's index on every build: this takes it off the critical
path (README "Performance"). The pagefind Python API's own client reads one reply
per 0.1 s, too slow for a reply per page, so we speak the same protocol here:
base64 JSON messages, each followed by a comma. pagefind is given only the part of
an item page the theme marks for it (`searched_part`).

pagefind numbers pages in the order they are added, so the order must not vary
between builds of the same content: Pelican writes items newest first, and items
of the same moment by slug (it sorts by slug before it sorts by date; a test
builds under two hash seeds, since it reads the files from a set).
"""
from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from collections import deque
from pathlib import Path

from workflow.errors import BuildError

BUNDLE = "pagefind"
MARKER = re.compile(rb"<[^<>]*\sdata-pagefind-body[\s=/>]")   # the attribute in a tag, not the words
CONFIG = {"force_language": "zh"}     # all our sites are Chinese: one zh index
REGION = (b"<!--pagefind-->", b"<!--/pagefind-->")    # marked by the theme's article.html
WARM_UP = "政府信息公开"                 # loads the Chinese dictionary while Pelican renders


def executable() -> Path:
    """The extended pagefind binary of the installed pagefind_bin_extended package."""
    from pagefind_bin_extended import get_executable

    exe = Path(get_executable())
    if exe.name != "pagefind_extended":
        raise FileNotFoundError(f"{exe} is not pagefind's extended binary")
    return exe


def opts_in(page: bytes) -> bool:
    """Does a tag of the page carry data-pagefind-body (not merely the words)? The regex
    starts at the tag before the words' first occurrence: a match's "<" is the last one
    before its words (in the regex, no "<" comes between)."""
    first = page.find(b"data-pagefind-body")
    return first >= 0 and MARKER.search(page, max(page.rfind(b"<", 0, first), 0)) is not None


def searched_part(page: bytes) -> bytes:
    """What pagefind reads of an item page: the part the theme marks (its search record
    and its data-pagefind-body element), or the whole page when none is marked. The
    header, navigation and footer were read and thrown away on every page, a quarter
    of pagefind's time and of its memory on a large site; they also gave each result
    the footer's emblem as its image."""
    start, end = page.find(REGION[0]), page.rfind(REGION[1])
    if start < 0 or end < start:
        return page
    return b'<html lang="zh-CN"><body>' + page[start:end + len(REGION[1])] + b"</body></html>"


class Indexer:
    """One site's index, fed page by page (`page_written`) and written by `write` and
    `finish`. Use as a context manager: the pagefind process never outlives it.
    Pelican never waits for pagefind: what pagefind has not read yet is queued here
    and handed over whenever its pipe has room (one process, no thread)."""

    patience = 600.0      # seconds without a sign from pagefind before the build gives up on it

    def __init__(self, site_dir: Path):
        self.site_dir = Path(site_dir)
        try:
            exe = executable()
        except (ImportError, FileNotFoundError) as exc:
            raise BuildError(f"找不到 pagefind 扩展版（中文分词）：{exc}；请安装 pagefind[extended]") from exc
        self.site_dir.mkdir(parents=True, exist_ok=True)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close())
        # cwd: a page given by its path relative to the site gets the URL `pagefind --site` gives it
        self._proc = subprocess.Popen([str(exe), "--service"], cwd=self.site_dir, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self._stderr)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._to, self._from = self._proc.stdin.fileno(), self._proc.stdout.fileno()
        os.set_blocking(self._to, False)
        os.set_blocking(self._from, False)
        self._queue: deque[memoryview] = deque()      # messages not yet in the pipe
        self._partial: list[bytes] = []                 # the start of a reply not complete yet
        self._sent = 0
        self._replies: dict[int, dict] = {}
        self._gone = False
        self._pages: dict[str, int] = {}          # relative path -> message id
        self._writing: int | None = None          # the message asking to write the index
        try:
            self._index = self._ask({"type": "NewIndex", "config": CONFIG})["index_id"]
            warm = self._ask({"type": "NewIndex", "config": CONFIG})["index_id"]
            self._post({"type": "AddRecord", "index_id": warm, "url": "/", "content": WARM_UP, "language": "zh",
                        "meta": None, "filters": None, "sort": None})
            self._post({"type": "DeleteIndex", "index_id": warm})
        except BaseException:
            self.close(failed=True)
            raise

    # -- the protocol ------------------------------------------------------------------

    def _post(self, payload: dict) -> int:
        self._sent += 1
        message = json.dumps({"message_id": self._sent, "payload": payload}, ensure_ascii=False)
        self._queue.append(memoryview(base64.b64encode(message.encode()) + b","))
        self._pump()
        return self._sent

    def _pump(self, until: int | None = None, flush: bool = False) -> None:
        """Hand over what is queued and take in what has arrived; wait only for the
        reply to message `until`, or (`flush`) until the queue is handed over."""
        while True:
            if self._gone or (until is not None and until in self._replies) or (flush and not self._queue):
                return
            wait = self.patience if until is not None or flush else 0
            readable, writable, _ = select.select([self._from], [self._to] if self._queue else [], [], wait)
            if wait and not (readable or writable):
                raise self._failed(f"pagefind {wait:.0f} 秒没有响应，已停止等待（可能卡住了），请重新构建")
            if writable:
                try:
                    n = os.write(self._to, self._queue[0])
                except BlockingIOError:
                    n = 0
                except OSError as exc:          # pagefind has gone: its replies say why
                    self._queue.clear()
                    self._gone = True
                    raise self._failed(f"无法写入（{exc}）") from exc
                self._queue[0] = self._queue[0][n:]
                if not self._queue[0]:
                    self._queue.popleft()
            if readable:
                self._take(os.read(self._from, 1 << 16))
            if wait == 0 and not (readable or writable):
                return

    def _take(self, chunk: bytes) -> None:
        if not chunk:
            self._gone = True
            return
        self._partial.append(chunk)
        if b"," not in chunk:       # a reply longer than one read: wait for its end
            return
        *messages, rest = b"".join(self._partial).split(b",")
        self._partial = [rest]
        for message in messages:
            reply = json.loads(base64.b64decode(message))
            self._replies[reply.get("message_id") or 0] = reply["payload"]

    def _wait(self, message_id: int, what: str = "") -> dict:
        self._pump(until=message_id)
        reply = self._replies.pop(message_id, None) or self._replies.get(0) or \
            {"type": "Error", "message": "pagefind 进程意外退出"}
        if reply.get("type") == "Error":
            raise self._failed(f"{what}{str(reply.get('message', ''))[:500]}")
        return reply

    def _ask(self, payload: dict) -> dict:
        return self._wait(self._post(payload))

    def _failed(self, why: str) -> BuildError:
        self._stderr.seek(0)
        err = self._stderr.read().decode("utf-8", "replace").strip()[-500:]
        return BuildError(f"网站 {self.site_dir.name} 的搜索索引生成失败：{why}{'；' + err if err else ''}")

    # -- the index ---------------------------------------------------------------------

    def page_written(self, path: str | Path) -> None:
        """A page Pelican has just written: an item page (it opts in) joins the index."""
        path = Path(path)
        if path.suffix != ".html":
            return
        data = path.read_bytes()
        if not opts_in(data):
            return
        rel = path.relative_to(self.site_dir).as_posix()
        if rel in self._pages:          # Pelican refuses to write a page twice; so do we
            raise self._failed(f"页面 {rel} 写了两次")
        self._pages[rel] = self._post({"type": "AddFile", "index_id": self._index, "file_path": rel,
                                       "url": None, "file_contents": searched_part(data).decode("utf-8")})

    def write(self) -> None:
        """Once every page is in: have pagefind build and write the index (the caller
        works on meanwhile). Called again with no page in, it only clears the bundle."""
        shutil.rmtree(self.site_dir / BUNDLE, ignore_errors=True)
        if self._pages:         # pagefind takes messages in order: after every page
            self._writing = self._post({"type": "WriteFiles", "index_id": self._index,
                                        "output_path": str(self.site_dir / BUNDLE)})
            self._pump(flush=True)

    def finish(self) -> int:
        """Wait for the index (none when no page opted in); the number of pages handed
        to pagefind (it leaves out any without a data-pagefind-body element)."""
        if self._writing is None:       # write() not called, or no page opted in
            self.write()
        if self._writing is None:
            return 0
        self._wait(self._writing)
        for rel, message_id in self._pages.items():
            self._wait(message_id, f"页面 {rel}：")
        self._written()
        return len(self._pages)

    def _written(self) -> None:
        """pagefind answers WriteFiles when the last write of each file is handed to a
        background thread, not done, and exits on the spot when its input closes: files
        were cut short. A file is written once pagefind has closed it."""
        fds, bundle = Path(f"/proc/{self._proc.pid}/fd"), str(self.site_dir / BUNDLE) + os.sep
        if not fds.is_dir():
            raise self._failed("需要 Linux 的 /proc 才能确认索引文件已经写完")
        deadline = time.monotonic() + 60

        def still_open() -> bool:
            for fd in fds.iterdir():
                try:
                    if os.readlink(fd).startswith(bundle):
                        return True
                except OSError:         # closed meanwhile
                    pass
            return False

        while still_open():
            if time.monotonic() > deadline:
                raise self._failed("索引文件一分钟内没有写完")
            time.sleep(0.002)

    def close(self, failed: bool = False) -> None:
        """End pagefind: it exits when its input closes; after a failure it is not asked."""
        if failed:
            self._proc.kill()
        for pipe in (self._proc.stdin, self._proc.stdout):
            try:
                if pipe:
                    pipe.close()
            except OSError:
                pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._stderr.close()

    def __enter__(self) -> Indexer:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(failed=kind is not None)


def index_site(site_dir: Path) -> int:
    """Index a site already built (every page on disk, in path order)."""
    with Indexer(site_dir) as indexer:
        for page in sorted(Path(site_dir).rglob("*.html")):
            indexer.page_written(page)
        return indexer.finish()
