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
from typing import TYPE_CHECKING, Any

from workflow.model import dates

if TYPE_CHECKING:
    from workflow.model.items import Item

_ZERO = "0" * 40


@dataclass(frozen=True)
class Commit:
    sha: str
    name: str
    email: str
    date: dt.datetime        # author date


class History:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._log: dict[str, list[tuple[Commit, str, str]]] | None = None
        self._changes: dict[str, list[Commit]] = {}
        self._parsed: dict[str, Item | None] = {}   # blob -> Item parsed from it
        self._blobs: _Blobs | None = None

    @property
    def log(self) -> dict[str, list[tuple[Commit, str, str]]]:
        """relpath -> (commit, old blob, new blob) of every commit touching it, newest first."""
        if self._log is None:
            self._log = _read_log(self.root)
        return self._log

    def key(self, relpath: str) -> tuple[str, ...]:
        """The commits that touched the file: what a cached decision about it depends on."""
        return tuple(c.sha for c, _, _ in self.log.get(relpath, ()))

    def site_keys(self) -> dict[str, str]:
        """Per folder under content/: a digest of the commits that touched its files (what a
        build's summary of a site's decisions depends on: workflow/build/summary.py)."""
        import hashlib

        found: dict[str, hashlib._Hash] = {}
        for relpath in sorted(self.log):
            parts = relpath.split("/")
            if len(parts) >= 3 and parts[0] == "content":
                h = found.setdefault(parts[1], hashlib.sha256())
                h.update(f"{relpath}\0{','.join(self.key(relpath))}\n".encode("utf-8", "surrogateescape"))
        return {sid: h.hexdigest() for sid, h in found.items()}

    def text_changes(self, relpath: str) -> list[Commit]:
        """Commits that changed the item's canonical text, newest first."""
        if relpath not in self._changes:
            found = []
            for commit, old, new in self.log.get(relpath, ()):
                if old == _ZERO or new == _ZERO or self._canonical(old) != self._canonical(new):
                    found.append(commit)
            self._changes[relpath] = found
        return self._changes[relpath]

    def withdrawals(self, relpath: str) -> list[tuple[Commit, dict[str, Any]]]:
        """(commit, withdrawal block) of every version of the item in history that carried a
        withdrawal, newest first: a withdrawal once committed is never silently undone."""
        found = []
        for commit, _, new in self.log.get(relpath, ()):
            item = self._item(new) if new != _ZERO else None
            block = (item.meta or {}).get("withdrawal") if item is not None else None
            if isinstance(block, dict):
                found.append((commit, block))
        return found

    def version(self, ref: str, relpath: str) -> Item | None:
        """The item as it is at `ref` (a branch, tag or commit), or None."""
        return self._item(f"{ref}:{relpath}")

    def _canonical(self, blob: str) -> bytes | None:
        item = self._item(blob)
        if item is None:
            return None
        return item.canonical or item.raw

    def _item(self, name: str) -> Item | None:
        from workflow.model.items import Item, parse  # items imports nothing of ours at load time

        if name not in self._parsed:
            if self._blobs is None:
                self._blobs = _Blobs(self.root)
            raw = self._blobs.read(name)
            item = None
            if raw is not None:
                item = Item(Path("x.md"), "x.md", None, None, raw)
                parse(item)
            self._parsed[name] = item
        return self._parsed[name]

    def close(self) -> None:
        if self._blobs is not None:
            self._blobs.close()
            self._blobs = None


def ref_exists(root: Path, ref: str) -> bool:
    proc = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                          capture_output=True)
    return proc.returncode == 0


def is_shallow(root: Path) -> bool:
    """A shallow clone (CI's default fetch depth) lacks the history approvals are judged against."""
    proc = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-shallow-repository"],
                          capture_output=True, text=True)
    return proc.returncode == 0 and proc.stdout.strip() == "true"


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

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdin is not None and self.proc.stdout is not None     # both are pipes
        self._in, self._out = self.proc.stdin, self.proc.stdout

    def read(self, name: str) -> bytes | None:
        if "\n" in name:
            return None
        try:
            self._in.write(name.encode("utf-8") + b"\n")
            self._in.flush()
            header = self._out.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                return None
            data = self._out.read(int(header[2]))
            self._out.read(1)
            return data
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        try:
            self._in.close()
        except OSError:
            pass
        self.proc.wait()
