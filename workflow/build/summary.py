"""What a build remembers of each site's decisions as a whole, so that a change
costs what it touches, not what the group holds: a site none of whose inputs
changed is not read again (<output>/.govsite-cache/sites/<site>.pickle).

A site's summary holds while nothing its decisions rest on changed:
  - its decisions key (code, libraries, reviewers' keys, policy files, the
    group's shape, its site.yaml: workflow/gate/store.decisions_keys);
  - every file and folder under content/<site>/ by its stat: type, size,
    modification and change time, inode (what Git's index trusts; the change
    time cannot be set back without root, and a fresh checkout never matches);
  - the Git commits that touched content/<site>/;
  - the day, when a rule read the day (deadlines); the moment, when an item of
    the site is scheduled between the last build's moment and this one (or an
    earlier --as-of puts a published one back before its date);
  - whether the items its items link to in other sites exist;
  - none of its decisions is volatile (an approval dated in the future).
While it holds, the build takes from it what it needs of the site's items: the
digest of each decision (site fingerprints), the pages lent to other sites
(workflow/build/lending.py), the refused items, and the site's part of
report.json. A site whose summary does not hold is decided by the gate as
always (from its remembered decisions by content hash where those hold).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from workflow.gate.gate import Decision
from workflow.gate.store import digest, slim
from workflow.review.permissions import State

FORMAT = 1


def scan(folder: Path) -> str:
    """A digest of the stat of every file and folder under `folder` (symlinks not followed)."""
    h = hashlib.sha256(str(FORMAT).encode())
    todo = [os.fspath(folder)]
    while todo:
        here = todo.pop()
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError as exc:
            h.update(f"{here}\0!{exc.errno}\n".encode("utf-8", "surrogateescape"))
            continue
        for e in entries:
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                h.update(f"{e.path}\0?\n".encode("utf-8", "surrogateescape"))
                continue
            h.update(f"{e.path}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n"
                     .encode("utf-8", "surrogateescape"))
            if e.is_dir(follow_symlinks=False):
                todo.append(e.path)
    return h.hexdigest()


def decision_digest(d: Decision) -> str:
    """What a site's pages can show of a decision: the item's bytes, its state, approvals, findings."""
    return digest([d.item.relpath, d.item.sha256, d.state.value, sorted(d.approvals.items()),
                   [sorted(f.to_dict().items()) for f in d.findings], d.pending])


@dataclass
class Inputs:
    """What a site's decisions rest on, as found now."""
    key: str
    scan: str
    history: str


@dataclass
class SiteSummary:
    inputs: Inputs
    day: dt.date | None                  # the day a rule read, if any
    until: dt.datetime | None            # the latest date of a published item
    due: dt.datetime | None              # the earliest date of a scheduled item
    outside: tuple                       # ((item path, exists), ...): links into other sites' items
    digests: dict[str, str]              # item path -> decision digest
    lent: list[tuple[str, str]]          # (receiving site, item path): pages another site shows
    refused: list[Decision]              # slim: echoed by every build, in BuildResult.refused
    report: str                          # its items' entries of report.json, comma-joined JSON
    tree: str = ""                       # digest of its other files (site.yaml, attachments, images)
    own: str = ""                        # digest of its decisions (a site fingerprint's part)
    volatile: bool = False               # a decision depends on the clock: decided again next time
    surveys: tuple = ()                  # ((item path, {opens, closes, results_published}), ...) published

    def holds(self, now: Inputs, as_of: dt.datetime, root: Path) -> bool:
        if self.volatile or now != self.inputs:
            return False
        if self.day is not None and self.day != as_of.date():
            return False
        if (self.due is not None and as_of >= self.due) or (self.until is not None and as_of < self.until):
            return False
        return all(os.path.isfile(root / target) == exists for target, exists in self.outside)


def summarize(sid: str, inputs: Inputs, decisions: list[Decision], lent: Iterable[tuple[str, Decision]],
              report_entry: Callable[[Decision], dict], root: Path, tree: str = "") -> SiteSummary:
    """The summary of folder content/`sid` from its items' decisions. `lent`: the
    (receiving site, decision) pairs its items make (workflow/build/lending.py)."""
    inside = f"content/{sid}/"
    outside = {(t, os.path.isfile(root / t)) for d in decisions for t in d.item.links if not t.startswith(inside)}
    digests = {d.item.relpath: decision_digest(d) for d in decisions}
    return SiteSummary(
        inputs, next((d.day for d in decisions if d.day is not None), None),
        max((d.item.fields["date"] for d in decisions if d.state == State.PUBLISHED), default=None),
        min((d.item.fields["date"] for d in decisions if d.state == State.SCHEDULED), default=None),
        tuple(sorted(outside)), digests,
        sorted({(receiver, d.item.relpath) for receiver, d in lent}),
        [slim(d) for d in decisions if d.state == State.REFUSED],
        ", ".join(json.dumps(report_entry(d), ensure_ascii=False) for d in decisions),
        tree, digest(sorted(digests.items())), any(d.volatile for d in decisions), surveys(decisions))


def surveys(decisions: list[Decision]) -> tuple:
    """The dates of the site's published surveys: their pages change with the calendar alone
    (征集中, 已结束: workflow/build/interaction.py), so site fingerprints read them with the day."""
    keys = ("opens", "closes", "results_published")
    return tuple(sorted((d.item.relpath, {k: d.item.fields.get(k) for k in keys}) for d in decisions
                        if d.state == State.PUBLISHED and d.item.fields.get("type") == "survey"))


def folders(group) -> list[str]:
    """The folders under content/ that hold sites or items, in the order of their paths."""
    try:
        return sorted(e.name for e in os.scandir(group.content) if e.is_dir() or e.is_symlink())
    except OSError:
        return []


SCAN_APART = 40         # from this many sites on, the stat of their files is split over `jobs` processes


class Scanning:
    """`scan` of each folder, begun now and taken with `result()`. A large group's is
    split over `jobs` forked processes (the stat of 100,000 files took 0.56 s of one
    core: most of what a change costs beyond its site), begun as soon as the group is
    loaded, so that this process reads its caches and loads Pelican meanwhile; a small
    group's is done here, when asked. `stop()` ends the processes when the result is
    no longer wanted."""

    def __init__(self, folders: list[Path], jobs: int = 1, before_fork: Callable[[], None] = lambda: None):
        from workflow.gate import workers

        self.folders = list(folders)
        self._started = workers.Started([self.folders[k::jobs] for k in range(jobs)], _scan_share, before_fork) \
            if jobs >= 2 and len(self.folders) >= SCAN_APART else None

    @property
    def forked(self) -> bool:
        return self._started is not None

    def result(self) -> dict[Path, str]:
        if self._started is None:
            return {f: scan(f) for f in self.folders}
        return {f: digest for share in self._started.results() for f, digest in share}

    def stop(self) -> None:
        if self._started is not None:
            self._started.stop()


def _scan_share(share: list[Path], _) -> list[tuple[Path, str]]:
    return [(f, scan(f)) for f in share]


def site_dirs(group) -> list[Path]:
    return [site.dir for site in group.sites.values()]


def inputs_now(group, keys: dict[str, str], history, jobs: int = 1,
               before_fork: Callable[[], None] = lambda: None, scanning: Scanning | None = None) -> dict[str, Inputs]:
    """What each site's decisions rest on, now (read: the stat of its files, not their
    bytes); `scanning`: the stat begun earlier (`Scanning(site_dirs(group), ...)`)."""
    commits = history.site_keys()
    scans = (scanning or Scanning(site_dirs(group), jobs, before_fork)).result()
    return {sid: Inputs(keys[sid], scans[site.dir], commits.get(sid, "")) for sid, site in group.sites.items()}


def scan_all(folders: list[Path], jobs: int = 1, before_fork: Callable[[], None] = lambda: None) -> dict[Path, str]:
    """`scan` of each folder (in `jobs` processes from SCAN_APART folders on)."""
    return Scanning(folders, jobs, before_fork).result()


def summarize_all(group, folders_: list[str], decisions: list[Decision], now: dict[str, Inputs], run,
                  report_entry: Callable[[Decision], dict], kept: dict[str, SiteSummary]) -> dict[str, SiteSummary]:
    """Summaries of the folders decided now, each with the pages its items lend to other sites."""
    from workflow.build.lending import LENDERS
    from workflow.gate.store import tree

    by: dict[str, list[Decision]] = {f: [] for f in folders_}
    for d in decisions:
        by.setdefault(d.item.relpath.split("/")[1], []).append(d)
    find = _finder(group, by, kept, run.gate)
    out = {}
    for f, mine in by.items():
        site = group.sites.get(f)
        lent = [pair for lender in LENDERS for pair in lender(mine, group, find)] if site else []
        out[f] = summarize(f, now.get(f, Inputs("", "", "")), mine, lent, report_entry, group.root,
                           digest(tree(site.dir, skip_suffix=".md")) if site else "")
    return out


def _finder(group, by: dict[str, list[Decision]], kept: dict[str, SiteSummary], gate):
    """key "<site>/<column>/<slug>" -> that item's decision, or None; an item of a site not
    decided now is recalled (its site's remembered decisions are read)."""
    def find(key: str) -> Decision | None:
        sid, column, slug = key.split("/")
        if sid in by:
            return next((d for d in by[sid] if (d.item.column, d.item.slug) == (column, slug)), None)
        if sid not in kept:
            return None
        for path in kept[sid].digests:
            parts = path.split("/")
            if parts[2:3] == [column] and parts[-1] == f"{slug}.md":
                return gate.decide(group.root / path)
        return None
    return find


def lent_to(sums: dict[str, SiteSummary]) -> dict[str, list[str]]:
    """Receiving site -> the paths of other sites' items it shows."""
    out: dict[str, set] = {}
    for s in sums.values():
        for receiver, path in s.lent:
            if path.split("/")[1] != receiver:
                out.setdefault(receiver, set()).add(path)
    return {sid: sorted(paths) for sid, paths in out.items()}


def lent_digests(sums: dict[str, SiteSummary]) -> dict[str, list[str]]:
    """Receiving site -> the decision digests of the other sites' items it shows."""
    out: dict[str, list[str]] = {}
    for receiver, paths in lent_to(sums).items():
        for path in paths:
            owner = sums.get(path.split("/")[1])
            out.setdefault(receiver, []).append(owner.digests.get(path, "absent") if owner else "absent")
    return out


class SummaryFiles:
    """The summaries of one cache folder, a file per site."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def load(self, sites: Iterable[str]) -> dict[str, SiteSummary]:
        found = {}
        for sid in sites:
            try:
                with open(self.folder / f"{sid}.pickle", "rb") as f:
                    version, summary = pickle.load(f)
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError, TypeError):
                continue
            if version == FORMAT and isinstance(summary, SiteSummary):
                found[sid] = summary
        return found

    def save(self, sid: str, summary: SiteSummary) -> None:
        path = self.folder / f"{sid}.pickle"
        if summary.volatile:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps((FORMAT, summary), pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)
