"""One rule set at three stages (issue 16, point 1) and the whole change checked (point 4)."""

import pytest

from workflow.model.sites import load_group
from workflow.review import changes

EDITOR = ("编辑甲", "editor.a@test-city.gov.cn")


def check(group, *args):
    return group.govsite("check", *args)


def test_a_pending_item_passes_at_commit_fails_in_a_pull_request_and_in_the_build(group):
    path = group.item(slug="dai-shenhe")
    results = {stage: check(group, "--stage", stage, path) for stage in ("commit", "pr", "build")}
    assert [results[s][0] for s in ("commit", "pr", "build")] == [0, 1, 1]
    for _, out, _ in results.values():
        assert "approval.missing" in out and "信息未经审核（需要：终审）" in out     # the same finding everywhere
        assert "content/portal/yaowen/dai-shenhe.md: 待审核，还需要 “终审”（可审核：zhong.shen（终审人））" in out
    assert "待审核 approval.missing" in results["commit"][1]
    assert "错误 approval.missing" in results["pr"][1] and "错误 approval.missing" in results["build"][1]


def test_reviewers_who_may_not_sign_are_not_offered(group):
    group.site("portal", reviewers={"chu.shen": {"name": "初审人", "levels": ["初审"]},
                                    "zhong.shen": {"name": "终审人", "levels": ["终审"]},
                                    "qu.shen": {"name": "区审核人", "levels": ["终审"]}})
    path = group.item(slug="zi-ji", author="qu.shen")            # qu.shen wrote it: may not approve it
    _, out, _ = check(group, "--stage", "commit", path)
    assert "“终审”（可审核：zhong.shen（终审人））" in out
    zcwj = group.item(column="zcwj", slug="wen-jian")
    assert group.approve(zcwj, "chu.shen", "初审")[0] == 0
    _, out, _ = check(group, "--stage", "commit", zcwj)
    assert "还需要 “终审”（可审核：zhong.shen（终审人）、qu.shen（区审核人））" in out and "“初审”" not in out


@pytest.mark.parametrize("problem, rule", [
    ({"confidentiality": "pending"}, "confidentiality.pending"),
    ({"source": None}, "source.missing"),
    ({"body": "联系人手机：13877112345\n"}, "privacy.mobile"),
])
def test_any_other_problem_refuses_at_every_stage(group, problem, rule):
    problem = dict(problem)
    body = problem.pop("body", "这是正文内容。\n")
    path = group.item(slug="you-wenti", body=body, **problem)
    for stage in ("commit", "pr", "build"):
        code, out, _ = check(group, "--stage", stage, path)
        assert code == 1 and rule in out, stage


def test_an_approval_voided_by_an_edit_is_pending_at_commit(group):
    path = group.item(slug="gai-guo")
    assert group.approve(path, "zhong.shen")[0] == 0
    path.write_text(path.read_text(encoding="utf-8").replace("这是正文内容", "这是正文內容"), encoding="utf-8")
    code, out, _ = check(group, "--stage", "commit", path)
    assert code == 0 and "待审核 approval.stale" in out and "“终审”（可审核：zhong.shen" in out
    assert check(group, "--stage", "pr", path)[0] == 1


def test_a_forged_approval_by_someone_else_still_refuses_at_commit(group):
    from tests.repo import forge_approval

    path = group.item(slug="wei-zao")
    forge_approval(path, group.root, group.keys["chu.shen"], "终审", "chu.shen")     # holds 初审 only
    code, out, _ = check(group, "--stage", "commit", path)
    assert code == 1 and "approval.not-authorised" in out


def test_placeholders_left_by_govsite_new_are_errors(group):
    path = group.item(slug="zhan-wei", title="关于（待填写）的通知", body="前言。\n\n（在此填写正文）\n")
    found = {(f["rule"], f["line"]) for f in group.check_json(path)}
    lines = path.read_text(encoding="utf-8").splitlines()
    body_line = lines.index("（在此填写正文）") + 1
    assert ("placeholder.body", body_line) in found
    assert ("placeholder.field", lines.index("title: 关于（待填写）的通知") + 1) in found
    assert group.approve(path, "zhong.shen")[0] != 0           # and it cannot be approved


# -- --base: every item the changed files affect ------------------------------------------------

@pytest.fixture
def based(group):
    """A group in Git with three approved items (two in yaowen, one in tzgg) and an attachment."""
    a = group.item(slug="a-tiao")
    b = group.item(slug="b-tiao")
    c = group.item(column="tzgg", slug="c-tiao", attachments=[{"file": "c.pdf", "title": "附件"}])
    (c.parent / "c.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 3000)
    for p in (a, b, c):
        assert group.approve(p, "zhong.shen")[0] == 0
    group.commit("base", author=EDITOR, date="2026-11-01T09:00:00+08:00")
    return group, a, b, c


def affected(group, base="HEAD"):
    found = changes.affected(load_group(group.root), changes.changed_files(group.root, base))
    return "all" if found.everything else sorted(p.name for p in found.items)


@pytest.mark.parametrize("change, expected", [
    (lambda g, a, b, c: a.write_text(a.read_text(encoding="utf-8") + "补充。\n", encoding="utf-8"), ["a-tiao.md"]),
    (lambda g, a, b, c: (c.parent / "c.pdf").write_bytes(b"%PDF-1.4\n" + b"1" * 3000), ["c-tiao.md"]),
    (lambda g, a, b, c: (g.root / "content/portal/site.yaml").write_text(
        (g.root / "content/portal/site.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"), "all"),
    (lambda g, a, b, c: (g.root / "keys/allowed_signers").write_text("", encoding="utf-8"), "all"),
    (lambda g, a, b, c: (g.root / "themes/govsite/templates/base.html").write_text("x", encoding="utf-8"), "all"),
    (lambda g, a, b, c: (g.root / "policy").mkdir() or (g.root / "policy/attachments.yaml").write_text(
        "max_mb: 1\n", encoding="utf-8"), []),              # untracked: not part of the change yet
    (lambda g, a, b, c: b.unlink(), "all"),                   # links to it may break
    (lambda g, a, b, c: (g.root / "README.md").write_text("说明\n", encoding="utf-8"), []),
])
def test_base_finds_every_item_a_change_affects(based, change, expected):
    group, a, b, c = based
    change(group, a, b, c)
    group.git("add", "-A")
    if (group.root / "policy").exists():
        group.git("reset", "-q", "policy")
    assert affected(group) == expected


def test_a_pull_request_that_only_changes_allowed_signers_rechecks_every_item(based):
    group, a, b, c = based
    group.git("checkout", "-q", "-b", "keys")
    group.write_signers(["chu.shen", "qu.shen"])               # zhong.shen's key removed
    group.commit("remove a key", author=EDITOR)
    code, out, err = check(group, "--base", "main")
    assert code == 1 and "检查 3 条信息" in out
    assert out.count("approval.unknown-signer") == 3


def test_base_with_no_item_affected_says_so(based):
    group = based[0]
    (group.root / "README.md").write_text("说明\n", encoding="utf-8")
    group.commit("docs", author=EDITOR)
    code, out, _ = check(group, "--base", "HEAD~1")
    assert code == 0 and "不涉及任何信息" in out


def test_first_commit_checks_everything_at_commit_stage(group):
    group.item(slug="di-yi")
    group.git("init", "-q", "-b", "main")
    code, out, err = check(group, "--stage", "commit", "--base", "HEAD")
    assert code == 0 and "第一次提交" in err and "检查 1 条信息" in out


def test_an_unknown_base_is_a_usage_error(based):
    code, out, err = check(based[0], "--base", "origin/nowhere")
    assert code == 2 and "找不到 Git 引用“origin/nowhere”" in err
