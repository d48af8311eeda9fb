"""The publishing gate (issue 3): schema, one rule set, signed multi-level approvals."""
import json
import subprocess

import pytest

from tests.repo import forge_approval
from workflow.model import dates, items
from workflow.review import approval


def rules_of(findings, path=None):
    return {f["rule"] for f in findings if path is None or f["path"].endswith(path)}


def approved(group, **kw):
    path = group.item(**kw)
    assert group.approve(path, "zhong.shen")[0] == 0
    return path


def test_approved_item_is_published_and_shows_its_reviewer(group):
    approved(group, slug="yi-tiao-xinxi", title="一条已审核的信息")
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    page = (group.output / "portal/yaowen/yi-tiao-xinxi.html").read_text(encoding="utf-8")
    assert "一条已审核的信息" in page
    assert "审核人：终审人" in page
    assert group.report()["items"][0]["status"] == "published"


def test_item_without_approval_is_refused_and_build_strict_fails(group):
    group.item(slug="wei-shenhe")
    code, out, err = group.build("--strict")
    assert code == 1
    assert "approval.missing" in out
    entry = group.report()["items"][0]
    assert entry["status"] == "refused"
    assert entry["path"] == "content/portal/yaowen/wei-shenhe.md"
    assert {"rule", "severity", "path", "line", "message"} <= set(entry["findings"][0])


@pytest.mark.parametrize("where", ["body", "front matter"])
def test_edit_after_approval_is_refused(group, where):
    path = approved(group, slug="gaidong")
    text = path.read_text(encoding="utf-8")
    text = text.replace("这是正文内容", "这是正文內容") if where == "body" else text.replace("测试信息标题", "测试信息标提")
    path.write_text(text, encoding="utf-8")
    findings = group.check_json(path)
    assert {"approval.stale", "approval.level-missing"} <= rules_of(findings)


def test_approval_copied_from_another_item_is_refused(group):
    first = approved(group, slug="di-yi-tiao")
    second = group.item(slug="di-er-tiao", title="第二条")
    block = first.read_text(encoding="utf-8").split("approvals:")[1].split("\n---")[0]
    text = second.read_text(encoding="utf-8").replace("\n---\n这是", "\napprovals:" + block + "\n---\n这是", 1)
    second.write_text(text, encoding="utf-8")
    assert "approval.stale" in rules_of(group.check_json(second))


def test_signer_missing_from_allowed_signers_is_refused(group):
    path = group.item()
    forge_approval(path, group.root, group.keys["stranger"], "终审", "stranger")
    assert "approval.unknown-signer" in rules_of(group.check_json(path))


def test_key_of_one_reviewer_claimed_as_another_is_refused(group):
    path = group.item()
    forge_approval(path, group.root, group.keys["chu.shen"], "终审", "zhong.shen")
    assert "approval.invalid" in rules_of(group.check_json(path))


def test_signer_allowed_only_for_another_site_is_refused(group):
    path = group.item()
    forge_approval(path, group.root, group.keys["qu.shen"], "终审", "qu.shen")   # a district reviewer
    assert rules_of(group.check_json(path)) >= {"approval.not-authorised", "approval.level-missing"}


def test_signer_allowed_only_for_another_level_is_refused(group):
    path = group.item()
    forge_approval(path, group.root, group.keys["chu.shen"], "终审", "chu.shen")   # holds 初审 only
    assert rules_of(group.check_json(path)) >= {"approval.not-authorised", "approval.level-missing"}


def test_wrong_namespace_is_refused(group):
    path = group.item()
    forge_approval(path, group.root, group.keys["zhong.shen"], "终审", "zhong.shen", namespace="git")
    assert "approval.stale" in rules_of(group.check_json(path))


def test_approver_who_is_the_author_is_refused(group):
    path = group.item(author="zhong.shen")
    code, out, err = group.approve(path, "zhong.shen")
    assert code == 1 and "不得自己审核" in err
    forge_approval(path, group.root, group.keys["zhong.shen"], "终审", "zhong.shen")
    assert "approval.self" in rules_of(group.check_json(path))


def test_one_person_signing_two_levels_is_refused(repo):
    repo.site("portal", reviewers={"qu.shen": {"name": "两级都有", "levels": ["初审", "终审"]},
                                   "zhong.shen": {"name": "终审人", "levels": ["终审"]}})
    path = repo.item(column="zcwj", slug="zhengce")
    assert repo.approve(path, "qu.shen", "初审")[0] == 0
    code, out, err = repo.approve(path, "qu.shen", "终审")
    assert code == 1 and "同一人不得签署两个审核级别" in err
    forge_approval(path, repo.root, repo.keys["qu.shen"], "终审", "qu.shen")
    assert "approval.same-person" in rules_of(repo.check_json(path))


def test_policy_column_with_one_of_two_levels_is_refused_and_with_both_published(group):
    path = group.item(column="zcwj", slug="zhengce-wenjian", title="一份政策文件")
    assert group.approve(path, "zhong.shen", "终审")[0] == 0
    findings = group.check_json(path)
    assert [f["rule"] for f in findings] == ["approval.level-missing"]
    assert "初审" in findings[0]["message"]
    code, out, err = group.approve(path, "chu.shen")          # the next missing level: 初审
    assert code == 0, err
    assert group.check_json(path) == []
    group.build()
    page = (group.output / "portal/zcwj/zhengce-wenjian.html").read_text(encoding="utf-8")
    assert "初审人：初审人" in page and "终审人：终审人" in page


def test_refused_item_title_and_slug_appear_in_no_published_file(group):
    approved(group, slug="gongkai-xinxi", title="公开的信息")
    group.item(slug="mimi-gaojian-xyz", title="未经审核的草稿标题ZQX")
    group.build()
    # every published web root (report.json and the build cache sit beside them, never deployed)
    site_files = [p for site in ("portal", "district") for p in (group.output / site).rglob("*") if p.is_file()]
    assert any(p.name == "gongkai-xinxi.html" for p in site_files)
    for p in site_files:
        data = p.read_bytes()
        assert b"mimi-gaojian-xyz" not in data, p
        assert "未经审核的草稿标题ZQX".encode() not in data, p


def test_crlf_and_lf_versions_of_approved_text_verify_alike(group):
    path = approved(group, slug="huanhang", body="第一段。\n\n第二段。\n")
    lf_findings = group.check_json(path)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert group.check_json(path) == lf_findings == []


def test_confidentiality_pending_or_missing_is_refused(group):
    pending = group.item(slug="daishen", confidentiality="pending")
    group.item(slug="weishen", confidentiality=None)
    findings = group.check_json()
    assert "confidentiality.pending" in rules_of(findings, "daishen.md")
    assert "confidentiality.missing" in rules_of(findings, "weishen.md")
    assert group.approve(pending, "zhong.shen")[0] == 1


@pytest.mark.parametrize("field, value, rule", [
    ("source", None, "source.missing"),
    ("source", "   ", "source.missing"),
    ("author", None, "author.missing"),
    ("title", "", "schema.missing"),
    ("date", "下周一", "schema.type"),
    ("date", "2026-13-45", "schema.type"),
    ("confidentiality", "ok", "schema.type"),
])
def test_missing_empty_or_mistyped_fields_are_errors_naming_field_and_line(group, field, value, rule):
    path = group.item(**{field: value}) if value is not None else group.item(**{field: None})
    findings = [f for f in group.check_json(path) if f["rule"] == rule]
    assert findings and findings[0]["severity"] == "error"
    assert findings[0]["field"] == field
    assert findings[0]["fix"]
    if value is not None:
        line = path.read_text(encoding="utf-8").split("\n").index(
            next(l for l in path.read_text(encoding="utf-8").split("\n") if l.startswith(f"{field}:"))) + 1
        assert findings[0]["line"] == line


@pytest.mark.parametrize("typo, meant", [("aprover", "approvals"), ("sorce", "source"), ("titel", "title")])
def test_unknown_field_is_a_warning_with_a_suggestion(group, typo, meant):
    path = approved(group, **{typo: "某值"})
    findings = group.check_json(path)
    assert [(f["rule"], f["severity"], f["field"]) for f in findings] == [("schema.unknown-field", "warning", typo)]
    assert f"`{meant}`" in findings[0]["fix"]
    code, out, err = group.build("--strict")
    assert code == 0


def test_check_exit_codes_and_json_keys(group):
    good = approved(group, slug="hao")
    assert group.govsite("check", good)[0] == 0
    group.item(slug="huai")
    code, out, _ = group.govsite("check", "--json")
    assert code == 1
    for f in json.loads(out):
        assert {"rule", "severity", "path", "line", "message"} <= set(f)
    assert group.govsite("check", group.root / "content/nowhere.md")[0] == 2
    assert group.govsite("check", "--no-such-option")[0] == 2


def test_approve_refuses_an_item_with_errors_other_than_approvals(group):
    path = group.item(source=None)
    code, out, err = group.approve(path, "zhong.shen")
    assert code == 1 and "source.missing" in err
    assert "approvals" not in path.read_text(encoding="utf-8")


def test_approve_refuses_a_level_the_reviewer_does_not_hold(group):
    path = group.item()
    code, out, err = group.approve(path, "chu.shen", "终审")
    assert code == 1 and "不是本网站“终审”级别的审核人" in err


def test_approve_with_a_key_not_matching_the_reviewer_writes_nothing(group):
    path = group.item()
    before = path.read_bytes()
    code, out, err = group.approve(path, "zhong.shen", key="chu.shen")
    assert code == 1 and "allowed_signers" in err
    assert path.read_bytes() == before


def test_reapproval_after_an_edit_replaces_the_void_signature(group):
    path = approved(group)
    path.write_text(path.read_text(encoding="utf-8").replace("这是正文内容", "这是修改后的正文"), encoding="utf-8")
    code, out, err = group.approve(path, "zhong.shen")
    assert code == 0 and "移除了 1 个已失效的签名" in out
    assert group.check_json(path) == []


def test_in_process_verification_agrees_with_ssh_keygen(group):
    path = approved(group)
    item = items.load(path, group.root)
    entry = item.meta["approvals"][0]
    at = approval.format_time(dates.parse_datetime(entry["at"]))
    sig = group.root / "sig"
    sig.write_text(entry["signature"])
    signers = group.root / "keys/allowed_signers"

    def ssh_keygen_verify(data: bytes) -> bool:
        proc = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(signers), "-I", entry["by"],
                               "-n", approval.NAMESPACE, "-s", str(sig)], input=data, capture_output=True)
        return proc.returncode == 0

    good = approval.payload(item.canonical, entry["level"], entry["by"], at, approval.subject(item.relpath, []))
    bad = good.replace("正文".encode(), "正闻".encode())
    loaded = approval.load_signers(signers)
    for data in (good, bad):
        ours = approval.verify(data, entry["signature"], entry["by"], dates.parse_datetime(at), loaded).ok
        assert ours == ssh_keygen_verify(data)
    assert ssh_keygen_verify(good) and not ssh_keygen_verify(bad)
