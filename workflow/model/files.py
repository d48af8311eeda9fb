"""Attachments (附件): files listed in front matter, stored beside the item.

An attachment is published at <column>/<slug>/<file> only when its item is
published. Which extensions and how large a file may be is policy, kept in a
data file: workflow/data/attachments.yaml, or the repository's own
policy/attachments.yaml when it exists.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

import yaml
from workflow import DATA

DEFAULTS = DATA / "attachments.yaml"
OVERRIDE = "policy/attachments.yaml"


@dataclass(frozen=True)
class Limits:
    extensions: tuple[str, ...]
    max_bytes: int
    source: str                     # which file they came from, for messages


@lru_cache(maxsize=8)
def _limits(path: str, mtime: float) -> Limits:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return Limits(tuple(e.lower().lstrip(".") for e in data["extensions"]),
                  int(float(data["max_mb"]) * 1024 * 1024), path)


def limits(root: Path) -> Limits:
    path = Path(root) / OVERRIDE
    if not path.is_file():
        path = DEFAULTS
    return _limits(str(path), path.stat().st_mtime)


def size_label(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB" if size >= 10 * 1024 else f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


_BAD_NAME = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def problems(name: str, item_dir: Path, lim: Limits) -> list[tuple[str, str, str]]:
    """(rule, message, fix) for one attachment file name; empty when it may be published."""
    text = str(name)
    if _BAD_NAME.search(text) or not text.strip():
        return [("attachment.name", f"附件文件名“{text.encode('unicode_escape').decode()[:80]}”含有控制字符或为空",
                 "把附件改为普通文件名（字母、数字、中文、- 和 _），并同步修改 attachments 中的 file")]
    pure = PurePosixPath(text)
    if "\\" in text or pure.is_absolute() or ".." in pure.parts or text.startswith("~"):
        return [("attachment.outside", f"附件路径“{text}”超出了信息所在目录",
                 "把附件放在信息文件旁边，只写文件名，例如 `file: shenqingbiao.pdf`，不要用 ../ 或绝对路径")]
    path = item_dir / pure
    ext = pure.suffix.lower().lstrip(".")
    if ext not in lim.extensions:
        return [("attachment.type", f"附件“{text}”的类型（.{ext or '无扩展名'}）不允许发布",
                 f"允许的类型：{', '.join(lim.extensions)}；请转换格式后再上传")]
    if path.is_symlink() or not _inside(path, item_dir):
        return [("attachment.outside", f"附件“{text}”是指向信息目录之外的链接或路径",
                 "把文件本身复制到信息文件旁边，不要使用符号链接")]
    if not path.is_file():
        return [("attachment.missing", f"找不到附件文件“{text}”",
                 f"把文件放到 {item_dir.name}/ 目录下信息文件旁边，或检查文件名拼写（区分大小写）")]
    size = path.stat().st_size
    if size > lim.max_bytes:
        return [("attachment.too-large",
                 f"附件“{text}”大小为 {size_label(size)}，超过上限 {size_label(lim.max_bytes)}",
                 "压缩或拆分文件；确需发布大文件的，请网站主管部门调整 policy/attachments.yaml")]
    return []


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    # A symlinked folder on the way out is as bad as a symlinked file.
    return not any(p.is_symlink() for p in [path, *path.parents] if p != folder and _under(p, folder))


def _under(p: Path, folder: Path) -> bool:
    try:
        p.relative_to(folder)
        return True
    except ValueError:
        return False


def listed(item) -> list[str]:
    """Every file an item lists for publication beside it (attachments; images, when an item has them)."""
    return [a["file"] for a in item.fields.get("attachments", []) if isinstance(a.get("file"), str)]


def covered(item, root: Path, lim: Limits | None = None) -> list[tuple[str, int, str]]:
    """(name, size, sha256) of every listed file that may be published: what an approval signs.
    Files with a problem (missing, outside, a symlink, too large) are left out: their rule refuses the item."""
    lim = lim or limits(root)
    out = []
    for name in listed(item):
        if problems(name, item.path.parent, lim):
            continue
        digest, size = sha256_of(item.path.parent / name)
        if digest is not None:
            out.append((name, size, digest))
    return out


def sha256_of(path: Path) -> tuple[str | None, int]:
    """(sha256, size) of a regular file read without following a symlink; (None, 0) otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None, 0
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None, 0
        h, size = hashlib.sha256(), 0
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def stat_key(item) -> tuple:
    """What says an item's listed files are unchanged since they were hashed (size,
    modification time, inode, change time), without reading them; a symlink or a
    missing file is part of the key too."""
    out = []
    for name in listed(item):
        if _BAD_NAME.search(name) or "\\" in name:
            out.append((name, "bad"))
            continue
        try:
            st = os.lstat(item.path.parent / name)
            out.append((name, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns))
        except (OSError, ValueError):
            out.append((name, None))
    return tuple(out)


def described(item) -> list[dict]:
    """The item's attachments with size labels, for the theme."""
    out = []
    for att in item.fields.get("attachments", []):
        path = item.path.parent / att["file"]
        size = path.stat().st_size if path.is_file() else None
        out.append({**att, "size": size, "size_label": size_label(size) if size is not None else ""})
    return out


class ChangedError(Exception):
    """A listed file differs from the one the gate decided on (changed during the build)."""


def publish(item, output: Path, expected: dict[str, str]) -> list[Path]:
    """Copy the attachments of a published item to <output>/<column>/<slug>/, each
    checked against the SHA-256 its approval covers (`expected`: name -> sha256)."""
    target = Path(output) / item.column / item.slug
    written = []
    for name in listed(item):
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(item.path.parent / name, dest, follow_symlinks=False)
        except OSError as exc:
            raise ChangedError(f"{item.relpath} 的附件 {name} 无法复制（{exc.strerror}）") from exc
        digest, _ = sha256_of(dest)
        if digest is None or digest != expected.get(name):
            dest.unlink(missing_ok=True)
            raise ChangedError(f"{item.relpath} 的附件 {name} 在构建过程中被改动（与审核时的文件不一致）")
        written.append(dest)
    return written
