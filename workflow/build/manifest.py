"""The manifest of a built site (anti-tamper, 第二十七条; 谁审核, 第十七条).

One file per site, written by the build beside — never inside — the site
folders (output/.manifests/<site>.json), so it is never served: the SHA-256
and size of every file, every folder, which commit was built when, and for
each published item who approved it at which level and when; the items the
build withdrew. `govsite deploy` refuses a site whose files differ from it,
then signs a copy per release (workflow/release_signing.py).

Trees are read with lstat only: a symlink, FIFO, socket or device is
reported, never followed or opened, so reading a hostile tree cannot hang.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from workflow.errors import ManifestError
from workflow.model import dates
from workflow.review import approval

FOLDER = ".manifests"          # output/.manifests/<site>.json
FORMAT = 2

SPECIAL = {stat.S_IFLNK: "符号链接", stat.S_IFIFO: "命名管道（FIFO）", stat.S_IFSOCK: "套接字",
           stat.S_IFCHR: "字符设备", stat.S_IFBLK: "块设备"}


def path_for(output: Path, site_id: str) -> Path:
    return Path(output) / FOLDER / f"{site_id}.json"


@dataclass(frozen=True)
class Entry:
    kind: str                  # "file", "dir", or a SPECIAL label
    mode: int                  # permission bits
    size: int = 0
    sha256: str | None = None  # files only


@dataclass
class Tree:
    entries: dict[str, Entry]          # relative posix path -> entry
    unreadable: dict[str, str]         # relative path -> why it could not be read

    def files(self) -> dict[str, dict]:
        return {p: {"sha256": e.sha256, "size": e.size} for p, e in self.entries.items() if e.kind == "file"}

    def dirs(self) -> list[str]:
        return sorted(p for p, e in self.entries.items() if e.kind == "dir")

    def special(self) -> dict[str, str]:
        return {p: e.kind for p, e in self.entries.items() if e.kind not in ("file", "dir")}

    def writable(self) -> list[str]:
        """Files and folders anyone but the owner may write to."""
        return sorted(p for p, e in self.entries.items()
                      if e.kind in ("file", "dir") and e.mode & (stat.S_IWGRP | stat.S_IWOTH))


def sha256_file(path: Path) -> str:
    """SHA-256 of a regular file; opened without following a symlink and
    without blocking, and checked to be a regular file once open."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} 不是普通文件")
        digest = hashlib.sha256()
        with os.fdopen(fd, "rb", closefd=False) as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    finally:
        os.close(fd)


def scan(root: Path, hashes: bool = True) -> Tree:
    """Every entry under `root` (dot folders included), by lstat; files hashed unless
    `hashes` is false (then `hash_into` hashes only what a comparison needs, so a
    huge planted file costs nothing). Iterative: any depth of folders is fine."""
    tree = Tree({}, {})
    pending = [(Path(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            listing = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            tree.unreadable[prefix.rstrip("/") or "."] = exc.strerror or str(exc)
            continue
        for entry in listing:
            rel = prefix + entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                tree.unreadable[rel] = exc.strerror or str(exc)
                continue
            kind = stat.S_IFMT(st.st_mode)
            mode = stat.S_IMODE(st.st_mode)
            if kind == stat.S_IFDIR:
                tree.entries[rel] = Entry("dir", mode)
                pending.append((Path(entry.path), rel + "/"))
            elif kind == stat.S_IFREG:
                tree.entries[rel] = Entry("file", mode, st.st_size)
            else:
                tree.entries[rel] = Entry(SPECIAL.get(kind, "未知类型的文件"), mode)
    if hashes:
        hash_into(tree, Path(root), [p for p, e in tree.entries.items() if e.kind == "file"])
    return tree


def hash_into(tree: Tree, root: Path, paths: list[str]) -> None:
    """Fill in the SHA-256 of these files of `tree` (read under `root`)."""
    for rel in paths:
        try:
            digest = sha256_file(Path(root) / rel)
        except OSError as exc:
            tree.unreadable[rel] = exc.strerror or str(exc)
            del tree.entries[rel]
            continue
        entry = tree.entries[rel]
        tree.entries[rel] = Entry(entry.kind, entry.mode, entry.size, digest)


def needed(expected: dict, tree: Tree, allowed_extra: dict[str, dict] | None = None) -> list[str]:
    """The files whose content decides a comparison: listed (here or as carried assets)
    with the size found. Any other file differs already by its size or its presence."""
    files, extra = expected["files"], allowed_extra or {}
    out = []
    for rel, e in tree.entries.items():
        if e.kind != "file" or e.sha256 is not None:
            continue
        want = files.get(rel) or extra.get(rel)
        if want is not None and want.get("size") == e.size:
            out.append(rel)
    return sorted(out)


def approval_times(item) -> dict[tuple[object, object], str]:
    """(level, reviewer) -> approval time, from the item's approvals block (as written)."""
    times = {}
    for entry in (item.meta or {}).get("approvals") or []:
        if not isinstance(entry, dict):
            continue
        try:
            at = approval.format_time(dates.parse_datetime(entry.get("at")))
        except ValueError:
            continue
        times[(entry.get("level"), entry.get("by"))] = at
    return times


def item_entry(decision) -> dict:
    item = decision.item
    return {
        "path": item.relpath,
        "url": f"{item.column}/{item.slug}.html",
        "title": item.fields.get("title"),
        "author": item.fields.get("author"),
        "sha256": item.sha256,
        "approvals": [{"level": level, "by": by, "at": decision.approved_at.get(level)}
                      for level, by in decision.approvals.items()],
    }


def withdrawn_entry(decision) -> dict:
    item = decision.item
    return {"path": item.relpath, "url": f"{item.column}/{item.slug}.html",
            "title": item.fields.get("title"), "mode": decision.withdrawal.get("mode")}


def build_manifest(site_dir: Path, site, decisions, build_info: dict) -> dict:
    from workflow.review.permissions import State

    tree = scan(site_dir)
    return {
        "format": FORMAT,
        "site": site.id,
        "domain": site.domain,
        "build": dict(build_info),
        **({"review_preview": True} if build_info.get("mode") == "review" else {}),
        "items": [{**item_entry(d), **({"pending": list(d.pending)} if d.pending else {})}
                  for d in decisions if d.published],
        "withdrawn": [withdrawn_entry(d) for d in decisions if d.state == State.WITHDRAWN],
        "files": tree.files(),
        "dirs": tree.dirs(),
    }


def write_manifest(site_dir: Path, dest: Path, site, decisions, build_info: dict) -> None:
    """Write the manifest of `site_dir` to `dest` (outside the site folder)."""
    data = build_manifest(site_dir, site, decisions, build_info)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(dest)


def parse(text: str | bytes, where: str) -> dict:
    """A manifest's content, checked for shape. Raises ManifestError naming `where`."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ManifestError(f"{where} 不是有效的 JSON（{exc}），清单已损坏") from exc
    files = data.get("files") if isinstance(data, dict) else None
    dirs = data.get("dirs", []) if isinstance(data, dict) else None
    if not isinstance(files, dict) or data.get("format") != FORMAT or not isinstance(dirs, list) or not all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str) for v in files.values()) or not all(
            isinstance(d, str) for d in dirs) or not isinstance(data.get("items", []), list) or not isinstance(
            data.get("withdrawn", []), list) or not isinstance(data.get("build", {}), dict):
        raise ManifestError(f"{where} 不是 govsite 生成的清单（缺少 format、files 或 dirs），清单已损坏")
    return data


def read(path: Path) -> dict:
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"清单 {path} 不存在或无法读取（{exc.strerror}），请重新运行 govsite build") from exc
    return parse(text, str(path))


def compare(expected: dict, tree: Tree, allowed_extra: dict[str, dict] | None = None) -> dict[str, list[str]]:
    """Differences between a manifest and a tree read with `scan` (the files `needed`
    hashed). `allowed_extra` maps paths that may be present beyond the manifest
    (assets carried over from other signed releases) to their {sha256, size}."""
    files = expected["files"]
    actual = {p: e for p, e in tree.entries.items() if e.kind == "file"}
    extra = allowed_extra or {}
    dirs = set(expected.get("dirs", []))

    def same(entry: Entry, want: dict) -> bool:
        return entry.size == want.get("size", entry.size) and entry.sha256 == want["sha256"]

    carried = {p for p in actual if p not in files and p in extra and same(actual[p], extra[p])}
    carried_dirs = {"/".join(p.split("/")[:i]) for p in carried for i in range(1, p.count("/") + 1)}
    return {
        "modified": sorted(p for p in files if p in actual and not same(actual[p], files[p])),
        "missing": sorted({p for p in files if p not in actual and p not in tree.unreadable}
                          | {d for d in dirs if tree.entries.get(d, Entry("", 0)).kind != "dir"
                             and d not in tree.unreadable}),
        "unexpected": sorted({p for p in actual if p not in files and p not in carried}
                             | {d for d in tree.dirs() if d not in dirs and d not in carried_dirs}),
        "special": sorted(f"{p}（{kind}）" for p, kind in tree.special().items()),
        "writable": [f"{p}（权限 {tree.entries[p].mode:o}）" for p in tree.writable()],
        "unreadable": sorted(f"{p}（{why}）" for p, why in tree.unreadable.items()),
    }


def shown(path: str) -> str:
    """A path fit to print on one line: control characters and undecodable
    bytes escaped, so a hostile file name cannot forge report lines."""
    text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
