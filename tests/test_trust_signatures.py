"""What an approval covers, attacked (issue 14): the signed text decided by lines
alone, the item's place and files, withdrawals that stay withdrawn, and who
signed when, judged against Git history."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.repo import forge_approval
from workflow.gate.gate import Gate
from workflow.model import dates, items
from workflow.model.sites import load_group
from workflow.review.permissions import State

EDITOR = ("编辑甲", "editor.a@test-city.gov.cn")
REVIEWER = ("终审人", "zhong.shen@test-city.gov.cn")


def decide(repo, path):
    return Gate(load_group(repo.root)).decide(path)


def rules(decision) -> set[str]:
    return {f.rule for f in decision.findings}


def approved(repo, **kw):
    path = repo.item(**kw)
    code, out, err = repo.approve(path, "zhong.shen")
    assert code == 0, out + err
    return path


# --- the canonical text -----------------------------------------------------------

def test_the_line_separator_forgery_of_issue_14_is_refused(group):
    path = approved(group, slug="weizao", title="原标题", body="原正文。\n")
    text = path.read_text(encoding="utf-8")
    head, body = text.rsplit("\n---\n", 1)
    # Line separators hidden in a comment inside the approvals block, then a later
    # duplicate title, a new front-matter end and a body that comments out the rest.
    forged = (head + "\n  # \u2028\u2028\u2028\u2029\u0085\n" + "title: 伪造标题\n---\n伪造正文<!--\n---\n" + body)
    path.write_text(forged, encoding="utf-8")
    d = decide(group, path)
    assert d.state == State.REFUSED
    code, out, err = group.build()
    assert not (group.output / "portal/yaowen/weizao.html").exists()
    assert "伪造" not in "".join(p.read_text(encoding="utf-8") for p in group.output.rglob("*.html"))


def test_lines_hidden_inside_the_approvals_block_never_reach_the_page(group):
    path = approved(group, slug="cangni", title="原标题")
    text = path.read_text(encoding="utf-8")
    # Indented lines belong to the block: they are not signed, and not shown either.
    text = text.replace("    signature: |", "  title: 伪造标题\n    signature: |", 1)
    path.write_text(text, encoding="utf-8")
    d = decide(group, path)
    if d.published:
        assert d.item.fields["title"] == "原标题"
    assert "伪造" not in str(d.item.fields.get("title"))


def test_an_honest_approval_of_a_title_with_a_line_separator_verifies(group):
    path = approved(group, slug="fenge", title="第一行\u2028第二行")
    d = decide(group, path)
    assert d.published, [f.format() for f in d.findings]


def test_a_key_written_twice_is_a_schema_error(group):
    path = group.item(slug="chongfu")
    path.write_text(path.read_text(encoding="utf-8").replace("source:", "title: 第二个标题\nsource:", 1),
                    encoding="utf-8")
    d = decide(group, path)
    (finding,) = [f for f in d.findings if f.rule == "schema.yaml"]
    assert "写了两次" in finding.message and finding.line == 4 and "删除多余" in finding.fix


def test_a_quoted_approvals_key_is_not_a_signature_block(group):
    path = approved(group, slug="yinhao")
    text = path.read_text(encoding="utf-8").replace("\napprovals:", '\n"approvals":', 1)
    path.write_text(text, encoding="utf-8")
    assert "schema.signature-block" in rules(decide(group, path)) or not decide(group, path).published


def test_anchors_and_aliases_are_refused_in_items(group):
    path = group.item(slug="bieming", summary="摘要")
    path.write_text(path.read_text(encoding="utf-8").replace("summary: 摘要", "summary: &s 摘要\ntags: [*s]"),
                    encoding="utf-8")
    (finding,) = [f for f in decide(group, path).findings if f.rule == "schema.yaml"]
    assert "锚点" in finding.message


# --- what else an approval covers ---------------------------------------------------

def test_a_copy_in_another_column_or_slug_is_not_approved(group):
    path = approved(group, slug="yuanwen")
    for column, slug in (("tzgg", "yuanwen"), ("yaowen", "fuben")):
        copy = group.root / "content/portal" / column / f"{slug}.md"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)
        d = decide(group, copy)
        assert not d.published
        (finding,) = [f for f in d.findings if f.rule == "approval.stale"]
        assert "审核时信息位于 content/portal/yaowen/yuanwen.md" in finding.message
        copy.unlink()
    assert decide(group, path).published


def test_a_replaced_attachment_voids_the_approval_and_says_which(group):
    folder = group.root / "content/portal/yaowen"
    folder.mkdir(parents=True)
    (folder / "biao.pdf").write_bytes(b"%PDF-1.4 original")
    path = approved(group, slug="fujian", attachments=[{"file": "biao.pdf", "title": "申请表"}])
    assert decide(group, path).published
    (folder / "biao.pdf").write_bytes(b"%PDF-1.4 swapped!")
    d = decide(group, path)
    assert not d.published
    assert any("附件 biao.pdf 审核后被替换" in f.message for f in d.findings)


def test_an_attachment_added_after_approval_voids_it(group):
    folder = group.root / "content/portal/yaowen"
    folder.mkdir(parents=True)
    path = approved(group, slug="houjia")
    (folder / "b.pdf").write_bytes(b"%PDF-1.4")
    text = path.read_text(encoding="utf-8").replace("approvals:", "attachments:\n- {file: b.pdf, title: 表}\napprovals:")
    path.write_text(text, encoding="utf-8")
    assert not decide(group, path).published


@pytest.mark.parametrize("entry", [
    {"level": "终审"},                                            # no signer, no time, no signature
    {"level": "终审", "at": "2026-11-21T10:00:00+08:00"},         # no signer
    {"level": ["终审"], "by": "zhong.shen"},                       # a list where a level goes
    {"level": {"终审": 1}, "by": "zhong.shen", "at": "x"},          # a mapping where a level goes
])
def test_approve_drops_a_hand_written_entry_that_does_not_count(group, entry):
    path = group.item(slug="shouxie", approvals=[entry])
    code, out, err = group.approve(path, "zhong.shen")
    assert code == 0, out + err
    entries = items.load(path, group.root).meta["approvals"]
    assert [(e["level"], e["by"]) for e in entries] == [("终审", "zhong.shen")]
    assert decide(group, path).published


# --- withdrawals stay withdrawn -----------------------------------------------------

def _withdraw(group, path):
    code, out, err = group.govsite("withdraw", path, "--reason", "经复查已过时", "--as", "zhong.shen",
                                   "--key", group.keys["zhong.shen"])
    assert code == 0, out + err


def _without_withdrawal(path):
    item = items.load(path, path.parents[3])
    from workflow.review import approval
    path.write_text(approval.replace_block(item, "withdrawal", []), encoding="utf-8")


def test_deleting_a_committed_withdrawal_does_not_republish(group):
    path = group.item(slug="chehui")
    now = dates.now()
    group.commit("新增", author=EDITOR, date=(now - dt.timedelta(hours=2)).isoformat())
    forge_approval(path, group.root, group.keys["zhong.shen"], "终审", "zhong.shen",
                   at=(now - dt.timedelta(hours=1)).isoformat(timespec="seconds"))
    group.commit("审核", author=REVIEWER, date=(now - dt.timedelta(hours=1)).isoformat())
    assert decide(group, path).published
    _withdraw(group, path)
    group.commit("撤除", author=REVIEWER)
    assert decide(group, path).state == State.WITHDRAWN
    _without_withdrawal(path)
    group.commit("删除撤除块", author=EDITOR)
    d = decide(group, path)
    assert d.state == State.REFUSED and "withdrawal.removed" in rules(d)
    # A new approval, dated after the withdrawal, republishes it.
    code, out, err = group.approve(path, "zhong.shen")
    assert code == 0, out + err
    group.commit("重新审核", author=REVIEWER)
    d = decide(group, path)
    assert d.published, [f.format() for f in d.findings]


def test_check_base_compares_with_the_branch_a_pull_request_goes_into(group):
    path = group.item(slug="chehui2")
    earlier = (dates.now() - dt.timedelta(hours=2)).isoformat(timespec="seconds")
    group.commit("新增", author=EDITOR, date=earlier)
    forge_approval(path, group.root, group.keys["zhong.shen"], "终审", "zhong.shen",
                   at=(dates.now() - dt.timedelta(hours=1)).isoformat(timespec="seconds"))
    _withdraw(group, path)
    group.commit("审核并撤除", author=REVIEWER)
    group.git("branch", "base")
    # A history without the withdrawal (a squashed branch), but the base still has it.
    group.git("checkout", "-q", "--orphan", "pr")
    _without_withdrawal(path)
    group.commit("重写历史", author=EDITOR, date=earlier)
    assert group.govsite("check", path)[0] == 0      # this history alone does not know
    code, out, err = group.govsite("check", path, "--base", "base")
    assert code == 1 and "withdrawal.removed" in out and "基准分支 base" in out
    code, out, err = group.govsite("check", path, "--base", "no-such-branch")
    assert code == 2 and "no-such-branch" in err


# --- who and when -------------------------------------------------------------------

def test_a_reviewer_who_edited_the_text_in_git_may_not_approve_it(group):
    path = group.item(slug="zishen", author="editor.a")   # the front matter names the editor
    group.commit("新增", author=EDITOR)
    path.write_text(path.read_text(encoding="utf-8").replace("这是正文内容", "这是终审人改过的正文"), encoding="utf-8")
    group.commit("修改正文", author=REVIEWER)
    code, out, err = group.approve(path, "zhong.shen")
    assert code == 1 and "修改过本信息正文" in err
    forge_approval(path, group.root, group.keys["zhong.shen"], "终审", "zhong.shen",
                   at="2030-01-01T10:00:00+08:00")
    d = decide(group, path)
    assert not d.published and "approval.self" in rules(d)


def test_an_approval_commit_by_the_reviewer_is_not_an_edit(group):
    path = group.item(slug="qianshu")
    group.commit("新增", author=EDITOR)
    assert group.approve(path, "zhong.shen")[0] == 0
    group.commit("审核", author=REVIEWER)
    assert decide(group, path).published


def test_an_approval_dated_in_the_future_is_refused(group):
    path = group.item(slug="weilai")
    forge_approval(path, group.root, group.keys["zhong.shen"], "终审", "zhong.shen", at="2030-01-01T10:00:00+08:00")
    d = decide(group, path)
    assert not d.published and "approval.future" in rules(d)
    assert d.volatile      # never remembered: tomorrow it may be in the past


def test_an_approval_dated_before_the_last_change_of_the_text_is_refused(group):
    path = group.item(slug="daoqian")
    group.commit("新增", author=EDITOR, date="2026-11-25T10:00:00+08:00")
    forge_approval(path, group.root, group.keys["zhong.shen"], "终审", "zhong.shen", at="2026-11-20T10:00:00+08:00")
    group.commit("审核", author=REVIEWER, date="2026-11-25T11:00:00+08:00")
    d = decide(group, path)
    assert not d.published and "approval.before-change" in rules(d)


def test_a_closed_key_cannot_sign_by_backdating(group):
    """valid-before closes a departed reviewer's key; signing later with an earlier
    `at` fails against the time the text last changed."""
    signers = group.root / "keys/allowed_signers"
    lines = signers.read_text().splitlines()
    signers.write_text("\n".join(l.replace('namespaces=', 'valid-before="20261122",namespaces=')
                                 if l.startswith("zhong.shen") else l for l in lines) + "\n")
    path = group.item(slug="tingyong")
    group.commit("新增", author=EDITOR, date="2026-11-23T09:00:00+08:00")
    forge_approval(path, group.root, group.keys["zhong.shen"], "终审", "zhong.shen", at="2026-11-21T10:00:00+08:00")
    d = decide(group, path)
    assert not d.published
    assert rules(d) & {"approval.before-change", "approval.stale"}


def test_a_key_closed_after_an_honest_approval_keeps_the_archive_valid(group):
    path = group.item(slug="guidang")
    group.commit("新增", author=EDITOR, date="2026-11-20T09:00:00+08:00")
    forge_approval(path, group.root, group.keys["zhong.shen"], "终审", "zhong.shen", at="2026-11-20T10:00:00+08:00")
    group.commit("审核", author=REVIEWER, date="2026-11-20T10:05:00+08:00")
    signers = group.root / "keys/allowed_signers"
    signers.write_text("\n".join(l.replace('namespaces=', 'valid-before="20261122",namespaces=')
                                 if l.startswith("zhong.shen") else l for l in signers.read_text().splitlines()) + "\n")
    assert decide(group, path).published


def test_a_closed_key_is_named_as_closed(group):
    signers = group.root / "keys/allowed_signers"
    signers.write_text("\n".join(l.replace('namespaces=', 'valid-before="20261122",namespaces=')
                                 if l.startswith("zhong.shen") else l for l in signers.read_text().splitlines()) + "\n")
    path = group.item(slug="yiting")
    forge_approval(path, group.root, group.keys["zhong.shen"], "终审", "zhong.shen", at="2026-11-25T10:00:00+08:00")
    (finding,) = [f for f in decide(group, path).findings if f.rule == "approval.invalid"]
    assert "已于 2026-11-22T00:00:00+08:00 停用" in finding.message


# --- properties ---------------------------------------------------------------------

@pytest.fixture
def signed_item(group):
    path = approved(group, slug="qianming", title="原标题", summary="原摘要", body="第一段。\n\n第二段。\n")
    d = decide(group, path)
    assert d.published
    fields = {k: v for k, v in d.item.fields.items() if k != "approvals"}
    return group, path, path.read_text(encoding="utf-8"), fields, d.item.body


SPECIAL = ["\u2028", "\u2029", "\x85", "\r", "\r\n", "\x0b", "\x0c", "\x00", "\ufeff", "\t", " ", "\n",
           "\n---\n", "\n...\n", "---", "#", "# 注释\n", "\ntitle: 伪造\n", "\nsource: 伪造\n", "<!--", "-->",
           "\napprovals:\n", "\nwithdrawal:\n", "  ", "- ", ":", "'", '"', "&a ", "*a", "!!str ", "{", "[", "伪",
           "\n  - level: 终审\n", "|", ">"]
pieces = st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=3)), min_size=1, max_size=5).map("".join)


@settings(max_examples=int(__import__("os").environ.get("GOVSITE_EXAMPLES", 150)))
@given(data=st.data())
@example(data=None)
def test_any_change_outside_the_approvals_block_voids_it_or_changes_nothing_shown(signed_item, data):
    """If any approval still counts after a change outside the signature block,
    the item shows exactly what was signed (the change was only CR line endings)."""
    repo, path, original, fields, body = signed_item
    block_start = original.index("\napprovals:") + 1
    block_end = original.index("\n---\n", block_start) + 1
    outside = [i for i in range(len(original) + 1) if not block_start < i < block_end]
    if data is None:
        at, cut, insert = block_end, 0, "title: 伪造\n"
    else:
        at = data.draw(st.sampled_from(outside))
        cut = data.draw(st.integers(0, 3))
        insert = data.draw(pieces)
        if at < block_start:
            cut = min(cut, block_start - at)
    changed = original[:at] + insert + original[at + cut:]
    if changed == original:
        return
    path.write_bytes(changed.encode("utf-8", "surrogatepass"))
    d = decide(repo, path)
    if d.approvals or d.published:
        assert {k: v for k, v in d.item.fields.items() if k != "approvals"} == fields
        assert d.item.body == body


@settings(max_examples=int(__import__("os").environ.get("GOVSITE_EXAMPLES", 40)))
@given(title=st.text(min_size=1, max_size=30), summary=st.text(max_size=30),
       body=st.text(max_size=200))
def test_an_honest_approval_of_any_text_the_schema_accepts_verifies(group, title, summary, body):
    path = group.root / "content/portal/yaowen/suiji.md"
    path.unlink(missing_ok=True)
    group.item(slug="suiji", title=title, summary=summary or None, body=body)
    before = decide(group, path)
    blocking = {f.rule for f in before.findings if f.severity == "error"} - {"approval.missing"}
    if blocking:
        return       # refused by the schema (markup, control characters, …): nothing to approve
    code, out, err = group.approve(path, "zhong.shen")
    assert code == 0, out + err
    d = decide(group, path)
    assert d.approvals == {"终审": "zhong.shen"}, [f.format() for f in d.findings]
