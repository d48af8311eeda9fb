"""Sensitive and wrongly used words (错敏词), listed with their severity in
workflow/data/sensitive_words.yaml, matched in the texts the privacy scan
reads (title, fields, body, text attachments), never inside URLs."""
from __future__ import annotations

import re
from pathlib import Path

from workflow.model.findings import ERROR, WARNING, Finding
from workflow.model.schema import Field
from workflow.policy import data
from workflow.rules.privacy import segments

SCHEMA = {"words": Field("词表", kind="list", required=True, example="[{word: 示例, severity: warning}]",
                         item=Field("词条", kind="mapping", fields={
                             "word": Field("词语", required=True, example="截止目前"),
                             "severity": Field("级别", kind="choice", required=True,
                                               choices=(ERROR, WARNING), example="warning"),
                             "fix": Field("修改建议", example="改为“截至目前”"),
                             "note": Field("说明"),
                         }))}


def load(root: Path | None) -> dict[str, dict]:
    """word -> entry (workflow/data/sensitive_words.yaml, or the repository's policy/);
    a broken list stops everything with a ConfigError."""
    found, _ = data.load(root, "sensitive_words.yaml", SCHEMA, "config.sensitive-words")
    return {e["word"]: e for e in found["words"]}


def pattern(words) -> re.Pattern:
    # Longest first, so a longer listed word wins over a word it contains. The lookahead on
    # the words' first characters lets the engine pass over every other character at once.
    first = "".join(sorted({re.escape(w[0]) for w in words if w}))
    alternatives = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    return re.compile(f"(?=[{first}])(?:{alternatives})" if first else alternatives)


def sensitive(item, ctx):
    entries, found = ctx.remember("sensitive-words", lambda: _words(ctx))
    if not entries:
        return
    for seg in segments(item, ctx):
        for m in found.finditer(seg.blank):
            entry = entries[m.group()]
            where = "附件" if seg.field == "attachments" else f"字段 {seg.field}" if seg.field else "正文"
            yield Finding("words.sensitive", entry["severity"], seg.path, seg.line_at(m.start(), m.group()),
                          f"{where}含有敏感或不规范用词“{m.group()}”", seg.field,
                          entry.get("fix") or "删除或改写该词（词表：workflow/data/sensitive_words.yaml）")


def _words(ctx):
    entries = load(ctx.group.root)
    return entries, pattern(entries)
