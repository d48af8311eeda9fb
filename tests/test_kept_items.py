"""What a build keeps of every item (issue 19: memory at 100,000 items): a kept
decision holds the item's converted fields, not its bytes, text or front matter;
restoring it from the same bytes gives exactly the item a fresh load gives, and
reading a kept item's front matter is an error, never an empty answer."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.repo import copy_demo
from workflow.gate.gate import Gate
from workflow.gate.store import is_slim, slim
from workflow.model import items
from workflow.model.items import NotKept
from workflow.model.sites import load_group


def kept_and_restored(gate: Gate, path: Path):
    whole = gate.decide(path)
    kept = slim(whole)
    return whole, kept, items.restore(pickle.loads(pickle.dumps(kept)).item, path.read_bytes())


def test_every_demo_item_restores_to_what_a_fresh_load_gives(tmp_path):
    root = copy_demo(tmp_path / "demo")
    gate = Gate(load_group(root))
    paths = sorted((root / "content").rglob("*.md"))
    assert len(paths) > 20
    signed = 0
    for path in paths:
        whole, kept, restored = kept_and_restored(gate, path)
        if whole.item.meta is None:          # unreadable: kept whole, nothing to parse again
            assert kept is whole
            continue
        assert is_slim(kept) and kept.item.raw == b"" and isinstance(kept.item.meta, NotKept)
        assert kept.item.lines == {} and kept.item.raw_values == {} and kept.item.signed_spans == {}
        assert kept.item.fields.keys() == whole.item.fields.keys()
        for key in items.SIGNED_KEYS:          # the long signature texts are front matter too
            if key in whole.item.fields:
                signed += 1
                assert isinstance(kept.item.fields[key], NotKept)
        assert restored == whole.item, path
    assert signed > 20


HOSTILE = {
    "crlf": "---\r\ntitle: 标题\r\ndate: 2026-11-20 09:30\r\n---\r\n正文\r\n",
    "line separator in a value": "---\ntitle: \"标\u2028题\"\ndate: 2026-11-20 09:30\n---\n正文\u2029第二段\n",
    "approvals block with comments": ("---\ntitle: 标题\napprovals:\n  # 审核\n  - level: 终审\n    by: a\n"
                                      "    at: '2026-11-20T10:00:00+08:00'\n    signature: x\n"
                                      "date: 2026-11-20 09:30\n---\n正文\n"),
    "withdrawal block": ("---\ntitle: 标题\ndate: 2026-11-20 09:30\nwithdrawal:\n  mode: notice\n"
                         "  reason: 过期\n---\n正文\n"),
    "a second fence in the body": "---\ntitle: 标题\ndate: 2026-11-20 09:30\n---\n正文\n---\ntitle: 假\n---\n",
    "body starts at once": "---\ntitle: 标题\n...\n# 标题二\n",
    "trailing blanks and tabs": "---   \ntitle:\t标题  \ndate: 2026-11-20 09:30\n---\t\n\n\n正文  \n",
    "empty body": "---\ntitle: 标题\n---\n",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_tricky_item_restores_whole(tmp_path, text):
    path = tmp_path / "content" / "portal" / "yaowen" / "x.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode("utf-8"))
    whole = items.load(path, tmp_path)
    assert whole.meta is not None
    kept = slim_item(whole)
    assert items.restore(kept, path.read_bytes()) == whole


def slim_item(item: items.Item) -> items.Item:
    from workflow.gate.gate import Decision
    from workflow.review.permissions import State

    return slim(Decision(item, State.PUBLISHED)).item


@settings(max_examples=150, deadline=None)
@given(title=st.text(min_size=1, max_size=40), body=st.text(max_size=200),
       crlf=st.booleans(), block=st.booleans())
def test_any_front_matter_restores_whole(tmp_path_factory, title, body, crlf, block):
    root = tmp_path_factory.mktemp("kept")
    path = root / "content" / "portal" / "yaowen" / "x.md"
    path.parent.mkdir(parents=True)
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = f"---\ntitle: {quoted}\n" + ("approvals:\n  - level: 终审\n" if block else "") + f"---\n{body}"
    raw = (text.replace("\n", "\r\n") if crlf else text).encode("utf-8", "surrogatepass")
    path.write_bytes(raw)
    whole = items.load(path, root)
    if whole.meta is None:                  # refused at load (a control character, bad YAML): kept whole
        assert slim_item(whole) is whole
        return
    assert items.restore(slim_item(whole), raw) == whole


def test_reading_a_kept_items_front_matter_is_an_error():
    kept = NotKept()
    assert kept is not None and bool(kept) and (kept or {}) is kept     # still "parsed"
    for read in (lambda: kept.get("title"), lambda: kept["title"], lambda: "title" in kept,
                 lambda: list(kept), lambda: len(kept), lambda: dict(kept), lambda: kept.items()):
        with pytest.raises(RuntimeError, match="restore"):
            read()
    assert isinstance(pickle.loads(pickle.dumps(kept)), NotKept)


def test_a_site_restores_bytes_only_and_whoever_asks_gets_the_front_matter_again(tmp_path):
    """A site's build restores its items' bytes, text and canonical bytes only (what its
    pages are made of); their front matter stays not kept, and a later decide() without
    `front_matter=False` parses it again."""
    root = copy_demo(tmp_path / "demo")
    whole_gate = Gate(load_group(root))
    path = sorted((root / "content").rglob("*.md"))[0]
    whole = whole_gate.decide(path)
    gate = Gate(load_group(root))
    gate._decided[str(path)] = slim(whole)                     # as a build's site worker finds it
    pages = gate.decide(path, front_matter=False).item
    for name in ("raw", "text", "body", "canonical", "signed_spans", "digest", "fields", "links"):
        if name == "fields":
            assert pages.fields.keys() == whole.item.fields.keys()
            continue
        assert getattr(pages, name) == getattr(whole.item, name), name
    with pytest.raises(RuntimeError):
        pages.meta.get("title")
    with pytest.raises(RuntimeError):
        pages.line_of("title")
    assert gate.decide(path).item == whole.item                # asked whole: parsed again


def test_a_manifest_names_when_each_counted_approval_was_signed(demo_output, demo_root):
    import json

    from workflow.model import dates
    from workflow.review import approval

    counted = 0
    for manifest in sorted((demo_output / ".manifests").glob("*.json")):
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["items"]:
            item = items.load(demo_root / entry["path"], demo_root)
            written = {(e["level"], e["by"]): approval.format_time(dates.parse_datetime(e["at"]))
                       for e in item.meta["approvals"]}
            for a in entry["approvals"]:
                assert a["at"] == written[(a["level"], a["by"])], entry["path"]
                counted += 1
    assert counted > 20
