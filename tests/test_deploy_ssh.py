"""Deploy to user@host:/path: rsync over SSH to a real sshd started on 127.0.0.1."""
import getpass
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.repo import free_port, wait_listening
from tests.test_deploy import approved, build, live, releases


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


@pytest.fixture
def remote_dir():
    folder = Path(tempfile.mkdtemp(prefix="govsite-remote-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_deploy_over_ssh_switches_the_remote_current_and_rolls_back(group, sshd, remote_dir):
    spec = f"{sshd['host']}:{remote_dir}"
    approved(group, title="第一版的标题")
    build(group)
    code, out, err = group.govsite("deploy", "--to", spec, "--ssh", sshd["ssh"])
    assert code == 0, err
    first = live(remote_dir)
    approved(group, title="第二版的标题")
    build(group)
    assert group.govsite("deploy", "--to", spec, "--ssh", sshd["ssh"])[0] == 0
    assert len(releases(remote_dir)) == 2
    page = remote_dir / "current/portal/yaowen/yi-tiao-xinxi.html"
    assert "第二版的标题" in page.read_text(encoding="utf-8")
    code, out, err = group.govsite("verify", "--root", remote_dir)
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
    code, out, err = group.govsite("deploy", "--to", f"{sshd['host']}:{remote_dir}", "--ssh", sshd["ssh"])
    assert code == 2
    assert "无法访问部署目标" in err
    assert list(remote_dir.iterdir()) == []


def test_ssh_target_folder_that_does_not_exist_is_a_clear_error(group, sshd, remote_dir):
    approved(group)
    build(group)
    code, out, err = group.govsite("deploy", "--to", f"{sshd['host']}:{remote_dir}/nowhere",
                                   "--ssh", sshd["ssh"])
    assert code == 2
    assert "不存在" in err
    assert not (remote_dir / "nowhere").exists()
