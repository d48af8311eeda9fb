"""One bad file refuses one item (issue 14): every way a file can be wrong gives a
finding with file and line, never a traceback, and the rest of the group builds."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.group_setup import published
from workflow.gate.gate import Gate
from workflow.model.sites import load_group
from workflow.review.permissions import State

HEAD = "---\ntitle: 标题\ndate: 2026-11-20 09:30\nsource: 某单位\nauthor: editor.a\nconfidentiality: passed\n"


def alias_bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


# name -> (file text or bytes, rule, line)
CASES = {
    "impossible-date": (HEAD + "formed: 2026-02-30\n---\n正文\n", "schema.type", 7),
    "month-13": (HEAD.replace("2026-11-20 09:30", "2026-13-01") + "---\n正文\n", "schema.type", 3),
    "second-61": (HEAD.replace("09:30", "09:30:61") + "---\n正文\n", "schema.type", 3),
    "offset-overflow": (HEAD.replace("2026-11-20 09:30", "'0001-01-01T00:00:00+14:00'") + "---\n正文\n",
                        "schema.type", 3),
    "far-future-year": (HEAD.replace("2026-11-20", "9999-12-31") + "---\n正文\n", "schema.type", 3),
    "nested-1000": (HEAD + "summary: " + "[" * 1000 + "]" * 1000 + "\n---\n正文\n", "schema.yaml", None),
    "nested-30000": (HEAD + "summary: " + "[" * 30000 + "]" * 30000 + "\n---\n正文\n", "schema.yaml", None),
    "alias-bomb": (HEAD + alias_bomb() + "---\n正文\n", "schema.yaml", 7),
    "word-soft-return": (HEAD + "---\n第一行\n第\x0b二行\n", "text.control-char", 9),
    "form-feed-in-title": (HEAD.replace("title: 标题", "title: 标\x0c题") + "---\n正文\n", "text.control-char", 2),
    "escape-surrogate": (HEAD.replace("title: 标题", 'title: "\\ud800"') + "---\n正文\n", "text.control-char", 2),
    "duplicate-key": (HEAD + "title: 又一个标题\n---\n正文\n", "schema.yaml", 7),
    "unhashable-key": (HEAD + "? [a, b]\n: c\n---\n正文\n", "schema.yaml", 7),
    "python-tag": (HEAD + "x: !!python/object/apply:os.system ['true']\n---\n", "schema.yaml", 7),
    "huge-front-matter": (HEAD + "summary: " + "很长" * 70000 + "\n---\n正文\n", "schema.too-large", 2),
    "nul-in-attachment-name": (HEAD + 'attachments: [{file: "a\\0b.pdf", title: 表}]\n---\n正文\n',
                               "attachment.name", 7),
    "dotdot-attachment": (HEAD + "attachments: [{file: ../../../etc/passwd.pdf, title: 表}]\n---\n正文\n",
                          "attachment.outside", 7),
    "attachment-not-a-mapping": (HEAD + "attachments: [1, [2]]\n---\n正文\n", "schema.type", 7),
    "yes-is-not-a-boolean": (HEAD.replace("confidentiality: passed", "confidentiality: yes") + "---\n正文\n",
                             "schema.type", 6),
    "signature-block-garbage": (HEAD + "approvals:\n  - [\n---\n正文\n", "schema.yaml", 8),
    "two-approvals-blocks": (HEAD + "approvals:\n  - level: 终审\nsummary: x\napprovals: []\n---\n正文\n",
                             "schema.yaml", 10),
    "invalid-utf8": ((HEAD + "---\n").encode() + b"\xff\xfe", "schema.encoding", 8),
    "cr-only-line-ends": (HEAD.replace("\n", "\r") + "---\r正文\r", "approval.missing", None),
}


def decide(repo, path):
    return Gate(load_group(repo.root)).decide(path)


@pytest.mark.parametrize("name", CASES)
def test_each_bad_file_gives_one_finding_with_its_line(group, name):
    data, rule, line = CASES[name]
    path = group.root / "content/portal/yaowen" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    d = decide(group, path)
    assert d.state == State.REFUSED
    found = [f for f in d.findings if f.rule == rule]
    assert found, [f.format() for f in d.findings]
    assert found[0].line == line, found[0].format()
    assert found[0].message and found[0].fix
    assert all(len(f.message) < 400 for f in d.findings)           # nothing unbounded is repeated back
    assert not any(f.rule == "internal.error" for f in d.findings), [f.format() for f in d.findings]


def test_all_of_them_at_once_refuse_only_themselves(group):
    good = published(group, group.item(slug="zhengchang"))
    folder = good.parent
    for name, (data, _, _) in CASES.items():
        (folder / f"{name}.md").write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    os.mkfifo(folder / "fifo.pdf")                 # a FIFO where an attachment is expected: never opened
    (folder / "fifo.md").write_text(HEAD + "attachments: [{file: fifo.pdf, title: 表}]\n---\n正文\n", encoding="utf-8")
    code, out, err = group.govsite("check")
    assert code == 1 and "Traceback" not in out + err
    code, out, err = group.build()
    assert code == 0 and "Traceback" not in out + err, out + err
    assert (group.output / "portal/yaowen/zhengchang.html").is_file()
    statuses = {e["path"].rsplit("/", 1)[1]: e["status"] for e in group.report()["items"]}
    assert statuses.pop("zhengchang.md") == "published"
    assert set(statuses.values()) == {"refused"}


def test_a_site_yaml_alias_bomb_is_bounded(group):
    (group.root / "content/district/site.yaml").write_text(alias_bomb() + "name: x\n", encoding="utf-8")
    code, out, err = group.build()
    assert code == 2 and "别名" in err and "content/district/site.yaml" in err


def test_a_duplicate_key_in_site_yaml_stops_the_build_naming_it(group):
    path = group.root / "content/district/site.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "name: 重复的名称\n", encoding="utf-8")
    code, out, err = group.build()
    assert code == 2 and "写了两次" in err


@settings(max_examples=int(os.environ.get("GOVSITE_EXAMPLES", 300)))
@given(data=st.one_of(st.binary(max_size=400),
                      st.text(max_size=300).map(lambda t: HEAD + t),
                      st.text(max_size=300).map(lambda t: HEAD + "---\n" + t),
                      st.text(alphabet=st.sampled_from(list("-:[]{}&*!|>'\"#\n \t\u2028\x0bxy0")), max_size=200)
                      .map(lambda t: "---\n" + t + "\n---\n")))
def test_no_file_makes_the_gate_raise(group, data):
    path = group.root / "content/portal/yaowen/fuzz.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    d = decide(group, path)                     # never raises
    assert not any(f.rule == "internal.error" for f in d.findings), [f.format() for f in d.findings]
    for f in d.findings:
        assert f.path == "content/portal/yaowen/fuzz.md" and f.message


def test_a_data_file_of_too_many_nodes_is_refused_with_or_without_aliases():
    from workflow.model import yamlio

    many = "".join(f"- {n}\n" for n in range(yamlio.MAX_NODES + 10))      # no alias, too many nodes
    assert "别名" in (yamlio.load(many, aliases="bounded").error or "")
    assert yamlio.load(many[:4000], aliases="bounded").error is None
    assert "别名" in (yamlio.load("[" + "?," * (yamlio.MAX_NODES // 2) + "]", aliases="bounded").error or "")
    assert "别名" in (yamlio.load(alias_bomb(), aliases="bounded").error or "")


def _nodes(node) -> int:
    import yaml
    if isinstance(node, yaml.SequenceNode):
        return 1 + sum(_nodes(n) for n in node.value)
    if isinstance(node, yaml.MappingNode):
        return 1 + sum(_nodes(k) + _nodes(v) for k, v in node.value)
    return 1


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="?-:[]{},\n a'\"#|>", max_size=60))
def test_without_an_alias_a_document_has_at_most_three_nodes_a_character(text):
    """Why the bounded loader walks only documents with a * or of MAX_NODES / 3 characters
    ("?" alone is a mapping of two empty nodes)."""
    import yaml
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return
    assert node is None or _nodes(node) <= 3 * len(text)
