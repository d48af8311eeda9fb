"""Loading one item: bytes -> front matter + body, with lines, never raising.

An item is `content/<site>/<column>/<slug>.md`: YAML front matter between a
first line `---` and a closing `---`, then Markdown.

What a signature covers is decided here, by text alone (README "What is
signed"): the file, UTF-8, line endings normalised to LF, split into lines on
"\\n" only, without the lines of its signature blocks. A signature block
starts with a line `approvals:` or `withdrawal:` at column 0 and runs over
the following lines that are blank, indented, comments, or `- ` entries.
Everything the site shows is parsed from exactly those remaining bytes (the
canonical text), and the signature blocks are parsed on their own, so what is
published can never differ from what was signed, whatever a YAML parser makes
of unusual line breaks, duplicate keys or a second `---`.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.model import yamlio
from workflow.model.findings import ERROR, Finding

if TYPE_CHECKING:
    from workflow.model.sites import Group

MAX_BYTES = 2 * 1024 * 1024           # an item larger than this is refused unread
MAX_FRONT_MATTER = 128 * 1024         # front matter larger than this is refused unparsed
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FENCE = "---"
SIGNED_KEYS = ("approvals", "withdrawal")
_BLOCK_START = re.compile(r"^(approvals|withdrawal):(?=[ \t]|$)")
# C0 controls but tab and newline (CR is normalised away), DEL; VT and FF are what
# Word's Shift+Enter and page breaks leave behind.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_NAMES = {"\x0b": "垂直制表符（VT，Word 中的软回车 Shift+Enter）", "\x0c": "换页符（FF，Word 中的分页符）",
                  "\x00": "空字符（NUL）", "\x7f": "删除符（DEL）"}


@dataclass(slots=True)      # slots: a large group keeps 100,000 of them
class Item:
    path: Path                 # absolute path of the .md file
    relpath: str               # repository-relative, posix
    site_id: str | None
    column: str | None
    raw: bytes
    text: str = ""             # decoded, line endings normalised to \n
    meta: dict[str, Any] | None = None   # front matter as parsed (unconverted): canonical fields + signature blocks
    lines: dict[str, int] = field(default_factory=dict)   # top-level key -> file line
    raw_values: dict[str, str] = field(default_factory=dict)  # top-level key -> its value as written (messages)
    body: str = ""
    body_line: int = 1         # file line where the body starts
    # signature key -> [(start, end)] 0-based line indexes
    signed_spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    canonical: bytes = b""     # what every signature covers (before its trailer)
    findings: list[Finding] = field(default_factory=list)  # problems found while loading
    fields: dict[str, Any] = field(default_factory=dict)    # converted, validated fields (set by rules)
    links: tuple[str, ...] = ()   # item files its body links to (set by rules/itemlinks.py)
    # sha256 of raw, worked out when the item is made; kept when a remembered item drops its
    # bytes (gate/store.slim) and when they come back (restore: they must hash the same)
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            self.digest = hashlib.sha256(self.raw).hexdigest()

    @property
    def slug(self) -> str:
        return self.path.stem

    @property
    def sha256(self) -> str:
        return self.digest

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)

    def block_span(self, key: str) -> tuple[int, int] | None:
        """0-based [start, end) indexes into text lines of a top-level key's block."""
        if key in self.signed_spans:
            return self.signed_spans[key][0]
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


def symlink_in(path: Path, root: Path) -> Path | None:
    """The first symlink on the way from `root` down to `path` (never followed), or None."""
    full, top = os.path.abspath(path), os.path.abspath(root)
    if not full.startswith(top + os.sep):
        return None
    here = top
    for part in full[len(top) + 1:].split(os.sep):
        here = os.path.join(here, part)
        if os.path.islink(here):
            return Path(here)
    return None


def load(path: Path, root: Path) -> Item:
    path = Path(path)
    abspath = Path(os.path.abspath(path))
    root = Path(os.path.abspath(root))
    try:
        rel = abspath.relative_to(root)
        relpath = rel.as_posix()
        parts = rel.parts
    except ValueError:
        relpath, parts = str(path), ()
    site_id = parts[1] if len(parts) >= 3 and parts[0] == "content" else None
    column = parts[2] if len(parts) >= 4 and parts[0] == "content" else None
    link = symlink_in(abspath, root / "content")
    if link is not None:
        item = Item(abspath, relpath, site_id, column, b"")
        shown = link.relative_to(root).as_posix() if link.is_relative_to(root) else str(link)
        item.findings.append(_bad(relpath, "content.symlink", None,
                                  f"{shown} 是符号链接：content/ 下不允许符号链接（不会读取它指向的文件）",
                                  "把文件本身放进仓库（复制而不是链接），删除符号链接"))
        return item
    try:
        with open(abspath, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            raw = b"" if size > MAX_BYTES else f.read(MAX_BYTES + 1)
    except OSError as exc:
        item = Item(abspath, relpath, site_id, column, b"")
        item.findings.append(_bad(relpath, "schema.unreadable", None, f"无法读取文件：{exc.strerror}",
                                  "检查文件是否存在、权限是否正确"))
        return item
    item = Item(abspath, relpath, site_id, column, raw)
    if size > MAX_BYTES or len(raw) > MAX_BYTES:
        item.findings.append(_bad(relpath, "schema.too-large", None,
                                  f"文件过大（{max(size, len(raw)) // 1024} KB，上限 {MAX_BYTES // 1024} KB）",
                                  "拆分正文，或把大段资料作为附件"))
        return item
    parse(item)
    return item


def _bad(relpath: str, rule: str, line: int | None, message: str, fix: str, field: str | None = None) -> Finding:
    return Finding(rule, ERROR, relpath, line, message, field, fix)


def parse(item: Item) -> None:
    """Fill text, meta, lines, body, canonical of `item` from its raw bytes."""
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
    item.body_line = closing + 2
    item.body = "\n".join(lines[closing + 1:])
    item.findings.extend(control_characters(rel, text))
    if sum(len(l) + 1 for l in lines[1:closing]) > MAX_FRONT_MATTER:
        item.findings.append(_bad(rel, "schema.too-large", 2,
                                  f"front matter 过大（上限 {MAX_FRONT_MATTER // 1024} KB）",
                                  "front matter 只写字段，长文本放进正文"))
        return
    spans = signed_spans(lines, closing)
    item.signed_spans = spans
    dropped = signed_lines(spans)
    item.canonical = canonical(lines, dropped)
    kept = [i for i in range(1, closing) if i not in dropped]
    loaded = yamlio.load("\n".join(lines[i] for i in kept), file_lines=[i + 1 for i in kept])
    if loaded.error:
        item.findings.append(_bad(rel, "schema.yaml", loaded.error_line, loaded.error,
                                  loaded.fix or "检查该行的缩进、冒号后的空格和引号是否成对"))
        return
    data = loaded.data
    if not isinstance(data, dict):
        kind = "列表" if isinstance(data, list) else "空" if data is None else "单个值"
        item.findings.append(_bad(rel, "schema.front-matter", 2, f"front matter 应为“字段: 值”的映射，实际是{kind}",
                                  "每行写一个字段，例如 `title: 标题`"))
        return
    for key in SIGNED_KEYS:
        if key in data:
            item.findings.append(_bad(rel, "schema.signature-block", loaded.lines.get(key),
                                      f"{key} 必须从行首以“{key}:”开始、写成缩进的块（由 govsite 生成）",
                                      f"删除这一处 {key}，用 govsite approve / govsite withdraw 重新生成", key))
            return
    meta, item_lines = dict(data), dict(loaded.lines)
    for key, ranges in spans.items():
        if len(ranges) > 1:
            item.findings.append(_bad(rel, "schema.yaml", ranges[1][0] + 1,
                                      f"字段“{key}”写了两次（YAML 只保留后写的一个），请删除多余的一处",
                                      f"只保留一个 {key} 块", key))
            return
        start, end = ranges[0]
        block = yamlio.load("\n".join(lines[start:end]), file_lines=list(range(start + 1, end + 1)))
        if block.error or not isinstance(block.data, dict) or list(block.data) != [key]:
            item.findings.append(_bad(rel, "schema.yaml", block.error_line or start + 1,
                                      block.error or f"{key} 块的格式不对", "不要手工编辑该块，由 govsite 重新生成",
                                      key))
            return
        meta[key] = block.data[key]
        item_lines[key] = start + 1
    item.meta = meta
    item.lines = item_lines
    item.raw_values = loaded.raw
    item.findings.extend(control_in_values(rel, meta, item_lines))


class NotKept(dict[str, Any]):
    """The front matter of a kept item (gate/store.slim): not kept, its converted
    `fields` are. Truthy, so `item.meta is not None` and `item.meta or {}` still say
    "parsed"; reading it is a bug (restore the item first), never an empty answer."""

    def __bool__(self) -> bool:
        return True

    def __reduce__(self) -> tuple[type[NotKept], tuple[()]]:
        return NotKept, ()

    def _refuse(self, *_: object, **__: object) -> Any:
        raise RuntimeError("a kept item's front matter is not kept: restore it from its bytes first (items.restore)")

    __getitem__ = __iter__ = __contains__ = __len__ = get = keys = values = items = _refuse


def restore(item: Item, raw: bytes, front_matter: bool = True) -> Item:
    """A kept item (gate/store.slim: without its bytes, text and front matter) whole
    again from its bytes, which the caller checked hash the same: parsed as when it
    was loaded, with what the rules worked out (fields, links, findings) kept.
    `front_matter=False`: its bytes, text, body and canonical bytes only, the front
    matter still not kept (what a site's pages are made of: a build restores every
    item of the sites it builds, and parsing YAML again was a tenth of Pelican's time)."""
    from dataclasses import replace

    if not front_matter:
        text = normalise(raw.decode("utf-8"))
        lines = text.split("\n")
        spans = signed_spans(lines, item.body_line - 2)
        return replace(item, raw=raw, text=text, body="\n".join(lines[item.body_line - 1:]),
                       canonical=canonical(lines, signed_lines(spans)), signed_spans=spans, digest=hashlib.sha256(raw).hexdigest())
    fresh = Item(item.path, item.relpath, item.site_id, item.column, raw)
    parse(fresh)
    meta = fresh.meta or {}
    fields = {k: meta[k] if isinstance(v, NotKept) else v for k, v in item.fields.items()}   # signature blocks
    return replace(fresh, findings=item.findings, fields=fields, links=item.links)


def signed_lines(spans: dict[str, list[tuple[int, int]]]) -> set[int]:
    """The 0-based indexes of the lines of the signature blocks `spans` (signed_spans)."""
    return {i for ranges in spans.values() for s, e in ranges for i in range(s, e)}


def canonical(lines: list[str], dropped: set[int]) -> bytes:
    """What every signature covers: the file's lines but those of its signature blocks."""
    return "\n".join(l for i, l in enumerate(lines) if i not in dropped).encode("utf-8", "surrogatepass")


def signed_spans(lines: list[str], closing: int) -> dict[str, list[tuple[int, int]]]:
    """Signature blocks of the front matter (lines 1..closing-1), found by text alone."""
    spans: dict[str, list[tuple[int, int]]] = {}
    i = 1
    while i < closing:
        m = _BLOCK_START.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < closing and _continues(lines[j]):
            j += 1
        spans.setdefault(m[1], []).append((i, j))
        i = j
    return spans


def _continues(line: str) -> bool:
    return (not line or line[0] in " \t#" or line == "-" or line.startswith(("- ", "-\t")))


def control_characters(rel: str, text: str) -> list[Finding]:
    """C0 control characters but tab and newline, anywhere in the file: one finding per line."""
    found, seen = [], set()
    for m in _CONTROL.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if line in seen:
            continue
        seen.add(line)
        name = _CONTROL_NAMES.get(m[0], f"控制字符 U+{ord(m[0]):04X}")
        found.append(_bad(rel, "text.control-char", line, f"第 {line} 行含有{name}，网页和订阅源无法正确显示",
                          "删除该字符：从 Word 复制的文字常带有软回车，请先粘贴为纯文本，或在编辑器中显示不可见字符后删除"))
        if len(found) >= 20:
            break
    return found


def control_in_values(rel: str, meta: dict[str, Any], lines: dict[str, int]) -> list[Finding]:
    """Control characters and lone surrogates that YAML escapes ("\\x0b", "\\ud800") put into values."""
    found = []
    for key, value in meta.items():
        stack: list[object] = [value]
        while stack:
            v = stack.pop()
            if isinstance(v, dict):
                stack.extend(v.keys())
                stack.extend(v.values())
            elif isinstance(v, list):
                stack.extend(v)
            elif isinstance(v, str) and (_CONTROL.search(v) or _SURROGATE.search(v)):
                what = "孤立的代理字符（无效的 Unicode）" if _SURROGATE.search(v) else "控制字符"
                found.append(_bad(rel, "text.control-char", lines.get(key),
                                  f"字段 {key} 含有{what}（可能来自引号中的 \\x、\\u 转义）", "删除该字符或转义",
                                  str(key)))
                break
    return found


def find_items(group: Group, paths: Sequence[str | os.PathLike[str]] | None = None) -> list[Path]:
    """Item files of the group (or under the given paths), sorted by path, and
    every symlink there (file or folder): nothing is resolved or followed, a
    symlink is listed where it is, and the gate refuses it."""
    content = os.path.abspath(group.content)
    found = set()
    for r in [Path(os.path.abspath(p)) for p in paths] if paths else [Path(content)]:
        if r.is_symlink() or (r.suffix == ".md" and r.is_file()):
            found.add(str(r))
        elif r.is_dir():
            for folder, dirs, names in os.walk(r):
                for name in names:
                    if name.endswith(".md") or os.path.islink(os.path.join(folder, name)):
                        found.add(os.path.join(folder, name))
                found.update(os.path.join(folder, d) for d in dirs if os.path.islink(os.path.join(folder, d)))
    inside = content + os.sep
    # Path order (by parts), without making a Path for every comparison.
    return [Path(p) for p in sorted(found, key=lambda p: p.split(os.sep)) if p.startswith(inside)
            and os.sep in p[len(inside):]]
