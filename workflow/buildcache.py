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

from . import items

CACHE_DIR = ".govsite-cache"
FORMAT = 1
PACKAGE = Path(__file__).resolve().parent


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
             "cryptography", "chinese-calendar", "pypinyin", "pelican-sitemap", "pagefind", "pagefind-bin-extended",
             "beautifulsoup4", "feedgenerator", "python-dateutil", "holidays", "openpyxl")


def library_versions() -> list[str]:
    from importlib import metadata

    out = []
    for name in LIBRARIES:
        try:
            out.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}==absent")
    return out


def environment(group, mode: str) -> str:
    """Inputs every page of every site depends on: code, theme, plugins, settings,
    every site.yaml (sites show the group), reviewer keys, policy files, library versions."""
    root = group.root
    parts = [FORMAT, mode, sys.version, *library_versions()]
    for name in ("workflow", "themes", "plugins", "pelicanconf.py", "publishconf.py", "keys", "policy"):
        folder = PACKAGE if name == "workflow" else root / name
        parts += [name, *tree(folder)]
    for site in group.sites.values():
        parts += [site.id, (site.dir / "site.yaml").read_bytes()]
    return _digest(parts)


def decisions_key(env: str, group, as_of) -> str:
    """Decisions hold for one day (deadlines count days; the hour of a scheduled
    item is compared again at every build) under one environment."""
    return _digest([env, group.root, as_of.date().isoformat()])


def decision_digest(d) -> tuple:
    return (d.item.relpath, d.item.sha256, d.state.value, tuple(sorted(d.approvals.items())),
            tuple(tuple(sorted(f.to_dict().items())) for f in d.findings), d.pending)


def fingerprints(sites, group, decisions, env: str) -> dict[str, str]:
    """Per site: its content and attachments, the decisions of its own items and
    of the items other sites lend it (syndication, the portal's topics), the
    environment, and the group's set of published pages (for link findings)."""
    from .interpretation import lending
    from .syndication import routes

    urls = published_urls(decisions)
    own: dict[str, list] = {}
    lent: dict[str, list] = {}
    for d in decisions:
        own.setdefault(d.item.site_id, []).append(decision_digest(d))
        if d.item.meta is None:
            continue
        receivers = {sid for sid, _, _ in routes(d.item, group)}
        if d.item.fields.get("tags"):
            receivers.add(group.portal.id)
        for sid in receivers - {d.item.site_id}:
            lent.setdefault(sid, []).append(decision_digest(d))
    for sid, d in lending(decisions):       # 政策解读 across sites: each page links to the other
        lent.setdefault(sid, []).append(decision_digest(d))
    # Items are in by their decisions (which carry their content hash): the tree adds the rest.
    return {s.id: _digest([env, urls, s.id, *tree(s.dir, skip_suffix=".md"), *own.get(s.id, []),
                           "lent", *lent.get(s.id, [])])
            for s in sites}


def published_urls(decisions) -> str:
    """Which items are public where: a page appearing or disappearing can break
    links on any site, so it invalidates every site's link findings."""
    return _digest(sorted((d.item.relpath, d.published) for d in decisions))


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
    def decisions(self, key: str) -> "DecisionStore":
        entries, loaded = {}, {}
        for path in sorted((self.dir / "decisions").glob("*.pickle")):
            try:
                with open(path, "rb") as f:
                    stored_key, found = pickle.load(f)
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError):
                continue
            if stored_key == key:
                entries.update(found)
                loaded[path.stem] = found
        return DecisionStore(entries, loaded)

    def save_decisions(self, key: str, decisions, known: "DecisionStore | None" = None) -> None:
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
                self._write(self.dir / "decisions" / f"{sid}.pickle",
                            pickle.dumps((key, entries), pickle.HIGHEST_PROTOCOL))

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
