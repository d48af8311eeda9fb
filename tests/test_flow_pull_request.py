"""The pull-request flow end to end, with real Git (issue 16, point 5): a bare origin,
an editor's clone and a reviewer's clone with the real pre-commit hook, `govsite new`,
`check --stage pr`, `govsite review`, `govsite approve` with ssh-keygen keys, a merge,
then a build and a deploy to a folder."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.repo import DEPLOY, PROJECT, Repo

BIN = str(Path(sys.executable).parent)
EDITOR = ("编辑甲", "editor.a@test-city.gov.cn")
REVIEWER = ("终审人", "zhong.shen@test-city.gov.cn")


def run(cwd, *args, env, check=True):
    proc = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, f"{args}: {proc.stdout}{proc.stderr}"
    return proc


def git(cwd, *args, env, check=True):
    return run(cwd, "git", *args, env=env, check=check)


def govsite(cwd, *args, env, check=False):
    return run(cwd, f"{BIN}/govsite", *args, env=env, check=check)


def clone(origin, folder, who, env):
    git(folder.parent, "clone", "-q", str(origin), str(folder), env=env)
    git(folder, "config", "user.name", who[0], env=env)
    git(folder, "config", "user.email", who[1], env=env)
    run(folder, f"{BIN}/pre-commit", "install", env=env)
    return folder


@pytest.fixture
def flow(tmp_path, keys):
    """origin.git holding a small group (portal: 终审 by zhong.shen), the editor's and
    the reviewer's clones with the repository's pre-commit hook installed."""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"],
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_TERMINAL_PROMPT": "0"}
    seed = Repo(tmp_path / "seed", keys)
    seed.site("portal", columns={"yaowen": {"name": "政务要闻", "type": "要闻"},
                                 "tzgg": {"name": "通知公告", "type": "通知公告"}},
              reviewers={"zhong.shen": {"name": "终审人", "levels": ["终审"]}},
              review={"levels": ["终审"], "required": ["终审"]})
    shutil.copy(PROJECT / ".pre-commit-config.yaml", seed.root)
    seed.commit("站群初始化")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed.root), str(origin), env=env)
    editor = clone(origin, tmp_path / "editor", EDITOR, env)
    reviewer = clone(origin, tmp_path / "reviewer", REVIEWER, env)
    return origin, editor, reviewer, env, keys


def fill(path: Path, body: str) -> None:
    text = path.read_text(encoding="utf-8")
    text = text.replace("source: （待填写）", "source: 测试市人民政府办公室")
    text = text.replace("confidentiality: （待填写）", "confidentiality: passed")
    path.write_text(text.replace("（在此填写正文）", body), encoding="utf-8")


def ci_check(origin, folder, branch, env):
    """What the pull request's required status runs: a full clone of the branch,
    `govsite check --stage pr --base origin/main`."""
    if folder.exists():
        shutil.rmtree(folder)
    git(folder.parent, "clone", "-q", "--branch", branch, str(origin), str(folder), env=env)
    return govsite(folder, "check", "--stage", "pr", "--base", "origin/main", env=env)


def test_an_item_goes_from_govsite_new_to_the_live_site_through_a_pull_request(flow, tmp_path):
    origin, editor, reviewer, env, keys = flow

    # The editor writes a new item on a branch and commits it, unapproved: the hook passes, saying 待审核.
    git(editor, "checkout", "-q", "-b", "gongnuan", env=env)
    made = govsite(editor, "new", "--site", "portal", "--column", "tzgg", "关于冬季供暖安排的通知",
                   "--author", "editor.a", env=env, check=True)
    rel = re.search(r"已新建 (\S+?)（", made.stdout)[1]
    assert made.stdout.count("通知公告") == 1
    fill(editor / rel, "今冬供暖自11月15日开始。\n")
    git(editor, "add", "-A", env=env)
    commit = git(editor, "commit", "-m", "新增：冬季供暖通知", env=env, check=False)
    said = commit.stdout + commit.stderr
    assert commit.returncode == 0, said
    assert "待审核" in said and "zhong.shen" in said and "终审" in said
    git(editor, "push", "-q", "origin", "gongnuan", env=env)

    # The pull request's check fails, naming the missing level and who may sign it.
    proc = ci_check(origin, tmp_path / "ci", "gongnuan", env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert rel in proc.stdout and "approval.missing" in proc.stdout and "“终审”（可审核：zhong.shen" in proc.stdout

    # The reviewer checks out the branch, sees what awaits them, approves, commits and pushes.
    git(reviewer, "fetch", "-q", "origin", env=env)
    git(reviewer, "checkout", "-q", "gongnuan", env=env)
    listed = govsite(reviewer, "review", "--as", "zhong.shen", "--base", "origin/main", env=env, check=True)
    assert rel in listed.stdout and "+今冬供暖自11月15日开始。" in listed.stdout
    approved = govsite(reviewer, "approve", rel, "--key", str(keys["zhong.shen"]), "--as", "zhong.shen",
                       env=env)
    assert approved.returncode == 0, approved.stdout + approved.stderr
    git(reviewer, "commit", "-qam", "终审：冬季供暖通知", env=env)
    git(reviewer, "push", "-q", "origin", "gongnuan", env=env)

    # Now the check passes; the branch merges; the build publishes it and deploy puts it live.
    proc = ci_check(origin, tmp_path / "ci", "gongnuan", env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    main = tmp_path / "main"
    git(tmp_path, "clone", "-q", str(origin), str(main), env=env)
    git(main, "-c", "user.name=维护人", "-c", "user.email=ops@test-city.gov.cn", "merge", "-q", "--no-ff",
        "origin/gongnuan", "-m", "合并：冬季供暖通知", env=env)
    git(main, "push", "-q", "origin", "main", env=env)
    built = govsite(main, "build", "--strict", "--production", env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    target = tmp_path / "live"
    target.mkdir()
    deployed = govsite(main, "deploy", "--to", str(target), "--sign-key", str(keys[DEPLOY]), env=env)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    page = target / "current" / Path(rel).relative_to("content").with_suffix(".html")
    assert "今冬供暖自11月15日开始。" in page.read_text(encoding="utf-8")


def test_an_edit_after_approval_fails_the_pull_request_again(flow, tmp_path):
    origin, editor, reviewer, env, keys = flow
    git(editor, "checkout", "-q", "-b", "diyi", env=env)
    rel = "content/portal/yaowen/2026-11-changwu-huiyi.md"
    path = editor / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + yaml.safe_dump({"title": "市政府召开常务会议", "date": "2026-11-20 09:30",
                                               "source": "测试市人民政府办公室", "author": "editor.a",
                                               "confidentiality": "passed"}, allow_unicode=True)
                    + "---\n会议研究了有关事项。\n", encoding="utf-8")
    git(editor, "add", "-A", env=env)
    git(editor, "commit", "-qm", "新增：常务会议", env=env)
    git(editor, "push", "-q", "origin", "diyi", env=env)
    git(reviewer, "fetch", "-q", "origin", env=env)
    git(reviewer, "checkout", "-q", "diyi", env=env)
    assert govsite(reviewer, "approve", rel, "--key", str(keys["zhong.shen"]), "--as", "zhong.shen",
                   env=env).returncode == 0
    git(reviewer, "commit", "-qam", "终审", env=env)
    git(reviewer, "push", "-q", "origin", "diyi", env=env)
    assert ci_check(origin, tmp_path / "ci", "diyi", env).returncode == 0

    # The editor changes one character after the approval: the hook still lets it through
    # (待审核), the pull request fails again, and the reviewer is shown exactly that change.
    git(editor, "pull", "-q", "origin", "diyi", env=env)
    path.write_text(path.read_text(encoding="utf-8").replace("有关事项", "有关事宜"), encoding="utf-8")
    commit = git(editor, "commit", "-am", "改一个词", env=env, check=False)
    assert commit.returncode == 0 and "待审核" in commit.stdout + commit.stderr
    git(editor, "push", "-q", "origin", "diyi", env=env)
    proc = ci_check(origin, tmp_path / "ci", "diyi", env)
    assert proc.returncode == 1
    assert "approval.stale" in proc.stdout and "“终审”（可审核：zhong.shen" in proc.stdout
    git(reviewer, "pull", "-q", "origin", "diyi", env=env)
    listed = govsite(reviewer, "review", "--as", "zhong.shen", "--base", "origin/main", env=env, check=True)
    assert "-会议研究了有关事项。" in listed.stdout and "+会议研究了有关事宜。" in listed.stdout
    assert "自上次审核（终审 zhong.shen" in listed.stdout


def test_the_hook_still_stops_a_commit_with_a_problem_other_than_approval(flow):
    _, editor, _, env, _ = flow
    made = govsite(editor, "new", "--site", "portal", "--column", "yaowen", "未填写完的信息",
                   "--author", "editor.a", env=env, check=True)
    rel = re.search(r"已新建 (\S+?)（", made.stdout)[1]
    git(editor, "add", "-A", env=env)
    commit = git(editor, "commit", "-m", "草稿", env=env, check=False)
    said = commit.stdout + commit.stderr
    assert commit.returncode != 0
    assert rel in said and "placeholder.body" in said and "source.missing" in said
