"""What Git says about each item: who changed its text, and when.

An approval is judged against it (workflow/rules/approvals.py): a reviewer who
authored a commit that changed the item's text may not approve it, whatever
its front matter says; an approval dated before the last change of the text
cannot have approved it. "Changed the text" means the commit changed the
item's canonical bytes (workflow/items.py); a commit that only adds or
replaces signatures changes nothing. Git author dates and identities are what
committers wrote: this protects against a reviewer approving their own edit
or backdating an approval, not against someone who forges Git metadata.

Read once per run with two git processes (one `log` over content/, one
`cat-file --batch` for the blobs that are needed); without Git (or outside a
repository) there is no history and only the front matter is compared.
"""
from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import dates

_ZERO = "0" * 40


@dataclass(frozen=True)
class Commit:
    sha: str
    name: str
    email: str
    date: dt.datetime        # author date


class History:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._log: dict[str, list[tuple[Commit, str, str]]] | None = None
        self._changes: dict[str, list[Commit]] = {}
        self._blobs: _Blobs | None = None

    @property
    def log(self) -> dict[str, list[tuple[Commit, str, str]]]:
        """relpath -> (commit, old blob, new blob) of every commit touching it, newest first."""
        if self._log is None:
            self._log = _read_log(self.root)
        return self._log

    def key(self, relpath: str) -> tuple:
        """The commits that touched the file: what a cached decision about it depends on."""
        return tuple(c.sha for c, _, _ in self.log.get(relpath, ()))

    def text_changes(self, relpath: str) -> list[Commit]:
        """Commits that changed the item's canonical text, newest first."""
        if relpath not in self._changes:
            found = []
            for commit, old, new in self.log.get(relpath, ()):
                if old == _ZERO or new == _ZERO or self._canonical(old) != self._canonical(new):
                    found.append(commit)
            self._changes[relpath] = found
        return self._changes[relpath]

    def _canonical(self, blob: str) -> bytes | None:
        from .items import Item, parse     # items imports nothing of ours at load time

        if self._blobs is None:
            self._blobs = _Blobs(self.root)
        raw = self._blobs.read(blob)
        if raw is None:
            return None
        item = Item(Path("x.md"), "x.md", None, None, raw)
        parse(item)
        return item.canonical or raw

    def close(self) -> None:
        if self._blobs is not None:
            self._blobs.close()
            self._blobs = None


def _read_log(root: Path) -> dict[str, list[tuple[Commit, str, str]]]:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "-c", "core.quotePath=false", "log", "--relative", "--no-renames", "--raw", "--no-abbrev",
             "--format=>%H%x09%an%x09%ae%x09%aI", "--", "content"],
            capture_output=True, text=True, encoding="utf-8", errors="replace")
    except OSError:
        return {}
    if proc.returncode != 0:
        return {}
    found: dict[str, list[tuple[Commit, str, str]]] = {}
    commit = None
    for line in proc.stdout.splitlines():
        if line.startswith(">"):
            sha, name, email, at = (line[1:].split("\t") + ["", "", ""])[:4]
            try:
                commit = Commit(sha, name, email, dates.parse_datetime(at))
            except ValueError:
                commit = None
        elif line.startswith(":") and commit is not None and "\t" in line:
            meta, path = line.split("\t", 1)
            parts = meta.split()
            if len(parts) >= 4:
                found.setdefault(path, []).append((commit, parts[2], parts[3]))
    return found


class _Blobs:
    """`git cat-file --batch`: blob contents by id, one process for the run."""

    def __init__(self, root: Path):
        self.proc = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def read(self, blob: str) -> bytes | None:
        try:
            self.proc.stdin.write(blob.encode("ascii") + b"\n")
            self.proc.stdin.flush()
            header = self.proc.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                return None
            data = self.proc.stdout.read(int(header[2]))
            self.proc.stdout.read(1)
            return data
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait()
