"""Loading one item: bytes -> front matter + body, with lines, never raising.

An item is `content/<site>/<column>/<slug>.md`: YAML front matter between a
first line `---` and a closing `---`, then Markdown.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import yamlio
from .findings import ERROR, Finding

MAX_BYTES = 2 * 1024 * 1024   # an item larger than this is refused unread
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FENCE = "---"


@dataclass
class Item:
    path: Path                 # absolute path of the .md file
    relpath: str               # repository-relative, posix
    site_id: str | None
    column: str | None
    raw: bytes
    text: str = ""             # decoded, line endings normalised to \n
    meta: dict | None = None   # front matter as parsed (unconverted)
    lines: dict = field(default_factory=dict)   # top-level key -> file line
    body: str = ""
    body_line: int = 1         # file line where the body starts
    findings: list = field(default_factory=list)  # problems found while loading
    fields: dict = field(default_factory=dict)    # converted, validated fields (set by rules)

    @property
    def slug(self) -> str:
        return self.path.stem

    @cached_property
    def sha256(self) -> str:    # raw is never changed in place (dataclasses.replace makes a new item)
        return hashlib.sha256(self.raw).hexdigest()

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)

    def block_span(self, key: str) -> tuple[int, int] | None:
        """0-based [start, end) indexes into text lines of a top-level key's block."""
        if key not in self.lines:
            return None
        starts = sorted(self.lines.values())
        start = self.lines[key]
        later = [s for s in starts if s > start]
        end = later[0] if later else self._closing_line
        return start - 1, end - 1

    @property
    def _closing_line(self) -> int:
        return self.body_line - 1


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load(path: Path, root: Path) -> Item:
    path = Path(path)
    abspath = path.resolve()
    try:
        rel = abspath.relative_to(Path(root).resolve())
        relpath = rel.as_posix()
        parts = rel.parts
    except ValueError:
        relpath, parts = str(path), ()
    site_id = parts[1] if len(parts) >= 3 and parts[0] == "content" else None
    column = parts[2] if len(parts) >= 4 and parts[0] == "content" else None
    try:
        size = abspath.stat().st_size
        raw = b"" if size > MAX_BYTES else abspath.read_bytes()
    except OSError as exc:
        item = Item(abspath, relpath, site_id, column, b"")
        item.findings.append(_bad(relpath, "schema.unreadable", None, f"无法读取文件：{exc.strerror}",
                                  "检查文件是否存在、权限是否正确"))
        return item
    item = Item(abspath, relpath, site_id, column, raw)
    if size > MAX_BYTES:
        item.findings.append(_bad(relpath, "schema.too-large", None,
                                  f"文件过大（{size // 1024} KB，上限 {MAX_BYTES // 1024} KB）",
                                  "拆分正文，或把大段资料作为附件"))
        return item
    parse(item)
    return item


def _bad(relpath, rule, line, message, fix, field=None) -> Finding:
    return Finding(rule, ERROR, relpath, line, message, field, fix)


def parse(item: Item) -> None:
    """Fill text, meta, lines, body of `item` from its raw bytes."""
    rel, raw = item.relpath, item.raw
    if raw.startswith(b"\xef\xbb\xbf"):
        item.findings.append(_bad(rel, "schema.bom", 1, "文件以 UTF-8 BOM 开头",
                                  "用编辑器另存为“UTF-8（无 BOM）”"))
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        item.findings.append(_bad(rel, "schema.encoding", line,
                                  f"文件不是 UTF-8 编码（第 {line} 行附近有无法识别的字节）",
                                  "用编辑器另存为“UTF-8”编码"))
        return
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        item.findings.append(_bad(rel, "schema.encoding", line, "文件含有空字符（\\0），不是文本文件",
                                  "确认上传的是 Markdown 文本"))
        return
    text = normalise(text)
    item.text = text
    if not text.strip():
        item.findings.append(_bad(rel, "schema.empty", 1, "文件为空", "按模板填写 front matter 和正文"))
        return
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        item.findings.append(_bad(rel, "schema.front-matter", 1, "文件没有以 front matter 开头（第一行应为 ---）",
                                  "在文件开头加上 --- ，写好字段后再用一行 --- 结束"))
        return
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() in (FENCE, "...")), None)
    if closing is None:
        item.findings.append(_bad(rel, "schema.front-matter", 1, "front matter 没有结束标记 ---",
                                  "在最后一个字段之后加一行 ---，再写正文"))
        return
    loaded = yamlio.load("\n".join(lines[1:closing]), first_line=2)
    if loaded.error:
        item.findings.append(_bad(rel, "schema.yaml", loaded.error_line, loaded.error,
                                  "检查该行的缩进、冒号后的空格和引号是否成对"))
        return
    if not isinstance(loaded.data, dict):
        kind = "列表" if isinstance(loaded.data, list) else "空" if loaded.data is None else "单个值"
        item.findings.append(_bad(rel, "schema.front-matter", 2, f"front matter 应为“字段: 值”的映射，实际是{kind}",
                                  "每行写一个字段，例如 `title: 标题`"))
        return
    item.meta = loaded.data
    item.lines = loaded.lines
    item.body_line = closing + 2
    item.body = "\n".join(lines[closing + 1:])


def find_items(group, paths=None) -> list[Path]:
    """Item files of the group (or under the given paths), resolved and sorted.
    Symlinked folders are not entered; a symlinked file counts where it points."""
    content = group.content.resolve()
    found = set()
    for r in [Path(p) for p in paths] if paths else [content]:
        if r.is_file() and r.suffix == ".md":
            found.add(str(r.resolve()))
        elif r.is_dir():
            for folder, _, names in os.walk(r.resolve()):
                for name in names:
                    if name.endswith(".md"):
                        p = os.path.join(folder, name)
                        found.add(os.path.realpath(p) if os.path.islink(p) else p)
    inside = str(content) + os.sep
    # Path order (by parts), without making a Path for every comparison.
    return [Path(p) for p in sorted(found, key=lambda p: p.split(os.sep)) if p.startswith(inside)
            and os.sep in p[len(inside):]]
