"""manifest.json of a built site (anti-tamper, 第二十七条; 谁审核, 第十七条).

One file per site folder: the SHA-256 and size of every other file, which
commit was built when, and for each published item who approved it at which
level and when. `govsite deploy` refuses a site without one and `govsite
verify` compares live files with it.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import approval, dates

NAME = "manifest.json"
FORMAT = 1


class ManifestError(Exception):
    """A manifest that is missing, unreadable or not of our format."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def hash_tree(site_dir: Path) -> dict[str, dict]:
    """relative posix path -> {sha256, size}, for every file but the manifest."""
    files = {}
    for path in sorted(Path(site_dir).rglob("*")):
        rel = path.relative_to(site_dir).as_posix()
        if rel == NAME or path.is_dir():
            continue
        files[rel] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return files


def approval_times(item) -> dict[tuple[str, str], str]:
    """(level, reviewer) -> approval time, from the item's approvals block."""
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
    times = approval_times(item)
    return {
        "path": item.relpath,
        "url": f"{item.column}/{item.slug}.html",
        "title": item.fields.get("title"),
        "author": item.fields.get("author"),
        "sha256": item.sha256,
        "approvals": [{"level": level, "by": by, "at": times.get((level, by))}
                      for level, by in decision.approvals.items()],
    }


def write_manifest(site_dir: Path, site, decisions, build_info: dict) -> None:
    """Write site_dir/manifest.json: SHA-256 of every file, build info, approvals per item."""
    site_dir = Path(site_dir)
    manifest = {
        "format": FORMAT,
        "site": site.id,
        "domain": site.domain,
        "build": dict(build_info),
        **({"review_preview": True} if build_info.get("mode") == "review" else {}),
        "items": [{**item_entry(d), **({"pending": list(d.pending)} if d.pending else {})}
                  for d in decisions if d.published],
        "files": hash_tree(site_dir),
    }
    tmp = site_dir / f".{NAME}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(site_dir / NAME)


def parse(text: str | bytes, where: str) -> dict:
    """A manifest's content, checked for shape. Raises ManifestError naming `where`."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{where} 不是有效的 JSON（{exc}），清单已损坏") from exc
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or data.get("format") != FORMAT or not all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str) for v in files.values()):
        raise ManifestError(f"{where} 不是 govsite 生成的清单（缺少 format 或 files），清单已损坏")
    return data


def read(site_dir: Path) -> dict:
    path = Path(site_dir) / NAME
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"{path} 不存在或无法读取（{exc.strerror}），请重新运行 govsite build") from exc
    return parse(text, str(path))


def compare(expected: dict, actual: dict[str, dict]) -> dict[str, list[str]]:
    """Differences between a manifest's files and the files found."""
    files = expected["files"]
    return {
        "modified": sorted(p for p in files if p in actual and actual[p]["sha256"] != files[p]["sha256"]),
        "missing": sorted(p for p in files if p not in actual),
        "unexpected": sorted(p for p in actual if p not in files),
    }
