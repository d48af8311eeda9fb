"""Deploy to user@host:/path: rsync over SSH to a real sshd started on 127.0.0.1; primary and
standby servers (two local targets and one over SSH) switched together or not at all."""
import getpass
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.repo import DEPLOY, free_port, wait_listening
from tests.test_deploy import approved, build, live, log, releases


def keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


@pytest.fixture
def sshd(tmp_path):
    """sshd on 127.0.0.1 with its own host key and configuration; key auth only."""
    folder = tmp_path / "sshd"
    folder.mkdir()
    host_key = keygen(folder / "host_key")
    client_key = keygen(folder / "client_key")
    shutil.copy(f"{client_key}.pub", folder / "authorized_keys")
    port = free_port()
    (folder / "sshd_config").write_text(f"""
Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {folder}/sshd.pid
AuthorizedKeysFile {folder}/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
""")
    os.makedirs("/run/sshd", exist_ok=True)      # sshd's privilege separation directory
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    subprocess.run([sshd, "-t", "-f", str(folder / "sshd_config")], check=True)
    proc = subprocess.Popen([sshd, "-D", "-e", "-f", str(folder / "sshd_config")],
                            stderr=open(folder / "sshd.log", "wb"))
    wait_listening(port, proc, "sshd")
    kind, b64 = Path(f"{host_key}.pub").read_text().split()[:2]
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {kind} {b64}\n")
    ssh = (f"ssh -F /dev/null -p {port} -i {client_key} -o IdentitiesOnly=yes "
           f"-o UserKnownHostsFile={folder / 'known_hosts'} -o StrictHostKeyChecking=yes")
    yield {"ssh": ssh, "host": f"{getpass.getuser()}@127.0.0.1", "folder": folder, "port": port}
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def deploy(group, *specs, sshd=None, extra=()):
    to = [a for spec in specs for a in ("--to", spec)]
    return group.govsite("deploy", *to, "--ssh", sshd["ssh"], "--sign-key", group.keys[DEPLOY], *extra)


def shared_inodes(target: Path) -> int:
    """Files of the two releases that are one file on disk."""
    a, b = sorted((target / "releases").iterdir())[:2]
    inodes = {p.stat().st_ino for p in a.rglob("*") if p.is_file()}
    return sum(1 for p in b.rglob("*") if p.is_file() and p.stat().st_ino in inodes)


@pytest.fixture
def remote_dir():
    folder = Path(tempfile.mkdtemp(prefix="govsite-remote-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_deploy_over_ssh_switches_the_remote_current_and_rolls_back(group, sshd, remote_dir):
    spec = f"{sshd['host']}:{remote_dir}"
    approved(group, title="第一版的标题")
    build(group)
    code, out, err = deploy(group, spec, sshd=sshd)
    assert code == 0, err
    first = live(remote_dir)
    approved(group, title="第二版的标题")
    build(group)
    assert deploy(group, spec, sshd=sshd)[0] == 0
    assert len(releases(remote_dir)) == 2
    page = remote_dir / "current/portal/yaowen/yi-tiao-xinxi.html"
    assert "第二版的标题" in page.read_text(encoding="utf-8")
    assert shared_inodes(remote_dir) > 10                   # --link-dest over SSH shares unchanged files
    code, out, err = group.govsite("verify", "--root", spec, "--ssh", sshd["ssh"])
    assert code == 0, out + err
    code, out, err = group.govsite("rollback", "--to", spec, "--ssh", sshd["ssh"])
    assert code == 0, err
    assert live(remote_dir) == first
    assert "第一版的标题" in page.read_text(encoding="utf-8")


def test_ssh_target_with_an_unknown_host_key_is_refused_and_nothing_changes(group, sshd, remote_dir):
    approved(group)
    build(group)
    other = keygen(sshd["folder"] / "other_host_key")
    kind, b64 = Path(f"{other}.pub").read_text().split()[:2]
    (sshd["folder"] / "known_hosts").write_text(f"[127.0.0.1]:{sshd['port']} {kind} {b64}\n")
    code, out, err = deploy(group, f"{sshd['host']}:{remote_dir}", sshd=sshd)
    assert code == 2
    assert "无法访问部署目标" in err and "主机密钥" in err
    assert list(remote_dir.iterdir()) == []


def test_ssh_target_folder_that_does_not_exist_is_a_clear_error(group, sshd, remote_dir):
    approved(group)
    build(group)
    code, out, err = deploy(group, f"{sshd['host']}:{remote_dir}/nowhere", sshd=sshd)
    assert code == 2
    assert "不存在" in err
    assert not (remote_dir / "nowhere").exists()


# -- primary and standby servers --------------------------------------------------------------

@pytest.fixture
def three(remote_dir, sshd, tmp_path):
    """Two local targets and one over SSH (world-readable folders)."""
    local = [tmp_path / "web1", tmp_path / "web2"]
    for folder in local:
        folder.mkdir()
    return [*local, remote_dir], [str(local[0]), str(local[1]), f"{sshd['host']}:{remote_dir}"]


def test_primary_and_standby_servers_get_the_same_release_and_roll_back_together(group, sshd, three):
    folders, specs = three
    approved(group, title="第一版的标题")
    build(group)
    code, out, err = deploy(group, *specs, sshd=sshd)
    assert code == 0, err
    first = {live(f) for f in folders}
    assert len(first) == 1
    approved(group, title="第二版的标题")
    build(group)
    assert deploy(group, *specs, sshd=sshd)[0] == 0
    second = {live(f) for f in folders}
    assert len(second) == 1 and second != first
    to = [a for spec in specs for a in ("--to", spec)]
    code, out, err = group.govsite("verify", *to, "--ssh", sshd["ssh"])
    assert code == 0, out + err
    assert out.count("通过") >= 3
    code, out, err = group.govsite("rollback", *to, "--ssh", sshd["ssh"])
    assert code == 0, err
    assert {live(f) for f in folders} == first
    for f in folders:
        page = f / "current/portal/yaowen/yi-tiao-xinxi.html"
        assert "第一版的标题" in page.read_text(encoding="utf-8")


def first_deployed_second_built(group, specs, sshd, folders) -> str:
    """Build 1 live on every server; build 2 in output/. Returns build 1's `current`."""
    approved(group, title="第一版的标题")
    build(group)
    assert deploy(group, *specs, sshd=sshd)[0] == 0
    approved(group, title="第二版的标题")
    build(group)
    return live(folders[0])


def test_a_copy_failing_on_one_server_switches_none_and_leaves_no_release_behind(group, sshd, three):
    folders, specs = three
    first = first_deployed_second_built(group, specs, sshd, folders)
    (folders[2] / "manifests").rename(folders[2] / "manifests.saved")
    (folders[2] / "manifests").write_text("not a folder")        # the SSH server cannot take the release
    code, out, err = deploy(group, *specs, sshd=sshd)
    assert code == 1
    assert "未部署，线上网站未改动" in err and "已清除" in err
    assert [live(f) for f in folders] == [first] * 3
    for f in folders:
        assert releases(f) == [first.split("/")[1]]
        assert not list((f / "releases").glob(".partial-*"))


def test_a_switch_failing_on_one_server_switches_back_the_others(group, sshd, three):
    folders, specs = three
    first = first_deployed_second_built(group, specs, sshd, folders)
    blocker = folders[2] / ".current.new"                  # `mv -T .current.new current` fails there
    blocker.mkdir()
    (blocker / "x").write_text("x")
    code, out, err = deploy(group, *specs, sshd=sshd)
    assert code == 1
    assert f"{folders[0]} 已切回" in err and f"{folders[1]} 已切回" in err
    assert [live(f) for f in folders] == [first] * 3
    assert [e["action"] for e in log(folders[0])] == ["deploy", "deploy", "revert"]
    to = [a for spec in specs for a in ("--to", spec)]
    shutil.rmtree(blocker)
    code, out, err = group.govsite("verify", *to, "--ssh", sshd["ssh"])
    assert code == 0, out + err


def test_verify_over_ssh_finds_a_symlink_and_a_fifo_without_hanging(group, sshd, remote_dir):
    import os

    spec = f"{sshd['host']}:{remote_dir}"
    approved(group)
    build(group)
    assert deploy(group, spec, sshd=sshd)[0] == 0
    site = remote_dir / "current" / "portal"
    (site / "evil").symlink_to("/etc")
    os.mkfifo(site / "pipe")
    (site / "index.html").chmod(0o666)
    code, out, err = group.govsite("verify", "--root", spec, "--ssh", sshd["ssh"])
    assert code == 1, out + err
    assert "evil（符号链接）" in out and "pipe（命名管道（FIFO））" in out and "可写：index.html" in out
