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

A site rebuilt for one change gives pagefind most pages as it gave them last time.
pagefind names each page's record (fragment/<name>.pf_fragment) by its content's
hash and writes no such file that is already there, so the fragments of pages given
exactly as last time are put in place first (`LastIndex`): compressing and writing
them was a third of the index's writing. Each is taken only as the last build's
manifest recorded it, and afterwards the index's own list must give every reused
name to the page it was reused for (pagefind shortens names to 7 hex digits and
lengthens one on a collision, so a name alone does not prove the content); when
it does not, the index is written again from nothing.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

import cbor2

from workflow.errors import BuildError
from workflow.model.files import read_regular

BUNDLE = "pagefind"
MARKER = re.compile(rb"<[^<>]*\sdata-pagefind-body[\s=/>]")   # the attribute in a tag, not the words
CONFIG = {"force_language": "zh"}     # all our sites are Chinese: one zh index
REGION = (b"<!--pagefind-->", b"<!--/pagefind-->")    # marked by the theme's article.html
WARM_UP = "政府信息公开"                 # loads the Chinese dictionary while Pelican renders
FRAGMENT = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]+)*_[0-9a-f]{7,64}")   # pagefind's name of a page's record
DCD = b"pagefind_dcd"                    # what pagefind puts before each file's CBOR or JSON


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


def page_digest(rel: str, part: bytes) -> bytes:
    """What pagefind is given of a page (its path and searched part): the same digest,
    the same record."""
    return hashlib.sha256(rel.encode() + b"\0" + part).digest()


@dataclass
class LastIndex:
    """What a site's last build left for its next index: the site folder as built,
    its manifest's files (relative path -> sha256 and size) and, by page digest, the
    name of each page's fragment (from `Indexer.fragments`)."""
    site: Path
    files: dict[str, dict] = field(default_factory=dict)
    fragments: dict[bytes, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # one build gives each page its own name: a name remembered twice is not to be believed
        seen = Counter(self.fragments.values())
        self.fragments = {d: n for d, n in self.fragments.items() if seen[n] == 1}

    def fragment(self, digest: bytes) -> tuple[str, bytes] | None:
        """The name and bytes of the last fragment of a page given the same, when its
        file is as the manifest recorded it."""
        name = self.fragments.get(digest)
        if not isinstance(name, str) or not FRAGMENT.fullmatch(name):
            return None
        rel = f"{BUNDLE}/fragment/{name}.pf_fragment"
        recorded = self.files.get(rel)
        if not isinstance(recorded, dict) or not isinstance(recorded.get("size"), int):
            return None
        # a regular file of the recorded size only: a FIFO put there must not hang the build
        data = read_regular(self.site / rel, recorded["size"])
        if data is None or recorded.get("sha256") != hashlib.sha256(data).hexdigest():
            return None
        return name, data


def save_fragments(path: Path, key: str, fragments: dict[bytes, str]) -> None:
    """A site's fragment names by page digest, for its next build with the same `key`
    (cache.environment: code, libraries, theme, settings)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"key": key, "fragments": {d.hex(): n for d, n in fragments.items()}}),
                    encoding="utf-8")


def load_fragments(path: Path, key: str) -> dict[bytes, str]:
    """What save_fragments kept, when it was kept under `key`; else nothing."""
    try:
        data = json.loads(Path(path).read_bytes())
        if data.get("key") != key:
            return {}
        return {bytes.fromhex(d): n for d, n in data["fragments"].items() if isinstance(n, str)}
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return {}


class Indexer:
    """One site's index, fed page by page (`page_written`) and written by `write` and
    `finish`. Use as a context manager: the pagefind process never outlives it.
    Pelican never waits for pagefind: what pagefind has not read yet is queued here
    and handed over whenever its pipe has room (one process, no thread)."""

    patience = 600.0      # seconds without a sign from pagefind before the build gives up on it

    def __init__(self, site_dir: Path, last: LastIndex | None = None):
        self.site_dir = Path(site_dir)
        self._last = last
        self._digests: list[bytes] = []         # of each page handed over, in order
        self._reused: dict[str, bytes] = {}     # fragment put in place -> the page digest it is for
        self.fragments: dict[bytes, str] = {}   # after finish(): page digest -> its fragment's name
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
        part = searched_part(data)
        self._digests.append(page_digest(rel, part))
        self._pages[rel] = self._post({"type": "AddFile", "index_id": self._index, "file_path": rel,
                                       "url": None, "file_contents": part.decode("utf-8")})

    def write(self) -> None:
        """Once every page is in: have pagefind build and write the index (the caller
        works on meanwhile). Called again with no page in, it only clears the bundle."""
        shutil.rmtree(self.site_dir / BUNDLE, ignore_errors=True)
        if self._pages:         # pagefind takes messages in order: after every page
            self._reuse()
            self._write_files()

    def _write_files(self) -> None:
        self._writing = self._post({"type": "WriteFiles", "index_id": self._index,
                                    "output_path": str(self.site_dir / BUNDLE)})
        self._pump(flush=True)

    def _reuse(self) -> None:
        """The last build's fragments of pages given as then, put where pagefind will
        find them and not write them again."""
        if not self._last or not self._last.fragments:
            return
        folder = self.site_dir / BUNDLE / "fragment"
        for digest in self._digests:
            found = self._last.fragment(digest)
            if found is None or found[0] in self._reused:
                continue
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{found[0]}.pf_fragment").write_bytes(found[1])
            self._reused[found[0]] = digest

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
        names = self._names()
        if self._reused and (names is None or any(name in self._reused and self._reused[name] != digest
                                                  for name, digest in zip(names, self._digests))):
            # a reused name now belongs to another page: write every file afresh
            self._reused.clear()
            shutil.rmtree(self.site_dir / BUNDLE, ignore_errors=True)
            self._write_files()
            self._wait(self._writing)
            self._written()
            names = self._names()
        if names is not None:
            for stale in set(self._reused) - set(names):
                (self.site_dir / BUNDLE / "fragment" / f"{stale}.pf_fragment").unlink()
            self.fragments = dict(zip(self._digests, names))
        return len(self._pages)

    def _names(self) -> list[str] | None:
        """The fragment name of each page handed over, in order, from the index's own
        metadata (pagefind 1.5: CBOR, its pages second, each [name, words, ...]); None
        when it does not read so, or lists another number of pages (pagefind found no
        body in one)."""
        bundle = self.site_dir / BUNDLE
        try:
            entry = json.loads((bundle / "pagefind-entry.json").read_bytes())
            (language,) = entry["languages"].values()
            raw = gzip.decompress((bundle / f"pagefind.{language['hash']}.pf_meta").read_bytes())
            meta = cbor2.loads(raw[len(DCD):]) if raw.startswith(DCD) else None
            names = [page[0] for page in meta[1]] if isinstance(meta, list) and len(meta) > 1 else None
        except (OSError, ValueError, TypeError, KeyError, IndexError, EOFError, cbor2.CBORDecodeError):
            return None
        if names is None or len(names) != len(self._digests) or not all(
                isinstance(n, str) and FRAGMENT.fullmatch(n) and (bundle / "fragment" / f"{n}.pf_fragment").is_file()
                for n in names):
            return None
        return names

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
