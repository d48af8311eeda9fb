"""The audit trail (issue 7): who created, approved, first published and withdrew each item."""
import datetime as dt
import json
import subprocess

import pytest

from tests.test_deploy import approved, build, deploy, live, target  # noqa: F401 - fixture
from workflow.model import dates


def git(root, *args, author=None):
    who = ["-c", f"user.name={author[0]}", "-c", f"user.email={author[1]}"] if author else []
    return subprocess.run(["git", *who, "-C", str(root), *args], check=True, capture_output=True, text=True)


EDITOR = ("编辑甲", "editor.a@test-city.gov.cn")
REVIEWER = ("终审人", "zhong.shen@test-city.gov.cn")


@pytest.fixture
def history(group, target):
    """Item A: created by 编辑甲, approved, deployed, then withdrawn. Item B: approved and
    deployed later. Item C (district): approved, then edited (its signature no longer verifies)."""
    git(group.root, "init", "-q", "-b", "main")
    git(group.root, "config", "user.name", "维护人")
    git(group.root, "config", "user.email", "ops@test-city.gov.cn")
    git(group.root, "add", ".")
    git(group.root, "commit", "-q", "-m", "site group")
    a = group.item(slug="xinxi-a", title="信息甲")
    c = group.item(site="district", slug="xinxi-c", title="信息丙")
    git(group.root, "add", "content")
    git(group.root, "commit", "-q", "-m", "新增信息甲、丙", author=EDITOR)
    assert group.approve(a, "zhong.shen")[0] == 0
    assert group.approve(c, "qu.shen")[0] == 0
    git(group.root, "commit", "-q", "-am", "审核", author=REVIEWER)
    build(group)
    assert deploy(group, target)[0] == 0
    first = json.loads((target / "deploy-log.jsonl").read_text().splitlines()[0])["release"]
    b = group.item(slug="xinxi-b", title="信息乙")
    git(group.root, "add", "content")
    git(group.root, "commit", "-q", "-m", "新增信息乙", author=EDITOR)
    assert group.approve(b, "zhong.shen")[0] == 0
    git(group.root, "commit", "-q", "-am", "审核信息乙", author=REVIEWER)
    build(group)
    assert deploy(group, target)[0] == 0
    code, out, err = group.govsite("withdraw", a, "--reason", "经复查，信息已过时", "--as", "zhong.shen",
                                   "--key", group.keys["zhong.shen"])
    assert code == 0, err
    c.write_text(c.read_text(encoding="utf-8").replace("这是正文内容", "这是改过的正文"), encoding="utf-8")
    git(group.root, "commit", "-q", "-am", "撤除信息甲；修改信息丙", author=REVIEWER)
    return {"a": a, "b": b, "c": c, "first": first, "target": target}


def audit(group, *args):
    code, out, err = group.govsite("audit", "--json", *args)
    assert code == 0, err
    return {row["path"].split("/")[-1]: row for row in json.loads(out)}


def test_audit_names_creator_approver_first_deploy_and_withdrawal(group, history):
    rows = audit(group, "--deploys", history["target"])
    a, b = rows["xinxi-a.md"], rows["xinxi-b.md"]
    assert a["created"]["name"] == "编辑甲" and a["created"]["email"] == EDITOR[1]
    assert b["created"]["name"] == "编辑甲" and [x["by"] for x in b["approvals"]] == ["zhong.shen"]
    (approval,) = a["approvals"]
    assert approval["level"] == "终审" and approval["by"] == "zhong.shen" and approval["name"] == "终审人"
    assert dates.parse_datetime(approval["at"]).date() == dates.today()
    assert a["first_published"]["release"] == history["first"]
    assert b["first_published"]["release"] != history["first"]
    assert a["status"] == "withdrawn"
    assert a["withdrawal"]["by"] == "zhong.shen" and a["withdrawal"]["reason"] == "经复查，信息已过时"
    assert b["withdrawal"] is None and b["status"] == "published"


def test_audit_counts_only_approvals_whose_signature_verifies(group, history):
    c = audit(group)["xinxi-c.md"]
    assert c["approvals"] == []
    assert c["status"] == "refused"
    assert c["first_published"] is None


def test_audit_filters_by_site_and_date(group, history):
    assert set(audit(group, "--site", "district")) == {"xinxi-c.md"}
    tomorrow = (dates.today() + dt.timedelta(days=1)).isoformat()
    assert audit(group, "--since", tomorrow) == {}
    yesterday = (dates.today() - dt.timedelta(days=1)).isoformat()
    assert set(audit(group, "--since", yesterday)) == {"xinxi-a.md", "xinxi-b.md", "xinxi-c.md"}


def test_audit_table_reads_as_a_table(group, history):
    code, out, err = group.govsite("audit", "--deploys", history["target"])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["信息", "状态", "创建（Git"]
    row = next(l for l in lines if "xinxi-a.md" in l)
    assert "已撤除" in row and "编辑甲" in row and "终审 终审人（zhong.shen）" in row
    assert history["first"] in row and "经复查，信息已过时" in row
    assert lines[-1] == "共 3 条信息。"


@pytest.mark.parametrize("args, code, words", [
    (["--since", "下周"], 2, "不是日期"),
    (["--site", "nowhere"], 2, "没有标识为“nowhere”的网站"),
    (["--deploys", "/nonexistent-govsite-target"], 2, "不存在"),
])
def test_audit_bad_input_is_a_clear_error(group, args, code, words):
    result = group.govsite("audit", *args)
    assert result[0] == code
    assert words in result[2]


def test_a_preview_deploy_is_not_a_first_publication(group, target):
    approved(group, slug="yu-lan", title="预览里的信息")
    build(group, "--preview")
    assert deploy(group, target, "--allow-preview")[0] == 0
    assert audit(group, "--deploys", target)["yu-lan.md"]["first_published"] is None
    code, out, err = group.govsite("audit", "--deploys", target)
    assert "未部署" in next(l for l in out.splitlines() if "yu-lan.md" in l)
    build(group)
    assert deploy(group, target)[0] == 0
    first = audit(group, "--deploys", target)["yu-lan.md"]["first_published"]
    assert first["release"] == live(target).split("/")[1]
