"""What `govsite build` remembers between runs, in <output>/.govsite-cache/:
inside the output folder (a build writes nothing outside it) but in no site's
web root, so nothing here is ever deployed or served by a site.

    fingerprints.json   per site: the digest of every input of its pages, and
                        the link findings of its pages; a site whose digest
                        is unchanged is not rebuilt
    decisions/<site>.pickle  the gate's decisions by content hash (valid for one
                        day, one configuration and one version of the code)

Every entry is keyed by what it was computed from, so a stale entry is never
used: it is simply not found.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from dataclasses import replace
from pathlib import Path

from workflow.model import items
from workflow import PACKAGE

CACHE_DIR = ".govsite-cache"
FORMAT = 1


def _digest(parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def tree(folder: Path, skip=("__pycache__",), skip_suffix: str | None = None) -> list[tuple[str, str]]:
    """(relative path, sha256) of every file under `folder` (but those ending in
    `skip_suffix`), sorted."""
    folder = Path(folder)
    if folder.is_file():
        return [(folder.name, hashlib.sha256(folder.read_bytes()).hexdigest())]
    if not folder.is_dir():
        return []
    found = []
    for parent, dirs, names in os.walk(folder):     # symlinked folders are not entered (as rglob)
        dirs[:] = [d for d in dirs if d not in skip]
        for name in names:
            path = os.path.join(parent, name)
            if (skip_suffix and name.endswith(skip_suffix)) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                found.append((os.path.relpath(path, folder).replace(os.sep, "/"),
                              hashlib.sha256(f.read()).hexdigest()))
    return sorted(found)


# Every library whose behaviour can change a finding or a page.
LIBRARIES = ("pelican", "jinja2", "markupsafe", "cmarkgfm", "markdown", "pyyaml", "nh3", "lxml", "idna", "sshsig",
             "cryptography", "chinese-calendar", "pypinyin", "pagefind", "pagefind-bin-extended",
             "beautifulsoup4", "feedgenerator", "python-dateutil", "holidays", "openpyxl", "linkchecker", "pillow")


def library_versions() -> list[str]:
    from importlib import metadata

    out = []
    for name in LIBRARIES:
        try:
            out.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}==absent")
    return out


def _code() -> list:
    """The code and libraries every decision and every page is worked out by."""
    return [FORMAT, sys.version, *library_versions(), "workflow", *tree(PACKAGE)]


def environment(group, mode: str) -> str:
    """What every page of every site is made with: code, theme, plugins, settings, libraries."""
    root = group.root
    parts = [*_code(), mode]
    for name in ("themes", "plugins", "pelicanconf.py", "publishconf.py"):
        parts += [name, *tree(root / name)]
    return _digest(parts)


def group_config(group) -> list:
    """What an item's decision may read of the other sites: which sites there are and their
    domains (links), who receives syndication, the portal's topics."""
    return [json.dumps([s.id, s.type, s.domain, s.data.get("syndication"), s.data.get("topics")],
                       ensure_ascii=False, sort_keys=True, default=str) for s in group.sites.values()]


def decisions_keys(group) -> dict[str, str]:
    """Per site, what its items' remembered decisions hold for: the code, the reviewers'
    keys, the city's policy files, the group's shape and the site's own site.yaml. Not the
    day: a decision that read the day says so (Decision.day) and holds for that day only."""
    root = group.root
    common = [*_code(), "keys", *tree(root / "keys"), "policy", *tree(root / "policy"), *group_config(group)]
    return {s.id: _digest([*common, s.id, (s.dir / "site.yaml").read_bytes()]) for s in group.sites.values()}


def site_views(group) -> dict[str, str]:
    """Per site, the other sites its pages show: every site's name and address (the
    directory of the group, links to the portal and the parent, the group's search and
    CSP), and the entry points a site without its own takes from its parent."""
    briefs = [json.dumps([s.id, s.name, s.data.get("short_name"), s.type, s.domain, s.data.get("parent"),
                          s.data.get("services"), s.data.get("hotline"), s.data.get("interaction")],
                         ensure_ascii=False, default=str) for s in group.sites.values()]
    digest = _digest(briefs)
    return {sid: digest for sid in group.sites}


def decision_digest(d) -> tuple:
    return (d.item.relpath, d.item.sha256, d.state.value, tuple(sorted(d.approvals.items())),
            tuple(tuple(sorted(f.to_dict().items())) for f in d.findings), d.pending)


def fingerprints(sites, group, decisions, env: str, today=None) -> dict[str, str]:
    """Per site: everything its pages are made of — the environment, the sites it shows,
    its site.yaml and files, the decisions of its own items and of the items other sites
    lend it (each feature declares where its items appear: workflow.lending), and what the
    calendar alone changes on the pages (a survey opening or closing on `today`). A change
    elsewhere that leaves these alone does not rebuild the site; links into changed pages
    are checked again without rebuilding (workflow.build)."""
    from workflow.build.interaction import phases
    from workflow.build.lending import LENDERS

    own: dict[str, list] = {}
    lent: dict[str, list] = {}
    for d in decisions:
        own.setdefault(d.item.site_id, []).append(decision_digest(d))
    for lender in LENDERS:
        for sid, d in lender(decisions, group):
            if sid != d.item.site_id:
                lent.setdefault(sid, []).append(decision_digest(d))
    views = site_views(group)
    calendar = phases(decisions, today) if today else []
    # Items are in by their decisions (which carry their content hash): the tree adds the rest.
    return {s.id: _digest([env, views[s.id], (s.dir / "site.yaml").read_bytes(), s.id,
                           *tree(s.dir, skip_suffix=".md"), *own.get(s.id, []), "lent", *sorted(lent.get(s.id, [])),
                           "calendar", *calendar])
            for s in sites}


class BuildCache:
    def __init__(self, output: Path):
        output = Path(output)
        self.dir = output / CACHE_DIR

    # -- fingerprints and link findings of the sites last built --------------
    def sites(self) -> dict:
        try:
            return json.loads((self.dir / "fingerprints.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def save_sites(self, entries: dict) -> None:
        self._write(self.dir / "fingerprints.json", json.dumps(entries, ensure_ascii=False).encode("utf-8"))

    # -- the gate's decisions, a file per site ------------------------------------
    def decisions(self, keys: dict[str, str]) -> "DecisionStore":
        """The remembered decisions of every site whose key (decisions_keys) is unchanged."""
        entries, loaded = {}, {}
        for path in sorted((self.dir / "decisions").glob("*.pickle")):
            if path.stem not in keys:
                continue
            try:
                with open(path, "rb") as f:
                    stored_key, found = pickle.load(f)
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError, TypeError):
                continue
            if stored_key == keys[path.stem]:
                entries.update(found)
                loaded[path.stem] = found
        return DecisionStore(entries, loaded)

    def save_decisions(self, keys: dict[str, str], decisions, known: "DecisionStore | None" = None) -> None:
        """Save `decisions`, a file per site; a site whose decisions are all as
        loaded from its file (`known`) is not written again."""
        stored = known.entries if known is not None else {}
        loaded = known.loaded if known is not None else {}
        by_site: dict[str, dict] = {}
        for d in decisions:
            if d.volatile:
                continue        # depends on the clock beyond the day: decided again next time
            k = (str(d.item.path), d.item.sha256)
            old = stored.get(k)
            by_site.setdefault(d.item.site_id or "", {})[k] = \
                old if old is not None and old.inputs == d.inputs else slim(d)
        for sid, entries in by_site.items():
            before = loaded.get(sid, {})
            if before.keys() != entries.keys() or any(before[k] is not v for k, v in entries.items()):
                if sid in keys:
                    self._write(self.dir / "decisions" / f"{sid}.pickle",
                                pickle.dumps((keys[sid], entries), pickle.HIGHEST_PROTOCOL))

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)


def entry(decision) -> tuple:
    """(path, content hash) -> the decision without the item's bytes and text."""
    return (str(decision.item.path), decision.item.sha256), slim(decision)


def slim(decision):
    """A decision without the item's bytes and text: they are read again (and
    must hash the same) when the decision is used. Unreadable items stay whole."""
    if decision.item.meta is None:
        return decision
    return replace(decision, item=replace(decision.item, raw=b"", text="", body="", canonical=b""))


class DecisionStore:
    """Remembered decisions by (path, content hash); the gate looks here before
    parsing and checking an item."""

    def __init__(self, entries: dict, loaded: dict | None = None):
        self.entries = entries
        self.loaded = loaded or {}      # site -> the entries its file held

    def add(self, entries) -> None:
        self.entries.update(entries)

    def get(self, key, raw: bytes):
        known = self.entries.get(key)
        if known is None or known.item.meta is None:
            return known
        return replace(known, item=items.restore(known.item, raw))
