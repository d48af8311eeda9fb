"""Sensitive and wrongly used words (错敏词), listed with their severity in
workflow/data/sensitive_words.yaml, matched in the texts the privacy scan
reads (title, fields, body, text attachments), never inside URLs."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from workflow.model import yamlio
from workflow.model.findings import ERROR, WARNING, ConfigError, Finding
from workflow.model.schema import Context, Field, validate
from workflow.rules.privacy import segments
from workflow import DATA

WORDS = DATA / "sensitive_words.yaml"

SCHEMA = {"words": Field("词表", kind="list", required=True, example="[{word: 示例, severity: warning}]",
                         item=Field("词条", kind="mapping", fields={
                             "word": Field("词语", required=True, example="截止目前"),
                             "severity": Field("级别", kind="choice", required=True,
                                               choices=(ERROR, WARNING), example="warning"),
                             "fix": Field("修改建议", example="改为“截至目前”"),
                             "note": Field("说明"),
                         }))}


def load(path: Path = WORDS) -> dict[str, dict]:
    """word -> entry; a broken list stops everything with a ConfigError."""
    return _load(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int) -> dict[str, dict]:
    loaded = yamlio.load_path(path)
    rel = "workflow/data/sensitive_words.yaml"
    if loaded.error:
        raise ConfigError([Finding("config.sensitive-words", ERROR, rel, loaded.error_line, loaded.error,
                                   None, "按文件开头的说明修正格式")])
    ctx = Context(rel, "config.sensitive-words", loaded.lines, warn_unknown=False)
    data = validate(loaded.data if isinstance(loaded.data, dict) else {}, SCHEMA, ctx)
    if ctx.findings:
        raise ConfigError(ctx.findings)
    return {e["word"]: e for e in data["words"]}


@lru_cache(maxsize=4)
def _pattern(words: tuple[str, ...]) -> re.Pattern:
    # Longest first, so a longer listed word wins over a word it contains.
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


def sensitive(item, ctx):
    entries = load()
    if not entries:
        return
    pattern = _pattern(tuple(entries))
    for seg in segments(item, ctx):
        for m in pattern.finditer(seg.blank):
            entry = entries[m.group()]
            where = "附件" if seg.field == "attachments" else f"字段 {seg.field}" if seg.field else "正文"
            yield Finding("words.sensitive", entry["severity"], seg.path, seg.line_at(m.start(), m.group()),
                          f"{where}含有敏感或不规范用词“{m.group()}”", seg.field,
                          entry.get("fix") or "删除或改写该词（词表：workflow/data/sensitive_words.yaml）")


ORDER = 40
RULES = [sensitive]
