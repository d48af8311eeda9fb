"""Editors' tools (issue 7): `govsite new`, the pre-commit hook, `govsite codeowners`."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.repo import PROJECT
from workflow.model import dates
from workflow.model.items import SLUG_RE
from workflow.model.schema import PLACEHOLDER, is_blank

BIN = str(Path(sys.executable).parent)

POLICY_FIELDS = {"source.missing": "source", "author.missing": "author",
                 "confidentiality.missing": "confidentiality"}


def created(out: str, root: Path) -> Path:
    return root / re.search(r"已新建 (\S+\.md)", out).group(1)


def test_placeholder_counts_as_missing():
    assert is_blank(PLACEHOLDER) and is_blank(" (待填写) ") and is_blank("待填写")
    assert not is_blank("待填写的表格已收到")


def test_new_item_has_todays_date_an_ascii_slug_and_every_required_field_as_placeholder(group):
    code, out, err = group.govsite("new", "--site", "portal", "--column", "zcwj", "关于2026年度社会保险调整的通知")
    assert code == 0, err
    path = created(out, group.root)
    assert path.parent == group.root / "content/portal/zcwj"
    month = dates.today().strftime("%Y-%m")
    assert SLUG_RE.match(path.stem) and path.stem == f"{month}-shehui-baoxian-tiaozheng-tongzhi"
    meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    assert meta["title"] == "关于2026年度社会保险调整的通知"
    assert str(meta["date"]) == dates.today().isoformat()
    required = {"source", "author", "confidentiality", "index_no", "issuer", "written", "subject", "validity"}
    assert {k for k, v in meta.items() if v == PLACEHOLDER} == required
    findings = group.check_json(path)
    missing = {f["field"] for f in findings if f["rule"].endswith(".missing") and f["field"] != "approvals"}
    assert missing == required
    assert all(f["line"] for f in findings if f["field"] in required)


def test_a_filled_in_new_item_passes_once_approved(group):
    code, out, err = group.govsite("new", "--site", "portal", "--column", "yaowen", "市政府召开常务会议",
                                   "--author", "editor.a")
    path = created(out, group.root)
    text = path.read_text(encoding="utf-8")
    text = text.replace(f"source: {PLACEHOLDER}", "source: 测试市人民政府办公室")
    text = text.replace(f"confidentiality: {PLACEHOLDER}", "confidentiality: passed")
    text = text.replace("（在此填写正文）", "会议研究了有关事项。")
    path.write_text(text, encoding="utf-8")
    assert {f["rule"] for f in group.check_json(path)} == {"approval.missing"}
    assert group.approve(path, "zhong.shen")[0] == 0
    assert [f for f in group.check_json(path) if f["severity"] == "error"] == []


def test_same_title_twice_gets_a_second_slug_and_keeps_the_first_file(group):
    first = created(group.govsite("new", "--site", "portal", "--column", "tzgg", "停水通知")[1], group.root)
    before = first.read_bytes()
    second = created(group.govsite("new", "--site", "portal", "--column", "tzgg", "停水通知")[1], group.root)
    month = dates.today().strftime("%Y-%m")
    assert first.stem == f"{month}-tingshui-tongzhi" and second.stem == f"{month}-tingshui-tongzhi-2"
    assert first.read_bytes() == before


@pytest.mark.parametrize("args, words", [
    (["--site", "nowhere", "--column", "yaowen", "标题"], "可用的网站标识：portal, district"),
    (["--site", "district", "--column", "zcwj", "标题"], "可用的栏目：yaowen（区县要闻）"),
    (["--site", "portal", "--column", "yaowen", "  "], "标题不能为空"),
    (["--site", "portal", "--column", "yaowen", "--author", "编辑甲", "标题"], "不是编辑标识"),
])
def test_new_with_bad_input_says_why_and_writes_nothing(group, args, words):
    before = sorted(group.root.rglob("*.md"))
    code, out, err = group.govsite("new", *args)
    assert code == 2
    assert words in err
    assert sorted(group.root.rglob("*.md")) == before


# -- the pre-commit hook in a real Git repository ------------------------------------------

def git(root, *args, check=True, env=None):
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=check, env=env)


@pytest.fixture
def hooked(group, tmp_path):
    shutil.copy(PROJECT / ".pre-commit-config.yaml", group.root)
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"],
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    git(group.root, "init", "-q", "-b", "main")
    git(group.root, "config", "user.name", "编辑甲")
    git(group.root, "config", "user.email", "editor.a@test-city.gov.cn")
    git(group.root, "add", ".")
    git(group.root, "commit", "-q", "-m", "site group", env=env)
    subprocess.run([f"{BIN}/pre-commit", "install"], cwd=group.root, env=env, check=True, capture_output=True)
    return env


def test_pre_commit_hook_lets_an_unapproved_item_through_as_pending_and_names_who_may_sign(group, hooked):
    path = group.item(slug="wei-shenhe")
    git(group.root, "add", str(path))
    proc = git(group.root, "commit", "-m", "add item", check=False, env=hooked)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "content/portal/yaowen/wei-shenhe.md" in output and "待审核 approval.missing" in output
    assert "“终审”（可审核：zhong.shen（终审人））" in output
    assert git(group.root, "rev-list", "--count", "HEAD").stdout.strip() == "2"


def test_pre_commit_hook_refuses_an_item_with_any_other_problem(group, hooked):
    path = group.item(slug="bao-mi", confidentiality="pending")
    git(group.root, "add", str(path))
    proc = git(group.root, "commit", "-m", "add item", check=False, env=hooked)
    assert proc.returncode != 0
    assert "confidentiality.pending" in proc.stdout + proc.stderr
    assert git(group.root, "rev-list", "--count", "HEAD").stdout.strip() == "1"


def test_pre_commit_hook_lets_an_approved_item_through(group, hooked):
    path = group.item(slug="yi-shenhe")
    assert group.approve(path, "zhong.shen")[0] == 0
    git(group.root, "add", str(path))
    proc = git(group.root, "commit", "-m", "add item", check=False, env=hooked)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "govsite check" in proc.stdout + proc.stderr and "待审核" not in proc.stdout + proc.stderr
    assert git(group.root, "rev-list", "--count", "HEAD").stdout.strip() == "2"


def test_pre_commit_hook_checks_the_staged_version_not_the_working_copy(group, hooked):
    path = group.item(slug="zan-cun", confidentiality="pending")
    git(group.root, "add", str(path))                       # staged: not through the confidentiality review
    path.write_text(path.read_text(encoding="utf-8").replace("pending", "passed"), encoding="utf-8")
    proc = git(group.root, "commit", "-m", "add item", check=False, env=hooked)
    assert proc.returncode != 0
    assert "confidentiality.pending" in proc.stdout + proc.stderr


def test_pre_commit_hook_checks_the_items_a_changed_attachment_or_site_yaml_affects(group, hooked):
    path = group.item(slug="you-fujian", attachments=[{"file": "fujian.pdf", "title": "附件"}])
    (path.parent / "fujian.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 3000)
    assert group.approve(path, "zhong.shen")[0] == 0
    git(group.root, "add", "-A")
    assert git(group.root, "commit", "-m", "approved item", check=False, env=hooked).returncode == 0
    (path.parent / "fujian.pdf").write_bytes(b"%PDF-1.4\n" + b"1" * 3000)      # only the attachment changes
    git(group.root, "add", "-A")
    proc = git(group.root, "commit", "-m", "replace attachment", check=False, env=hooked)
    output = proc.stdout + proc.stderr
    assert "you-fujian.md" in output and "附件 fujian.pdf 审核后被替换" in output and "待审核" in output


# -- CODEOWNERS -----------------------------------------------------------------------------

def with_handles(repo, portal=("@chushen", "@zhongshen"), district="@qushen"):
    reviewers = {"chu.shen": {"name": "初审人", "levels": ["初审"], "handle": portal[0]},
                 "zhong.shen": {"name": "终审人", "levels": ["终审"], "handle": portal[1]}}
    repo.site("portal", reviewers=reviewers)
    district_reviewers = {"qu.shen": {"name": "区审核人", "levels": ["终审"]}}
    if district:
        district_reviewers["qu.shen"]["handle"] = district
    repo.site("district", name="测试市某某区人民政府", type_="district", parent="portal",
              domain="district.test-city.gov.cn", columns={"yaowen": {"name": "区县要闻", "type": "要闻"}},
              reviewers=district_reviewers, review={"levels": ["终审"], "required": ["终审"]})


def test_codeowners_maps_each_site_folder_to_its_reviewers(repo):
    with_handles(repo)
    code, out, err = repo.govsite("codeowners")
    assert code == 0, err
    lines = [l for l in (repo.root / "CODEOWNERS").read_text(encoding="utf-8").splitlines()
             if l and not l.startswith("#")]
    assert lines == ["/content/portal/ @chushen @zhongshen", "/content/district/ @qushen",
                     "/keys/ @chushen @zhongshen"]
    assert repo.govsite("codeowners", "--check")[0] == 0
    with_handles(repo, district="@other-team/reviewers")
    code, out, err = repo.govsite("codeowners", "--check")
    assert code == 1 and "不是最新的" in err


def test_codeowners_refuses_a_site_nobody_could_review_and_a_bad_handle(repo):
    with_handles(repo, district=None)
    code, out, err = repo.govsite("codeowners")
    assert code == 1
    assert "reviewers.qu.shen.handle" in err and "没有任何填写了 handle 的审核人" in err
    assert not (repo.root / "CODEOWNERS").exists()
    with_handles(repo, portal=("@chushen", "zhong shen"))
    code, out, err = repo.govsite("codeowners")
    assert code == 1 and "“zhong shen”不是代码托管平台账号" in err


def test_the_demo_codeowners_is_up_to_date(demo_root):
    proc = subprocess.run([f"{BIN}/govsite", "--root", str(demo_root), "codeowners", "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_new_policy_item_scaffolds_the_dates_its_disclosure_deadline_runs_from(group):
    """第十八条 by default: `written` is required, `formed` offered; a filled-in policy written long
    before it is published gets the late-disclosure warning without any `formed`."""
    code, out, err = group.govsite("new", "--site", "portal", "--column", "zcwj", "关于某某办法的通知",
                                   "--author", "editor.a")
    path = created(out, group.root)
    text = path.read_text(encoding="utf-8")
    assert f"written: {PLACEHOLDER}" in text and "# formed: " in text and "成文日期" in text
    filled = {"source": "测试市人民政府办公室", "confidentiality": "passed", "index_no": "000/2026-009",
              "issuer": "测试市人民政府", "written": "2020-01-06", "subject": "综合政务", "validity": "有效"}
    for name, value in filled.items():
        text = text.replace(f"{name}: {PLACEHOLDER}", f"{name}: {value}")
    path.write_text(text.replace("（在此填写正文）", "正文。"), encoding="utf-8")
    found = {(f["rule"], f["severity"]) for f in group.check_json(path)}
    assert ("disclosure.late", "warning") in found and not any(s == "error" and r != "approval.missing"
                                                               for r, s in found)
