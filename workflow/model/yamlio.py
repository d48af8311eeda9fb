"""Safe, strict YAML loading that never raises and remembers where every
top-level key is.

Strict, because an item's front matter is signed text that reviewers read:
- YAML 1.2 core scalars only: `true`/`false` are booleans, decimal numbers
  are numbers, and everything else (`yes`, `on`, `2026-11-20`, `0771`, `10:30`)
  stays the text the editor wrote; dates are parsed by workflow/dates.py with
  messages of our own, so an impossible date is a finding, never a traceback;
- a key written twice is an error (PyYAML would silently keep the later one);
- anchors, aliases and tags are refused in items (`aliases="refuse"`), and
  expanded within a bound elsewhere (`aliases="bounded"`: site.yaml);
- nesting deeper than MAX_DEPTH is an error (the rules walk values).

Lines: PyYAML and libyaml count U+0085, U+2028 and U+2029 as line breaks; the
lines reported here are lines of the file (split on "\\n" only).
"""
from __future__ import annotations

import os
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar, cast, overload

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

MAX_DEPTH = 16             # items and site.yaml are flat; a list of mappings is depth 3
MAX_NODES = 20_000         # expanded size of a document loaded with aliases="bounded"
_EXTRA_BREAKS = re.compile("[\x85\u2028\u2029]")


@dataclass
class Loaded:
    data: Any                      # the document: parsed YAML, whatever it holds
    lines: dict[str, int] = field(default_factory=dict)  # key -> 1-based file line
    error: str | None = None       # Chinese description of a parse failure
    error_line: int | None = None  # 1-based file line of the failure
    raw: dict[str, str] = field(default_factory=dict)    # key -> its value as written (for messages)
    fix: str | None = None         # Chinese: how to fix the failure, when it is specific


# PyYAML's problems, said for editors; the original follows in parentheses.
_PROBLEMS = {
    "mapping values are not allowed here": "此处不能出现“字段: 值”（缩进不对，或值里有未加引号的冒号）",
    "found character '\\t' that cannot start any token": "含有制表符（Tab），请改用空格缩进",
    "could not find expected ':'": "缺少冒号，或上一行的引号没有闭合",
    "expected ',' or ']', but got": "方括号 [ ] 没有闭合",
    "expected ',' or '}', but got": "花括号 { } 没有闭合",
    "found unexpected end of stream": "引号或括号没有闭合就到了结尾",
    "found undefined alias": "使用了未定义的别名（*）",
    "expected <block end>, but found": "缩进不一致",
    "found duplicate anchor": "重复的锚点（&）",
    "exceeded maximum nesting depth": "嵌套层级过深",
    "special characters are not allowed": "含有不允许的控制字符",
    "found unhashable key": "字段名不能是列表或映射",
    "expected the node content": "缺少内容（引号、括号没有闭合，或缩进不对）",
    "did not find expected key": "缩进不对，或上一行的引号没有闭合",
    "did not find expected '-' indicator": "列表项缩进不一致",
    "found unknown escape character": "双引号中有无法识别的转义符（\\），反斜杠请写成 \\\\ 或改用单引号",
    "expected a comment or a line break": "值后面多了内容（引号后的文字需放进引号内）",
    "found character that cannot start any token": "含有不能出现在这里的字符（如 ` @ %），请给整个值加引号",
    "while scanning a quoted scalar": "引号没有闭合",
    "while scanning a block scalar": "多行文本（| 或 >）的写法不对",
}


def _say(problem: str) -> str:
    for key, said in _PROBLEMS.items():
        if problem.startswith(key) or key in problem:
            return f"{said}（{problem}）"
    return problem


# --- the strict loaders -------------------------------------------------------

def _resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """YAML 1.2 core schema, narrowed: numbers with a leading zero stay text (0771)."""
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    rules: list[tuple[str, str, str | list[str]]] = [
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
        ("tag:yaml.org,2002:float", r"^[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", "-+0123456789"),
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ]
    for tag, pattern, first in rules:
        for ch in first:
            table.setdefault(ch, []).append((tag, re.compile(pattern)))
    return table


class _Strict(SafeConstructor):
    """What both loaders (libyaml's and the pure-Python one) construct with (a mixin
    placed before the loader: SafeConstructor comes later in the loader's own bases)."""
    yaml_implicit_resolvers = _resolvers()

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Hashable, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise ConstructorError(None, None, f"expected a mapping node, but found {getattr(node, 'id', None)}",
                                   node.start_mark)
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       "found unhashable key", key_node.start_mark) from None
            if duplicate:
                raise ConstructorError(None, None, f"found duplicate key {str(key)[:60]!r}", key_node.start_mark)
            seen.add(key)
        return SafeConstructor.construct_mapping(self, node, deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        return int(self.construct_scalar(node))

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        return float(self.construct_scalar(node))


_Base = TypeVar("_Base", yaml.SafeLoader, yaml.CSafeLoader)


def _loader(base: type[_Base]) -> type[_Base]:
    cls = cast("type[_Base]", type(f"Strict{base.__name__}", (_Strict, base), {}))
    cls.yaml_constructors = dict(base.yaml_constructors)
    # (the stubs want each constructor's `self` to be a whole loader, not the constructor mixin)
    cls.add_constructor("tag:yaml.org,2002:map", cls.construct_yaml_map)  # type: ignore[type-var]
    cls.add_constructor("tag:yaml.org,2002:int", _Strict.construct_yaml_int)  # type: ignore[type-var]
    cls.add_constructor("tag:yaml.org,2002:float", _Strict.construct_yaml_float)  # type: ignore[type-var]
    cls.yaml_implicit_resolvers = _resolvers()
    return cls


_SLOW = _loader(yaml.SafeLoader)
_FAST = _loader(yaml.CSafeLoader) if yaml.__with_libyaml__ else None


class _Marked(Protocol):
    """Where the parser was: PyYAML's and libyaml's marks alike."""
    line: int


class _Refused(Exception):
    def __init__(self, message: str, mark: _Marked | None = None) -> None:
        super().__init__(message)
        self.message, self.mark = message, mark


# --- line numbers ----------------------------------------------------------------

class _Lines:
    """YAML line (0-based, as the parsers count) -> 1-based file line."""

    def __init__(self, text: str, file_lines: list[int] | None, first_line: int) -> None:
        self.file_lines = file_lines
        self.first_line = first_line
        self.map: list[int] | None = None
        if _EXTRA_BREAKS.search(text):
            self.map, n = [], 0
            for ch in text:
                if ch == "\n":
                    n += 1
                    self.map.append(n)
                elif ch in "\x85\u2028\u2029":
                    self.map.append(n)
            self.map.insert(0, 0)

    def __call__(self, yaml_line: int | None) -> int | None:
        if yaml_line is None:
            return None
        n = yaml_line
        if self.map is not None:
            n = self.map[min(yaml_line, len(self.map) - 1)]
        if self.file_lines is not None:
            return self.file_lines[min(n, len(self.file_lines) - 1)] if self.file_lines else None
        return n + self.first_line


# --- loading ---------------------------------------------------------------------

def load(text: str, first_line: int = 1, *, file_lines: list[int] | None = None,
         aliases: str = "refuse") -> Loaded:
    """Parse YAML text with the strict loaders; never raises.

    `first_line` is the file line on which `text` starts; or `file_lines` gives
    the file line of each "\\n"-line of `text` (a snippet cut from a file).
    `aliases`: "refuse" (items) or "bounded" (expanded up to MAX_NODES).
    """
    line_of = _Lines(text, file_lines, first_line)
    if aliases == "refuse" and any(c in text for c in "&*!"):
        refused = _no_anchors(text)
        if refused:
            return Loaded(None, {}, refused.message, line_of(refused.mark.line if refused.mark else None),
                          fix="删除 &、* 或 ! 开头的写法，直接写出内容；文字中需要这些符号时给整个值加引号")
    loaded = _load_with(_FAST, text, line_of, aliases, quiet=True) if _FAST else None
    if loaded is None:     # libyaml refused it (or is absent): the pure-Python parser says why
        loaded = _load_with(_SLOW, text, line_of, aliases, quiet=False)
    return loaded


def _no_anchors(text: str) -> _Refused | None:
    """Anchors, aliases and tags have no use in an item: refuse the first one."""
    try:
        for event in yaml.parse(text, Loader=_FAST or _SLOW):
            if isinstance(event, yaml.AliasEvent):
                return _Refused(f"使用了别名（*{event.anchor}）：信息中不允许使用 YAML 锚点和别名，请直接写出内容",
                                event.start_mark)
            anchor, tag = getattr(event, "anchor", None), getattr(event, "tag", None)
            if anchor:
                return _Refused(f"使用了锚点（&{anchor}）：信息中不允许使用 YAML 锚点和别名，请直接写出内容",
                                event.start_mark)
            if tag is not None:
                return _Refused(f"使用了 YAML 标签（{tag}）：信息中不允许使用标签，请直接写出内容",
                                event.start_mark)
    except yaml.YAMLError:
        return None          # the loader reports the syntax error with its line
    except RecursionError:
        return _Refused("嵌套层级过深")
    return None


_LoaderClass = type[yaml.SafeLoader] | type[yaml.CSafeLoader]


@overload
def _load_with(cls: _LoaderClass, text: str, line_of: _Lines, aliases: str, quiet: Literal[False]) -> Loaded: ...
@overload
def _load_with(cls: _LoaderClass, text: str, line_of: _Lines, aliases: str, quiet: bool) -> Loaded | None: ...
def _load_with(cls: _LoaderClass, text: str, line_of: _Lines, aliases: str, quiet: bool) -> Loaded | None:
    loader: yaml.SafeLoader | yaml.CSafeLoader | None = None
    try:
        loader = cls(text)       # the pure-Python reader refuses control characters right here
        node = loader.get_single_node()
        if node is not None:
            # without an alias (*) a document has at most three nodes a character ("?" alone
            # is a mapping of two empty nodes): a short one has nothing to walk
            if aliases == "bounded" and ("*" in text or 3 * len(text) > MAX_NODES):
                _bound(node)
            data = loader.construct_document(node)
            _depth(data, node)
        else:
            data = None
    except yaml.MarkedYAMLError as exc:
        if quiet:
            return None
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "无法解析").strip()
        if isinstance(exc, ConstructorError) and "found duplicate key" in problem:
            key = problem.split("found duplicate key", 1)[1].strip()
            msg = f"字段“{key.strip(chr(39))}”写了两次（YAML 只保留后写的一个，两处的内容可能不一致）"
            return Loaded(None, {}, msg, line_of(mark.line if mark else None), fix="删除多余的一处，只保留一个")
        elif isinstance(exc, ConstructorError) and "tag" in problem:
            msg = f"使用了不允许的 YAML 标签（{problem}）"
        else:
            msg = f"YAML 格式错误：{_say(problem)}"
        return Loaded(None, {}, msg, line_of(mark.line if mark else None))
    except _Refused as exc:
        return Loaded(None, {}, exc.message, line_of(exc.mark.line if exc.mark else None),
                      fix="减少嵌套层级，直接写出内容")
    except yaml.reader.ReaderError as exc:      # the reader refuses a control character before parsing
        if quiet:
            return None
        line = line_of(text[:exc.position].count("\n")) if isinstance(exc.position, int) else None
        return Loaded(None, {}, f"含有不允许的控制字符 U+{exc.character:04X}（可能是从其他文档复制来的）", line,
                      fix="删除该字符")
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        if quiet:
            return None
        text_of = "嵌套层级过深" if isinstance(exc, RecursionError) else str(exc).split("\n")[0][:200]
        return Loaded(None, {}, f"YAML 格式错误：{_say(text_of)}", None)
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[str, int] = {}
    raw: dict[str, str] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = line_of(key_node.start_mark.line)
            if line is not None:       # (None only for a snippet without lines, which has no keys)
                lines[key] = line
            raw[key] = text[value_node.start_mark.index:value_node.end_mark.index][:200]
    return Loaded(data, lines, raw=raw)


def _bound(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand to more than MAX_NODES nodes."""
    sizes: dict[int, int] = {}      # id(node) -> expanded size; local to this one walk
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_NODES:
                raise _Refused(f"别名（*）展开后的内容过大（超过 {MAX_NODES} 项）", node.start_mark)
            continue
        if key in sizes:
            if sizes[key] < 0:
                raise _Refused("别名（*）引用了自身", node.start_mark)
            continue
        sizes[key] = -1
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes or sizes[id(c)] < 0)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _depth(data: object, node: yaml.Node) -> None:
    """Refuse values nested deeper than MAX_DEPTH (walked without recursion)."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _Refused(f"嵌套层级过深（超过 {MAX_DEPTH} 层）", node.start_mark)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def load_path(path: str | os.PathLike[str], aliases: str = "bounded") -> Loaded:
    """A data file (site.yaml, policy data): UTF-8 (a BOM is tolerated), strict YAML."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        return Loaded(None, {}, f"无法读取文件：{exc.strerror}", None)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Loaded(None, {}, f"文件不是 UTF-8 编码（第 {exc.start} 字节）", None)
    return load(text.replace("\r\n", "\n"), aliases=aliases)
