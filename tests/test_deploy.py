"""Deploys (issue 7): releases switched atomically, backups kept, rollback, refusals."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.repo import PROJECT, free_port, wait_listening

GOVSITE = str(Path(sys.executable).with_name("govsite"))


def approved(group, slug="yi-tiao-xinxi", **kw):
    path = group.item(slug=slug, **kw)
    code, out, err = group.approve(path, "zhong.shen")
    assert code == 0, out + err
    return path


def build(group, *args):
    code, out, err = group.build(*args)
    assert code == 0, out + err


def deploy(group, target, *args):
    return group.govsite("deploy", "--to", target, *args)


def live(target: Path) -> str:
    return os.readlink(target / "current")


def releases(target: Path) -> list[str]:
    return sorted(p.name for p in (target / "releases").iterdir() if not p.name.startswith("."))


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


def test_deploy_creates_a_release_and_points_current_at_it(group, target):
    approved(group)
    build(group)
    code, out, err = deploy(group, target)
    assert code == 0, out + err
    (name,) = releases(target)
    assert live(target) == f"releases/{name}"
    assert (target / "current" / "portal" / "yaowen" / "yi-tiao-xinxi.html").is_file()
    assert (target / "current" / "district" / "manifest.json").is_file()
    info = json.loads((target / "current" / "release.json").read_text(encoding="utf-8"))
    assert info["release"] == name and info["sites"] == ["portal", "district"]
    (entry,) = [json.loads(l) for l in (target / "deploy-log.jsonl").read_text().splitlines()]
    assert entry["action"] == "deploy" and entry["release"] == name
    assert entry["items"]["portal"] == ["content/portal/yaowen/yi-tiao-xinxi.md"]


def test_last_n_releases_are_kept(group, target):
    approved(group)
    build(group)
    for _ in range(3):
        assert deploy(group, target, "--keep", "2", "--force")[0] == 0
    kept = releases(target)
    assert len(kept) == 2
    assert live(target) == f"releases/{kept[-1]}"


def test_an_identical_rebuild_does_not_spend_a_backup(group, target):
    approved(group)
    build(group)
    assert deploy(group, target)[0] == 0
    build(group)                                  # e.g. a scheduled rebuild with nothing due
    code, out, err = deploy(group, target)
    assert code == 0, err
    assert "完全相同" in out
    assert len(releases(target)) == 1


def test_rollback_goes_to_the_previous_release_and_to_a_named_one(group, target, two_builds):
    first = two_builds(target)
    assert deploy(group, target)[0] == 0
    second = live(target)
    assert second != first
    code, out, err = group.govsite("rollback", "--to", target)
    assert code == 0, err
    assert live(target) == first
    page = (target / "current/portal/yaowen/yi-tiao-xinxi.html").read_text(encoding="utf-8")
    assert "第一版的标题" in page
    code, out, err = group.govsite("rollback", "--to", target, second.split("/")[1])
    assert code == 0, err
    assert live(target) == second
    log = [json.loads(l) for l in (target / "deploy-log.jsonl").read_text().splitlines()]
    assert [e["action"] for e in log] == ["deploy", "deploy", "rollback", "rollback"]


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


@pytest.mark.parametrize("damage, words", [
    (lambda site: (site / "manifest.json").unlink(), "manifest.json 不存在"),
    (lambda site: (site / "manifest.json").write_text("{\"format\": 1, \"files\": "), "已损坏"),
    (lambda site: (site / "manifest.json").write_text("[]"), "已损坏"),
    (lambda site: (site / "index.html").write_bytes((site / "index.html").read_bytes() + b" "), "不一致"),
], ids=["missing", "truncated", "not-ours", "changed-after-build"])
def test_build_without_an_intact_manifest_is_not_deployed(group, target, damage, words):
    before = deployed_once(group, target)
    damage(group.output / "portal")
    code, out, err = deploy(group, target)
    assert code == 1
    assert words in err
    assert snapshot(target) == before


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


def test_rollback_to_a_release_that_does_not_exist_is_a_clear_error(group, target):
    before = deployed_once(group, target)
    code, out, err = group.govsite("rollback", "--to", target, "20990101T000000-deadbeef")
    assert code == 1
    assert "不存在" in err and before[1][0] in err
    assert snapshot(target) == before


def test_rollback_without_an_earlier_release_is_a_clear_error(group, target):
    before = deployed_once(group, target)
    code, out, err = group.govsite("rollback", "--to", target)
    assert code == 1
    assert "没有可回滚" in err
    assert snapshot(target) == before


def test_keep_must_be_a_positive_number(group, target):
    code, out, err = deploy(group, target, "--keep", "0")
    assert code == 2
    assert "--keep" in err


# -- a real deploy process: killed midway, or running while another one starts -------------

def slow_deploy(group, target) -> subprocess.Popen:
    """A deploy throttled by rsync --bwlimit, in its own process group."""
    return subprocess.Popen([GOVSITE, "--root", str(group.root), "deploy", "--to", str(target),
                             "--bwlimit", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def wait_for_copy_to_start(target: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    for _ in range(6000):
        partial = list((target / "releases").glob(".partial-*/portal/*"))
        if partial or proc.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the deploy ended before it could be interrupted"
    assert partial, "the deploy never started copying"


def test_a_deploy_killed_midway_leaves_current_on_the_old_release(group, target, two_builds):
    first = two_builds(target)
    proc = slow_deploy(group, target)
    wait_for_copy_to_start(target, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert live(target) == first
    assert releases(target) == [first.split("/")[1]]      # the partial copy is not a release
    assert list((target / "releases").glob(".partial-*"))
    page = (target / "current/portal/yaowen/yi-tiao-xinxi.html").read_text(encoding="utf-8")
    assert "第一版的标题" in page
    # the lock died with the process: the next deploy goes through and clears the leftovers
    code, out, err = deploy(group, target)
    assert code == 0, err
    assert not list((target / "releases").glob(".partial-*"))
    assert "第二版的标题" in (target / "current/portal/yaowen/yi-tiao-xinxi.html").read_text(encoding="utf-8")


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


# -- nginx serving the target while releases switch ------------------------------------------

@pytest.fixture
def nginx(target):
    prefix = Path(tempfile.mkdtemp(prefix="govsite-nginx-"))
    port = free_port()
    temps = "\n".join(f"  {k}_temp_path {prefix}/{k}_temp;" for k in
                      ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(f"""
pid {prefix}/nginx.pid;
worker_processes 2;
events {{ worker_connections 256; }}
http {{
  access_log off;
{temps}
  server {{
    listen 127.0.0.1:{port};
    root {target}/current;
  }}
}}
""")
    args = ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
    subprocess.run(args + ["-t"], check=True, capture_output=True)
    proc = subprocess.Popen(args + ["-g", "daemon off;"])
    wait_listening(port, proc, "nginx")
    yield f"http://127.0.0.1:{port}"
    proc.send_signal(signal.SIGQUIT)
    proc.wait(timeout=30)
    shutil.rmtree(prefix, ignore_errors=True)


PATHS = ["portal/index.html", "portal/yaowen/yi-tiao-xinxi.html", "portal/yaowen/index.html",
         "portal/manifest.json"]


class Load:
    """Threads requesting PATHS in a loop, bounded in count and time, recording every answer."""

    def __init__(self, base, threads=4, limit=4000, seconds=120):
        self.base, self.limit, self.deadline = base, limit, time.monotonic() + seconds
        self.answers: list[tuple[str, int, bytes]] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(threads)]

    def run(self, offset):
        i = offset
        while not self.stop.is_set() and len(self.answers) < self.limit and time.monotonic() < self.deadline:
            path = PATHS[i % len(PATHS)]
            i += 1
            try:
                with urllib.request.urlopen(f"{self.base}/{path}", timeout=10) as r:
                    answer = (path, r.status, r.read())
            except urllib.error.HTTPError as exc:
                answer = (path, exc.code, b"")
            except OSError as exc:
                answer = (path, 0, str(exc).encode())
            with self.lock:
                self.answers.append(answer)

    def wait_for(self, count):
        for _ in range(10000):
            if len(self.answers) >= count or time.monotonic() > self.deadline:
                return
            time.sleep(0.005)


def test_nginx_serves_wholly_old_or_wholly_new_pages_while_current_switches(group, target, two_builds, nginx):
    first = two_builds(target)
    old = {p: (target / first / p).read_bytes() for p in PATHS}
    new = {p: (group.output / p).read_bytes() for p in PATHS}
    assert all(old[p] != new[p] for p in PATHS)
    load = Load(nginx)
    for t in load.threads:
        t.start()
    try:
        load.wait_for(40)
        assert deploy(group, target)[0] == 0                    # old -> new
        second = live(target).split("/")[1]
        for _ in range(3):                                      # and a few more switches under load
            load.wait_for(len(load.answers) + 40)
            assert group.govsite("rollback", "--to", target)[0] == 0
            load.wait_for(len(load.answers) + 40)
            assert group.govsite("rollback", "--to", target, second)[0] == 0
        load.wait_for(len(load.answers) + 40)
    finally:
        load.stop.set()
        for t in load.threads:
            t.join(timeout=30)
    failed = [(p, s, b[:80]) for p, s, b in load.answers if s != 200]
    assert failed == []
    mixed = [p for p, s, b in load.answers if b not in (old[p], new[p])]
    assert mixed == []
    assert any(b == old[p] for p, s, b in load.answers)
    assert any(b == new[p] for p, s, b in load.answers)
