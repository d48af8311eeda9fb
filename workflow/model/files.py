"""Files an item publishes beside it (附件, and images): which they are, whether
each may be published, and their bytes' hash (what an approval signs).

A listed file must be a regular file inside the item's folder (no symlink, no
path out of it), of an allowed type and size: the city's policy, read by
workflow/policy/limits.py (workflow/data/attachments.yaml, or the repository's
policy/attachments.yaml). The build publishes them (workflow/build/attachments.py).
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from workflow.model.items import Item


class Limits(Protocol):
    """The city's attachment policy (workflow/policy/limits.py reads it)."""

    @property
    def extensions(self) -> tuple[str, ...]: ...

    @property
    def max_bytes(self) -> int: ...


def size_label(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB" if size >= 10 * 1024 else f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


_BAD_NAME = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


# How messages name a file of each kind, the list it is written in, and its policy file.
KINDS = {"attachment": ("附件", "attachments", "policy/attachments.yaml"),
         "image": ("图片", "images", "policy/images.yaml")}


def problems(name: str, item_dir: Path, lim: Limits, kind: str = "attachment") -> list[tuple[str, str, str]]:
    """(rule, message, fix) for one listed file name (an attachment, or an image with the
    image policy's limits); empty when it may be published."""
    label, field, policy_file = KINDS[kind]
    text = str(name)
    if _BAD_NAME.search(text) or not text.strip():
        return [(f"{kind}.name", f"{label}文件名“{text.encode('unicode_escape').decode()[:80]}”含有控制字符或为空",
                 f"把{label}改为普通文件名（字母、数字、中文、- 和 _），并同步修改 {field} 中的 file")]
    pure = PurePosixPath(text)
    if "\\" in text or pure.is_absolute() or ".." in pure.parts or text.startswith("~"):
        return [(f"{kind}.outside", f"{label}路径“{text}”超出了信息所在目录",
                 f"把{label}放在信息文件旁边，只写文件名，例如 `file: {'shenqingbiao.pdf' if kind == 'attachment' else 'xianchang.jpg'}`，"
                 "不要用 ../ 或绝对路径")]
    path = item_dir / pure
    ext = pure.suffix.lower().lstrip(".")
    if ext not in lim.extensions:
        return [(f"{kind}.type", f"{label}“{text}”的类型（.{ext or '无扩展名'}）不允许发布",
                 f"允许的类型：{', '.join(lim.extensions)}；请转换格式后再上传")]
    if path.is_symlink() or not _inside(path, item_dir):
        return [(f"{kind}.outside", f"{label}“{text}”是指向信息目录之外的链接或路径",
                 "把文件本身复制到信息文件旁边，不要使用符号链接")]
    if not path.is_file():
        return [(f"{kind}.missing", f"找不到{label}文件“{text}”",
                 f"把文件放到 {item_dir.name}/ 目录下信息文件旁边，或检查文件名拼写（区分大小写）")]
    size = path.stat().st_size
    if size > lim.max_bytes:
        return [(f"{kind}.too-large",
                 f"{label}“{text}”大小为 {size_label(size)}，超过上限 {size_label(lim.max_bytes)}",
                 f"压缩或拆分文件；确需发布大文件的，请网站主管部门调整 {policy_file}")]
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


def entries(item: Item) -> list[tuple[str, str]]:
    """(file name, kind) of every file an item lists beside it: its attachments, then its
    images. The one list of what an item publishes: approvals cover it, the build copies it."""
    out = [(a["file"], "attachment") for a in item.fields.get("attachments", []) if isinstance(a.get("file"), str)]
    out += [(i["file"], "image") for i in item.fields.get("images", []) if isinstance(i.get("file"), str)]
    return out


def listed(item: Item) -> list[str]:
    """Every file an item lists for publication beside it (attachments and images)."""
    return [name for name, _ in entries(item)]


def covered(item: Item, lim: Limits, image_lim: Limits | None) -> list[tuple[str, int, str]]:
    """(name, size, sha256) of every listed file that may be published: what an approval signs.
    Files with a problem (missing, outside, a symlink, too large) are left out: their rule refuses the item.
    `lim`: the attachment limits; `image_lim`: the image policy (workflow/policy/limits.py)."""
    out = []
    for name, kind in entries(item):
        policy = image_lim if kind == "image" else lim
        if policy is None or problems(name, item.path.parent, policy, kind):
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


def stat_key(item: Item) -> tuple[tuple[object, ...], ...]:
    """What says an item's listed files are unchanged since they were hashed (size,
    modification time, inode, change time), without reading them; a symlink or a
    missing file is part of the key too."""
    out: list[tuple[object, ...]] = []
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


def read_regular(path: Path, size: int | None = None) -> bytes | None:
    """The bytes of a regular file, read without following a symlink; None otherwise,
    or when it is not `size` bytes long (then it is not read at all)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or (size is not None and st.st_size != size):
            return None
        return f.read()
