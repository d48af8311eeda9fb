"""Safe YAML loading that remembers the line of every top-level key."""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml


@dataclass
class Loaded:
    data: object
    lines: dict[str, int] = field(default_factory=dict)  # key -> 1-based line
    error: str | None = None       # Chinese description of a parse failure
    error_line: int | None = None  # 1-based line of the failure


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
}


def _say(problem: str) -> str:
    for key, said in _PROBLEMS.items():
        if problem.startswith(key) or key in problem:
            return f"{said}（{problem}）"
    return problem


def load(text: str, first_line: int = 1) -> Loaded:
    """Parse YAML text with the safe loader; never raises.

    `first_line` is the file line on which `text` starts, so that reported
    lines are lines of the file, not of the snippet.
    """
    fast = _load_fast(text, first_line)
    if fast is not None:
        return fast
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:      # raised by the reader before any parsing
        line = text[:exc.position].count("\n") + first_line
        return Loaded(None, {}, f"含有不允许的控制字符 U+{exc.character:04X}（可能是从其他文档复制来的），请删除", line)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else None
        problem = exc.problem or exc.context or "无法解析"
        if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in str(problem):
            msg = f"使用了不允许的 YAML 标签（{problem.strip()}）"
        else:
            msg = f"YAML 格式错误：{_say(problem.strip())}"
        return Loaded(None, {}, msg, line)
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return Loaded(None, {}, f"YAML 格式错误：{exc}", None)
    except ValueError:      # PyYAML builds 2026-02-30 into a ValueError, not a YAMLError
        bad = _impossible_date(node)
        return Loaded(None, {}, f"日期 {bad.value if bad else ''} 不存在（月份或日子超出范围）",
                      bad.start_mark.line + first_line if bad else None)
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = key_node.start_mark.line + first_line
    return Loaded(data, lines)


def _load_fast(text: str, first_line: int) -> Loaded | None:
    """libyaml, when present, parses ~10x faster; anything it rejects is parsed
    again by the pure-Python loader above, whose messages editors see."""
    if not yaml.__with_libyaml__:
        return None
    try:
        loader = yaml.CSafeLoader(text)
    except yaml.YAMLError:
        return None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except (yaml.YAMLError, ValueError):
        return None
    finally:
        loader.dispose()
    lines = {}
    if isinstance(node, yaml.MappingNode):
        lines = {str(k.value): k.start_mark.line + first_line for k, _ in node.value}
    return Loaded(data, lines)


def _impossible_date(node):
    """The first date scalar under `node` that names no real day."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader("").construct_yaml_timestamp(node)
            except ValueError:
                return node
        return None
    children = node.value if isinstance(node, yaml.SequenceNode) else \
        [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else []
    return next((bad for bad in map(_impossible_date, children) if bad is not None), None)


def load_path(path) -> Loaded:
    try:
        raw = open(path, "rb").read()
    except OSError as exc:
        return Loaded(None, {}, f"无法读取文件：{exc.strerror}", None)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Loaded(None, {}, f"文件不是 UTF-8 编码（第 {exc.start} 字节）", None)
    return load(text)
