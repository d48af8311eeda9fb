"""The gate's remembered decisions, a file per site in the build's cache folder
(output/.govsite-cache/decisions/<site>.pickle), and the digests they are keyed by.

A remembered decision is used only when everything it was worked out from is
unchanged: the file's key covers the code, the libraries, the reviewers' keys, the
city's policy files, the group's shape and the site's site.yaml; each entry holds
the item's content hash and its other inputs (its files, its Git history, the day
when a rule read it: workflow/gate/gate.py). A stale entry is never used: it is
simply not found.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from collections.abc import Callable, Collection, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from workflow import PACKAGE
from workflow.model.items import SIGNED_KEYS, NotKept

if TYPE_CHECKING:
    from workflow.gate.gate import Decision
    from workflow.model.sites import Group

FORMAT = 5          # 3: a slim item keeps its content hash; 4: and not its front matter; 5: approved_at

Key = tuple[str, str]              # (absolute path, sha256 of the file's bytes)
Entry = tuple[Key, "Decision"]     # a remembered decision under its key


def digest(parts: Iterable[object]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def tree(folder: Path, skip: Collection[str] = ("__pycache__",),
         skip_suffix: str | None = None) -> list[tuple[str, str]]:
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
             "beautifulsoup4", "feedgenerator", "python-dateutil", "holidays", "openpyxl", "linkchecker", "pillow",
             "cbor2")


def library_versions() -> list[str]:
    from importlib import metadata

    out = []
    for name in LIBRARIES:
        try:
            out.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}==absent")
    return out


def code() -> list[object]:
    """The code and libraries every decision and every page is worked out by."""
    return [FORMAT, sys.version, *library_versions(), "workflow", *tree(PACKAGE)]


def group_config(group: Group) -> list[str]:
    """What an item's decision may read of the other sites: which sites there are and their
    domains (links), who receives syndication, the portal's topics."""
    return [json.dumps([s.id, s.type, s.domain, s.data.get("syndication"), s.data.get("topics")],
                       ensure_ascii=False, sort_keys=True, default=str) for s in group.sites.values()]


def decisions_keys(group: Group) -> dict[str, str]:
    """Per site, what its items' remembered decisions hold for: the code, the reviewers'
    keys, the city's policy files, the group's shape and the site's own site.yaml. Not the
    day: a decision that read the day says so (Decision.day) and holds for that day only."""
    root = group.root
    # the group's part digested once: it names every site, and is part of every site's key
    common = digest([*code(), "keys", *tree(root / "keys"), "policy", *tree(root / "policy"), *group_config(group)])
    return {s.id: digest([common, s.id, (s.dir / "site.yaml").read_bytes()]) for s in group.sites.values()}


class DecisionFiles:
    """The decision files of one cache folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def load(self, keys: dict[str, str], content: Path | None = None) -> DecisionStore:
        """The remembered decisions of every site whose key (decisions_keys) is unchanged.
        With `content` (the group's content folder) a site's file is read only when one of
        its items is first looked up: a build that decides few sites reads few files."""
        store = DecisionStore({}, {}, fetch=lambda sid: self._read(sid, keys), content=content)
        if content is None:
            for path in sorted(self.folder.glob("*.pickle")):
                store.fetch_site(path.stem)
        return store

    def _read(self, sid: str, keys: dict[str, str]) -> dict[Key, Decision] | None:
        if sid not in keys:
            return None
        try:
            with open(self.folder / f"{sid}.pickle", "rb") as f:
                stored_key, found = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError, TypeError):
            return None
        return found if stored_key == keys[sid] else None

    def save(self, keys: dict[str, str], decisions: Iterable[Decision], known: DecisionStore | None = None) -> None:
        """Save `decisions`, a file per site; a site whose decisions are all as
        loaded from its file (`known`) is not written again."""
        stored = known.entries if known is not None else {}
        loaded = known.loaded if known is not None else {}
        by_site: dict[str, dict[Key, Decision]] = {}
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
                    self._write(self.folder / f"{sid}.pickle",
                                pickle.dumps((keys[sid], entries), pickle.HIGHEST_PROTOCOL))

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)


def entry(decision: Decision) -> Entry:
    """(path, content hash) -> the decision without the item's bytes and text."""
    return (str(decision.item.path), decision.item.sha256), slim(decision)


def slim(decision: Decision) -> Decision:
    """A decision without the item's bytes, text and front matter: its converted fields
    stay, but for the signature blocks'. They are parsed again from the bytes, which must
    hash the same, when the decision is used (items.restore). What a large group's build
    keeps of every item. Unreadable items stay whole."""
    item = decision.item
    if item.meta is None or not item.raw:
        return decision
    # The signature blocks' values (long SSHSIG texts) are front matter too: not kept.
    fields = {k: NotKept() if k in SIGNED_KEYS else v for k, v in item.fields.items()}
    return replace(decision, item=replace(item, raw=b"", text="", body="", canonical=b"", meta=NotKept(),
                                          lines=NotKept(), raw_values=NotKept(), signed_spans={}, fields=fields))


def is_slim(decision: Decision) -> bool:
    return decision.item.meta is not None and not decision.item.raw


class DecisionStore:
    """Remembered decisions by (path, content hash); the gate looks here before
    parsing and checking an item. `fetch(site id)` reads a site's remembered
    decisions when one of its items is first looked up (`content`: where sites are)."""

    def __init__(self, entries: dict[Key, Decision], loaded: dict[str, dict[Key, Decision]] | None = None,
                 fetch: Callable[[str], dict[Key, Decision] | None] | None = None, content: Path | None = None) -> None:
        self.entries = entries
        self.loaded = loaded if loaded is not None else {}      # site -> the entries its file held
        self._fetch = fetch
        self._content = os.path.join(os.path.abspath(content), "") if content is not None else None
        self._tried: set[str] = set()

    def add(self, entries: Iterable[Entry]) -> None:
        self.entries.update(entries)

    def empty(self) -> bool:
        """Nothing remembered and nothing to fetch: no item can be recalled (so the gate
        need not read and hash every file before deciding it)."""
        return not self.entries and self._fetch is None

    def fetch_site(self, sid: str) -> None:
        if sid in self._tried or self._fetch is None:
            return
        self._tried.add(sid)
        found = self._fetch(sid)
        if found is not None:
            self.loaded[sid] = found
            for k, v in found.items():
                self.entries.setdefault(k, v)

    def get(self, key: Key) -> Decision | None:
        """The remembered decision, without the item's bytes (Gate.decide reads them again)."""
        if self._content is not None and key[0].startswith(self._content):
            self.fetch_site(key[0][len(self._content):].split(os.sep, 1)[0])
        return self.entries.get(key)
