"""Bad input is refused item by item, with a clear finding; the rest still builds."""
import pytest

GOOD_HEAD = "---\ntitle: 标题\ndate: 2026-11-20 09:30\nsource: 某单位\nauthor: editor.a\nconfidentiality: passed\n"

BAD = {
    "broken-yaml": ((GOOD_HEAD + "summary: [未闭合\n---\n正文\n").encode(), "schema.yaml", 7),
    "no-front-matter": ("只有正文，没有 front matter。\n".encode(), "schema.front-matter", 1),
    "unterminated": ((GOOD_HEAD + "正文但没有结束标记\n").encode(), "schema.front-matter", 1),
    "not-utf8": ((GOOD_HEAD + "---\n").encode() + "正文".encode("gbk"), "schema.encoding", 8),
    "bom": (b"\xef\xbb\xbf" + (GOOD_HEAD + "---\n正文\n").encode(), "schema.bom", 1),
    "empty": (b"", "schema.empty", 1),
    "list-front-matter": ("---\n- title\n- date\n---\n正文\n".encode(), "schema.front-matter", 2),
    "python-tag": ((GOOD_HEAD + "x: !!python/object/apply:os.system ['touch /tmp/pwned-govsite']\n---\n").encode(),
                   "schema.yaml", 7),
    "control-character": ((GOOD_HEAD + "summary: 摘要\x1f\n---\n正文\n").encode(), "text.control-char", 7),
    "impossible-date": ((GOOD_HEAD + "formed: 2026-02-30\n---\n正文\n").encode(), "schema.type", 7),
    "huge": ((GOOD_HEAD + "---\n").encode() + "很长的正文。".encode() * (50 * 1024 * 1024 // 18), "schema.too-large",
             None),
}


def snapshot(root):
    return {p.relative_to(root): p.stat().st_mtime_ns for p in root.rglob("*")
            if p.is_file() and p.relative_to(root).parts[0] != "output"}


def test_each_bad_file_is_refused_with_a_clear_finding_and_the_rest_builds(group):
    good = group.item(slug="zhengchang")
    assert group.approve(good, "zhong.shen")[0] == 0
    folder = good.parent
    for name, (data, _, _) in BAD.items():
        (folder / f"{name}.md").write_bytes(data)
    before = snapshot(group.root)
    code, out, err = group.build()
    assert code == 0, err
    assert (group.output / "portal/yaowen/zhengchang.html").is_file()
    assert snapshot(group.root) == before            # nothing outside output/ written
    by_path = {e["path"]: e for e in group.report()["items"]}
    for name, (_, rule, line) in BAD.items():
        entry = by_path[f"content/portal/yaowen/{name}.md"]
        assert entry["status"] == "refused", name
        finding = entry["findings"][0]
        assert finding["rule"] == rule, (name, finding)
        assert finding["line"] == line, (name, finding)
        assert finding["message"] and finding["fix"], name
        assert not (group.output / f"portal/yaowen/{name}.html").exists()


def test_yaml_tags_are_never_executed(group):
    import pathlib
    marker = pathlib.Path("/tmp/pwned-govsite")
    marker.unlink(missing_ok=True)
    (group.root / "content/portal/yaowen").mkdir(parents=True)
    (group.root / "content/portal/yaowen/tag.md").write_bytes(BAD["python-tag"][0])
    findings = group.check_json()
    assert findings[0]["rule"] == "schema.yaml" and "标签" in findings[0]["message"]
    assert not marker.exists()


@pytest.mark.parametrize("text, field", [
    ("name: [未闭合\n", None),
    ("name: 某网站\n", "type"),
])
def test_invalid_site_yaml_stops_the_build_before_anything_is_written(group, text, field):
    (group.root / "content/district/site.yaml").write_text(text, encoding="utf-8")
    code, out, err = group.build()
    assert code == 2
    assert "content/district/site.yaml" in err
    if field:
        assert f"［{field}］" in err and "修改方法" in err
    assert not group.output.exists()
