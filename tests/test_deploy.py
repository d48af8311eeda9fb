"""Deploys (issues 7, 15): releases switched atomically and journalled, signed manifests kept
outside the served folders, backups sharing unchanged files, refusals that leave the live site
alone, and messages that tell the truth."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.repo import DEPLOY

GOVSITE = str(Path(sys.executable).with_name("govsite"))


def approved(group, slug="yi-tiao-xinxi", **kw):
    path = group.item(slug=slug, **kw)
    code, out, err = group.approve(path, "zhong.shen")
    assert code == 0, out + err
    return path


def build(group, *args):
    """A production build (what is deployed); `--preview` for a preview build."""
    mode = [] if "--preview" in args else ["--production"]
    code, out, err = group.build(*mode, *[a for a in args if a != "--preview"])
    assert code == 0, out + err


def deploy(group, target, *args):
    return group.govsite("deploy", "--to", target, "--sign-key", group.keys[DEPLOY], *args)


def live(target: Path) -> str:
    return os.readlink(target / "current")


def releases(target: Path) -> list[str]:
    return sorted(p.name for p in (target / "releases").iterdir() if not p.name.startswith("."))


def log(target: Path) -> list[dict]:
    return [json.loads(l) for l in (target / "deploy-log.jsonl").read_text(encoding="utf-8").splitlines()]


def cli(group, *args, env=None, timeout=300) -> subprocess.CompletedProcess:
    """The real `govsite` in its own process (for signals, PATH and hangs)."""
    return subprocess.run([GOVSITE, "--root", str(group.root), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)


@pytest.fixture
def target():
    """A world-readable deploy target (nginx workers run as nobody)."""
    folder = Path(tempfile.mkdtemp(prefix="govsite-target-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def two_builds(group):
    """Build 1 deployed at `target`; build 2 in output/, different in every page checked."""
    def make(target):
        approved(group, title="第一版的标题", body="第一版正文。\n")
        build(group)
        code, out, err = deploy(group, target)
        assert code == 0, out + err
        first = live(target)
        approved(group, title="第二版的标题", body="第二版正文。\n")
        build(group)
        return first
    return make


def test_deploy_creates_a_release_with_signed_manifests_outside_the_site_folders(group, target):
    approved(group)
    build(group)
    code, out, err = deploy(group, target)
    assert code == 0, out + err
    (name,) = releases(target)
    assert live(target) == f"releases/{name}"
    assert (target / "current" / "portal" / "yaowen" / "yi-tiao-xinxi.html").is_file()
    served = [p for site in ("portal", "district") for p in (target / "current" / site).rglob("*")]
    assert not [p for p in served if "manifest" in p.name]            # nothing of it is served
    for site in ("portal", "district"):
        signed = target / "manifests" / name / f"{site}.json"
        data = json.loads(signed.read_text(encoding="utf-8"))
        assert data["release"] == name and data["site"] == site
        proc = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(group.root / "keys/allowed_signers"),
                               "-I", DEPLOY, "-n", "govsite-manifest", "-s", f"{signed}.sig"],
                              input=signed.read_bytes(), capture_output=True)
        assert proc.returncode == 0, proc.stderr
    info = json.loads((target / "current" / "release.json").read_text(encoding="utf-8"))
    assert info["release"] == name and info["sites"] == ["portal", "district"]
    (entry,) = log(target)
    assert entry["action"] == "deploy" and entry["release"] == name and entry["mode"] == "production"
    assert entry["items"]["portal"] == ["content/portal/yaowen/yi-tiao-xinxi.md"]
    assert not (target / "deploy-journal.json").exists()


def test_the_build_keeps_its_manifest_beside_the_site_folders_not_in_them(group):
    approved(group)
    build(group)
    assert not list(group.output.glob("*/manifest.json"))
    data = json.loads((group.output / ".manifests" / "portal.json").read_text(encoding="utf-8"))
    assert "index.html" in data["files"] and "yaowen" in data["dirs"]


def test_last_n_releases_are_kept(group, target):
    approved(group)
    build(group)
    for _ in range(3):
        assert deploy(group, target, "--keep", "2", "--force")[0] == 0
    kept = releases(target)
    assert len(kept) == 2
    assert live(target) == f"releases/{kept[-1]}"
    assert sorted(p.name for p in (target / "manifests").iterdir()) == kept


def test_an_identical_rebuild_does_not_spend_a_backup(group, target):
    approved(group)
    build(group)
    assert deploy(group, target)[0] == 0
    build(group)                                  # e.g. a scheduled rebuild with nothing due
    code, out, err = deploy(group, target)
    assert code == 0, err
    assert "完全相同" in out
    assert len(releases(target)) == 1


def test_ten_releases_of_an_unchanged_site_cost_about_one(group, target):
    approved(group)
    build(group)
    for _ in range(10):
        assert deploy(group, target, "--force", "--keep", "10")[0] == 0
    assert len(releases(target)) == 10

    def disk(folder: Path) -> int:                # files' blocks, like du: each inode counted once
        seen, total = set(), 0
        for p in folder.rglob("*"):
            st = p.lstat()
            if p.is_file() and (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
        return total

    one = disk(target / "releases" / releases(target)[0])
    assert disk(target / "releases") < 1.1 * one     # (folders themselves are not shared: 4 KB each)


# -- refusals: a clear error and the live site unchanged -----------------------------------

def snapshot(target: Path):
    return (live(target), releases(target))


def deployed_once(group, target):
    approved(group)
    build(group)
    assert deploy(group, target)[0] == 0
    return snapshot(target)


def test_build_with_refused_items_is_not_deployed(group, target):
    before = deployed_once(group, target)
    group.item(slug="wei-shenhe")
    build(group)
    code, out, err = deploy(group, target)
    assert code == 1
    assert "被拒绝发布" in err and "wei-shenhe.md" in err
    assert snapshot(target) == before


def test_a_preview_build_is_refused_unless_asked_for(group, target):
    before = deployed_once(group, target)
    approved(group, slug="yulan", title="预览")
    build(group, "--preview")
    code, out, err = deploy(group, target)
    assert code == 1
    assert "预览构建" in err and "--production" in err and "--allow-preview" in err
    assert snapshot(target) == before
    code, out, err = deploy(group, target, "--allow-preview")
    assert code == 0, err
    assert log(target)[-1]["mode"] == "preview"


def manifest_of(site: Path) -> Path:
    return site.parent / ".manifests" / f"{site.name}.json"


@pytest.mark.parametrize("damage, words", [
    (lambda site: manifest_of(site).unlink(), "不存在"),
    (lambda site: manifest_of(site).write_text("{\"format\": 2, \"files\": "), "已损坏"),
    (lambda site: manifest_of(site).write_text("[]"), "已损坏"),
    (lambda site: (site / "index.html").write_bytes((site / "index.html").read_bytes() + b" "), "不一致"),
    (lambda site: (site / "yaowen" / "new.html").write_text("x"), "不一致"),
], ids=["missing", "truncated", "not-ours", "changed-after-build", "added-after-build"])
def test_build_without_an_intact_manifest_is_not_deployed(group, target, damage, words):
    before = deployed_once(group, target)
    damage(group.output / "portal")
    code, out, err = deploy(group, target)
    assert code == 1
    assert words in err and "未部署，线上网站未改动" in err
    assert snapshot(target) == before


@pytest.mark.parametrize("make, kind", [
    (lambda site: (site / "etc").symlink_to("/etc"), "符号链接"),
    (lambda site: os.mkfifo(site / "yaowen" / "pipe"), "FIFO"),
], ids=["symlink", "fifo"])
def test_symlinks_and_special_files_in_the_build_output_are_refused(group, target, make, kind):
    before = deployed_once(group, target)
    make(group.output / "portal")
    code, out, err = deploy(group, target)
    assert code == 1
    assert kind in err and "特殊文件" in err
    assert snapshot(target) == before


def test_a_deploy_without_the_deploy_key_is_refused_before_anything_is_touched(group, target):
    approved(group)
    build(group)
    code, out, err = group.govsite("deploy", "--to", target)
    assert code == 2 and "--sign-key" in err and "GOVSITE_DEPLOY_KEY" in err
    assert list(target.iterdir()) == []
    # a reviewer's key is not a deploy key: its line is restricted to govsite-approval
    code, out, err = group.govsite("deploy", "--to", target, "--sign-key", group.keys["zhong.shen"])
    assert code == 2 and "govsite-manifest" in err
    assert list(target.iterdir()) == []


def test_missing_rsync_or_ssh_is_said_with_an_install_hint_before_anything_is_touched(group, target, tmp_path):
    approved(group)
    build(group)
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("sh", "flock", "ssh-keygen"):
        (bare / tool).symlink_to(shutil.which(tool))
    env = {**os.environ, "PATH": str(bare)}
    proc = cli(group, "deploy", "--to", target, "--sign-key", group.keys[DEPLOY], env=env)
    assert proc.returncode == 2
    assert "rsync" in proc.stderr and "apt-get install" in proc.stderr and "Traceback" not in proc.stderr
    assert list(target.iterdir()) == []
    (bare / "rsync").symlink_to(shutil.which("rsync"))
    proc = cli(group, "deploy", "--to", f"deploy@127.0.0.1:{target}", "--sign-key", group.keys[DEPLOY], env=env)
    assert proc.returncode == 2
    assert "ssh" in proc.stderr and "apt-get install" in proc.stderr and "Traceback" not in proc.stderr
    assert list(target.iterdir()) == []


def test_target_that_does_not_exist_is_a_clear_error(group, target):
    approved(group)
    build(group)
    code, out, err = deploy(group, target / "nowhere")
    assert code == 2
    assert "不存在" in err
    assert not (target / "nowhere").exists()


def test_target_that_is_not_writable_is_a_clear_error(group):
    approved(group)
    build(group)
    code, out, err = deploy(group, "/sys")   # sysfs: no one may create files there, not even root
    assert code == 2
    assert "不可写" in err


def test_current_that_is_not_a_symlink_is_left_alone(group, target):
    approved(group)
    build(group)
    (target / "current").mkdir()
    (target / "current" / "index.html").write_text("手工放置的网站", encoding="utf-8")
    code, out, err = deploy(group, target)
    assert code == 1
    assert "不是符号链接" in err
    assert (target / "current" / "index.html").read_text(encoding="utf-8") == "手工放置的网站"
    assert not (target / "releases").exists()


def test_keep_must_be_a_positive_number(group, target):
    code, out, err = deploy(group, target, "--keep", "0")
    assert code == 2
    assert "--keep" in err


# -- the switch is journalled: messages after it say so, a crash is recovered ---------------

def test_a_log_that_cannot_be_written_after_the_switch_is_said_and_recovered_next_run(group, target, two_builds):
    import resource

    first = two_builds(target)
    entries = log(target)
    padded = {**entries[0], "note": "x" * (2 << 20)}         # a 2 MB log …
    (target / "deploy-log.jsonl").write_text(json.dumps(padded, ensure_ascii=False) + "\n", encoding="utf-8")

    def small_files():                                       # … that no file over 1 MB may grow:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))   # the copy works, the append fails

    proc = subprocess.run([GOVSITE, "--root", str(group.root), "deploy", "--to", str(target),
                           "--sign-key", str(group.keys[DEPLOY])], capture_output=True, text=True,
                          preexec_fn=small_files, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    second = live(target)
    assert second != first                                   # the switch happened …
    assert "已切换" in proc.stderr and "下次运行" in proc.stderr
    assert "未部署" not in proc.stderr and "未改动" not in proc.stderr     # … and no message says otherwise
    assert json.loads((target / "deploy-journal.json").read_text())["release"] == second.split("/")[1]
    code, out, err = deploy(group, target)                   # the next run completes the log
    assert code == 0, err
    assert "补记" in out
    assert [e["release"] for e in log(target)] == [first.split("/")[1], second.split("/")[1]]
    assert log(target)[-1]["recovered_at"]
    assert not (target / "deploy-journal.json").exists()


def test_a_crash_between_switch_and_log_is_recovered_and_an_unswitched_journal_dropped(group, target, two_builds):
    first = two_builds(target).split("/")[1]
    assert deploy(group, target)[0] == 0
    second = live(target).split("/")[1]
    entries = log(target)
    # what a deploy killed after its switch leaves: the journal, the switch, no log line
    (target / "deploy-log.jsonl").write_text(json.dumps(entries[0], ensure_ascii=False) + "\n", encoding="utf-8")
    (target / "deploy-journal.json").write_text(json.dumps(entries[1], ensure_ascii=False), encoding="utf-8")
    code, out, err = group.govsite("verify", "--root", target)
    assert code == 0, out + err                              # the journal counts while current shows it
    assert deploy(group, target)[0] == 0
    assert [e["release"] for e in log(target)] == [first, second]
    # a journal whose switch never happened is dropped, not logged
    (target / "deploy-journal.json").write_text(json.dumps({**entries[1], "release": "20990101T000000-x"}))
    code, out, err = deploy(group, target)
    assert code == 0 and "没有发生" in out
    assert [e["release"] for e in log(target)] == [first, second]


# -- a real deploy process: killed midway, out of disk, or running while another starts -----

def slow_deploy(group, target) -> subprocess.Popen:
    """A deploy throttled by rsync --bwlimit, in its own process group."""
    return subprocess.Popen([GOVSITE, "--root", str(group.root), "deploy", "--to", str(target),
                             "--sign-key", str(group.keys[DEPLOY]), "--bwlimit", "20"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def wait_for_copy_to_start(target: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    for _ in range(6000):
        partial = list((target / "releases").glob(".partial-*/portal/*"))
        if partial or proc.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the deploy ended before it could be interrupted"
    assert partial, "the deploy never started copying"


def rsyncs_writing_to(target: Path) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"rsync") and any(str(target).encode() in a for a in cmd):
            found.append(int(pid))
    return found


def test_a_deploy_killed_midway_leaves_current_on_the_old_release(group, target, two_builds):
    first = two_builds(target)
    proc = slow_deploy(group, target)
    wait_for_copy_to_start(target, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert live(target) == first
    assert releases(target) == [first.split("/")[1]]      # the partial copy is not a release
    page = (target / "current/portal/yaowen/yi-tiao-xinxi.html").read_text(encoding="utf-8")
    assert "第一版的标题" in page
    # the lock died with the process: the next deploy goes through and clears the leftovers
    code, out, err = deploy(group, target)
    assert code == 0, err
    assert not list((target / "releases").glob(".partial-*"))
    assert "第二版的标题" in (target / "current/portal/yaowen/yi-tiao-xinxi.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_deploy_stopped_by_a_signal_stops_its_rsync_and_removes_its_partial_release(group, target, two_builds,
                                                                                       sig):
    first = two_builds(target)
    proc = slow_deploy(group, target)
    wait_for_copy_to_start(target, proc)
    assert rsyncs_writing_to(target)
    os.kill(proc.pid, sig)                                 # govsite alone, not its process group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "中止" in err.decode() and "未改动" in err.decode()
    deadline = time.monotonic() + 30
    while rsyncs_writing_to(target) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rsyncs_writing_to(target) == []
    assert not list((target / "releases").glob(".partial-*"))
    assert live(target) == first and releases(target) == [first.split("/")[1]]
    assert deploy(group, target)[0] == 0                   # and the lock was released


@pytest.fixture
def small_disk():
    """A 1.5 MB tmpfs as the deploy target (root in tests and CI may mount)."""
    folder = Path(tempfile.mkdtemp(prefix="govsite-small-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k,mode=755", "tmpfs", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)
    shutil.rmtree(folder, ignore_errors=True)


def free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def test_a_copy_that_fills_the_disk_removes_its_partial_release_and_says_so_in_chinese(group, small_disk):
    approved(group)
    build(group)
    assert deploy(group, small_disk)[0] == 0
    before = snapshot(small_disk)
    filler = small_disk / "filler"                      # leave too little room for another release
    with open(filler, "wb") as f:
        f.write(os.urandom(max(free_bytes(small_disk) - 64 * 1024, 0)))
    free = free_bytes(small_disk)
    approved(group, slug="xin-xinxi", title="新的信息", body="新内容。" * 2000 + "\n")
    (group.root / "themes/govsite/static/css/site.css").write_text("/* x */" * 20000)   # new files everywhere
    build(group)
    code, out, err = deploy(group, small_disk)
    assert code == 1
    assert "磁盘空间不足" in err and "No space left on device" in err and "未改动" in err
    assert snapshot(small_disk) == before
    assert not list((small_disk / "releases").glob(".partial-*"))
    assert free_bytes(small_disk) == free              # the partial copy's space is given back


def test_a_second_concurrent_deploy_is_refused(group, target, two_builds):
    first = two_builds(target)
    proc = slow_deploy(group, target)
    try:
        wait_for_copy_to_start(target, proc)
        code, out, err = deploy(group, target)
        assert code == 1
        assert "另一个部署或回滚正在进行" in err
        code, out, err = group.govsite("rollback", "--to", target, first.split("/")[1])
        assert code == 1 and "正在进行" in err
    finally:
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert live(target) != first


# -- a target an intruder has tampered with: no hang, nothing written through a planted link --

def test_a_fifo_planted_as_the_lock_file_is_refused_not_waited_on(group, target, two_builds):
    first = two_builds(target)
    (target / ".deploy.lock").unlink()
    os.mkfifo(target / ".deploy.lock")
    proc = cli(group, "deploy", "--to", target, "--sign-key", group.keys[DEPLOY], timeout=60)
    assert proc.returncode == 1
    assert ".deploy.lock 不是普通文件" in proc.stderr and "未改动" in proc.stderr
    assert live(target) == first


@pytest.mark.parametrize("plant", ["symlink", "fifo"])
def test_a_deploy_log_replaced_by_a_link_or_fifo_is_refused_before_the_switch(group, target, two_builds,
                                                                              tmp_path, plant):
    first = two_builds(target)
    victim = tmp_path / "victim.txt"
    victim.write_text("不应被改动\n", encoding="utf-8")
    (target / "deploy-log.jsonl").unlink()
    if plant == "symlink":
        (target / "deploy-log.jsonl").symlink_to(victim)
    else:
        os.mkfifo(target / "deploy-log.jsonl")
    proc = cli(group, "deploy", "--to", target, "--sign-key", group.keys[DEPLOY], timeout=60)
    assert proc.returncode == 1
    assert "deploy-log.jsonl 不是普通文件" in proc.stderr and "未改动" in proc.stderr
    assert live(target) == first
    assert victim.read_text(encoding="utf-8") == "不应被改动\n"
    assert not list((target / "releases").glob(".partial-*")) and len(releases(target)) == 1


def test_a_build_bringing_back_an_item_withdrawn_live_needs_force_and_names_it(group, target):
    """复查撤除 stays: the live release withdrew the item; a build that publishes it again
    (here re-approved after the withdrawal, which the gate accepts) is deployed only with --force."""
    from workflow.model import items
    from workflow.review import approval

    path = approved(group, slug="chehui", title="被撤除的信息")
    build(group)
    assert deploy(group, target)[0] == 0
    code, out, err = group.govsite("withdraw", path, "--reason", "经复查已过时", "--as", "zhong.shen",
                                   "--key", group.keys["zhong.shen"])
    assert code == 0, out + err
    build(group)
    assert deploy(group, target)[0] == 0
    withdrawn_live = live(target)
    item = items.load(path, group.root)
    path.write_text(approval.replace_block(item, "withdrawal", []), encoding="utf-8")
    code, out, err = group.approve(path, "zhong.shen")     # approved again, after the withdrawal
    assert code == 0, out + err
    build(group)
    code, out, err = deploy(group, target)
    assert code == 1 and "content/portal/yaowen/chehui.md" in err and "--force" in err
    assert live(target) == withdrawn_live
    code, out, err = deploy(group, target, "--force")
    assert code == 0, out + err
    assert live(target) != withdrawn_live
