"""Anti-tamper (issues 7, 15): `govsite verify` checks the live release against manifests signed
at deploy time and kept outside the web root. An intruder who can write the web root (and even
the manifests) cannot make a tampered site pass; verify never hangs and never shows a traceback."""
import json
import os
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.nginx_server import get, running
from tests.test_deploy import GOVSITE, approved, build, deploy, live, target  # noqa: F401 - fixture
from workflow.build import manifest

PORTAL = "www.test-city.gov.cn"


@pytest.fixture
def deployed(group, target):
    """Two releases deployed; the second is live."""
    approved(group, title="第一版的标题")
    build(group)
    assert deploy(group, target)[0] == 0
    approved(group, title="第二版的标题")
    build(group)
    assert deploy(group, target)[0] == 0
    return target


def verify(group, *args, timeout=120) -> subprocess.CompletedProcess:
    """The real command in its own process: a hang fails the test (TimeoutExpired)."""
    return subprocess.run([GOVSITE, "--root", str(group.root), "verify", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def paths(target: Path):
    current = target / live(target)
    older = next(p for p in (target / "releases").iterdir() if p.name != current.name)
    return current, older


def test_an_untouched_deploy_verifies(group, deployed):
    proc = verify(group, "--root", deployed)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "portal" in proc.stdout and "district" in proc.stdout and "通过" in proc.stdout
    assert live(deployed).split("/")[1] in proc.stdout


def rewrite_manifest(target, current, older):
    """Change a page, then rewrite the manifest to match it (the signature no longer does)."""
    page = current / "portal" / "index.html"
    page.unlink()
    page.write_text("<p>篡改</p>")
    signed = target / "manifests" / current.name / "portal.json"
    data = json.loads(signed.read_text(encoding="utf-8"))
    data["files"]["index.html"]["sha256"] = manifest.sha256_file(page)
    data["files"]["index.html"]["size"] = page.stat().st_size
    signed.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def swap_manifest(target, current, older):
    for suffix in ("", ".sig"):
        src = target / "manifests" / older.name / f"portal.json{suffix}"
        (target / "manifests" / current.name / f"portal.json{suffix}").write_bytes(src.read_bytes())


def point_current_at(target, current, older):
    (target / ".c").symlink_to(f"releases/{older.name}")
    (target / ".c").rename(target / "current")


def reviewer_signed(group):
    def tamper(target, current, older):
        signed = target / "manifests" / current.name / "portal.json"
        data = json.loads(signed.read_text(encoding="utf-8"))
        data["files"]["index.html"]["sha256"] = "0" * 64
        raw = json.dumps(data).encode()
        signed.write_bytes(raw)
        proc = subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(group.keys["zhong.shen"]),
                               "-n", "govsite-manifest"], input=raw, capture_output=True, check=True)
        Path(f"{signed}.sig").write_bytes(proc.stdout)
    return tamper


def unix_socket(path: Path):
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()


def sparse_like(page: Path):
    """A file of the page's size whose content was never written (a sparse hole)."""
    size = page.stat().st_size
    page.unlink()
    page.touch()
    os.truncate(page, size)


def deep(folder: Path, depth: int = 1500):
    path = os.fsencode(folder)
    fd = os.open(path, os.O_RDONLY)
    for _ in range(depth):                     # deeper than Python's recursion limit
        os.mkdir(b"d", dir_fd=fd)
        new = os.open(b"d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = new
    os.close(fd)


def fifo_over(path: Path):
    path.unlink()
    os.mkfifo(path)


def changed_byte(page: Path):
    data = bytearray(page.read_bytes())
    data[len(data) // 2] ^= 0x01
    page.unlink()
    page.write_bytes(bytes(data))


TAMPERS = {
    "changed-byte": (lambda t, c, o: changed_byte(c / "portal/yaowen/yi-tiao-xinxi.html"),
                     "被修改：yaowen/yi-tiao-xinxi.html"),
    "deleted-file": (lambda t, c, o: (c / "portal/404.html").unlink(), "缺失：404.html"),
    "added-file": (lambda t, c, o: (c / "portal/yaowen/extra.html").write_text("<p>x</p>"), "多出：yaowen/extra.html"),
    "file-in-dot-folder": (lambda t, c, o: ((c / "portal/.well-known").mkdir(),
                                            (c / "portal/.well-known/x.txt").write_text("x")),
                           "多出：.well-known/x.txt"),
    "empty-folder": (lambda t, c, o: (c / "portal/.hidden").mkdir(), "多出：.hidden"),
    "symlink-to-a-folder": (lambda t, c, o: (c / "portal/evil").symlink_to("/etc"), "evil（符号链接）"),
    "dangling-symlink": (lambda t, c, o: (c / "portal/gone").symlink_to("/nonexistent"), "gone（符号链接）"),
    "fifo": (lambda t, c, o: os.mkfifo(c / "portal/yaowen/pipe"), "yaowen/pipe（命名管道（FIFO））"),
    "socket": (lambda t, c, o: unix_socket(c / "portal/sock"), "sock（套接字）"),
    "device": (lambda t, c, o: os.mknod(c / "portal/null", 0o666 | 0o020000, os.makedev(1, 3)), "null（字符设备）"),
    "world-writable-file": (lambda t, c, o: (c / "portal/index.html").chmod(0o666), "组或其他用户可写：index.html"),
    "group-writable-folder": (lambda t, c, o: (c / "portal/yaowen").chmod(0o775), "组或其他用户可写：yaowen"),
    "file-replaced-by-folder": (lambda t, c, o: ((c / "portal/404.html").unlink(), (c / "portal/404.html").mkdir()),
                                "缺失：404.html"),
    "site-folder-replaced-by-symlink": (lambda t, c, o: (os.rename(c / "district", c / ".d"),
                                                         (c / "district").symlink_to(c / ".d")),
                                        "district（符号链接）"),
    "manifest-rewritten-to-match": (rewrite_manifest, "清单签名无效"),
    "manifest-deleted": (lambda t, c, o: (t / "manifests" / c.name / "portal.json").unlink(), "没有签名清单"),
    "signature-deleted": (lambda t, c, o: (t / "manifests" / c.name / "portal.json.sig").unlink(), "没有签名"),
    "manifests-folder-deleted": (lambda t, c, o: subprocess.run(["rm", "-rf", str(t / "manifests")], check=True),
                                 "没有签名清单"),
    "manifest-of-another-release": (swap_manifest, "清单被调换"),
    "current-pointed-at-an-older-release": (point_current_at, "部署记录表明线上版本应为"),
    "deploy-log-deleted": (lambda t, c, o: (t / "deploy-log.jsonl").unlink(), "部署记录 deploy-log.jsonl 缺失"),
    "deploy-log-garbled": (lambda t, c, o: (t / "deploy-log.jsonl").write_text("{\n"), "第 1 行不是 govsite 的部署记录"),
    "huge-sparse-file": (lambda t, c, o: os.truncate(c / "portal/huge.bin", 1 << 40) if (c / "portal/huge.bin").touch()
                         is None else None, "多出：huge.bin"),
    "sparse-file-as-big-as-a-page": (lambda t, c, o: sparse_like(c / "portal/index.html"), "被修改：index.html"),
    "deep-folders": (lambda t, c, o: deep(c / "portal"), "多出：d/d/d/d"),
    "undecodable-name": (lambda t, c, o: os.close(os.open(os.fsencode(c / "portal") + b"/\xff\n.html",
                                                         os.O_CREAT | os.O_WRONLY, 0o644)),
                         "多出：\\xff\\n.html"),
    "fifo-as-manifest": (lambda t, c, o: fifo_over(t / "manifests" / c.name / "portal.json"), "不是普通文件"),
    "fifo-as-deploy-log": (lambda t, c, o: fifo_over(t / "deploy-log.jsonl"), "deploy-log.jsonl 不是普通文件"),
    "current-out-of-releases": (lambda t, c, o: ((t / ".c").symlink_to("/etc"), (t / ".c").rename(t / "current")),
                                "不是 releases/ 下的任何版本"),
}


@pytest.mark.parametrize("name", TAMPERS)
def test_every_tamper_is_detected_named_and_never_hangs_or_shows_a_traceback(group, deployed, name):
    tamper, words = TAMPERS[name]
    current, older = paths(deployed)
    tamper(deployed, current, older)
    try:
        proc = verify(group, "--root", deployed)
    finally:
        if name == "deep-folders":             # deeper than shutil.rmtree can go
            subprocess.run(["rm", "-rf", str(current / "portal" / "d")], check=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert words in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stderr + proc.stdout


def test_a_manifest_signed_by_a_reviewers_key_is_not_a_reference(group, deployed):
    current, older = paths(deployed)
    reviewer_signed(group)(deployed, current, older)
    proc = verify(group, "--root", deployed)
    assert proc.returncode == 1
    assert "清单签名无效" in proc.stdout and "govsite-manifest" in proc.stdout


def test_verify_names_the_site_and_checks_only_it_with_site(group, deployed):
    current, _ = paths(deployed)
    (current / "portal/index.html").chmod(0o666)
    assert verify(group, "--root", deployed, "--site", "district").returncode == 0
    proc = verify(group, "--root", deployed, "--site", "portal")
    assert proc.returncode == 1 and "[portal]" in proc.stdout


@pytest.mark.parametrize("args, words", [
    (["--root", "/nonexistent-govsite"], "不存在"),
    (["--url", "http://127.0.0.1:9/"], "--site"),
    (["--root", "{repo}"], "不是 govsite 的部署目标"),
])
def test_verify_bad_input_is_a_clear_error(group, args, words):
    proc = verify(group, *[a.format(repo=group.root) for a in args])
    assert proc.returncode == 2
    assert words in proc.stderr and "Traceback" not in proc.stderr


def test_manifests_are_not_served(group, deployed, tmp_path):
    current, _ = paths(deployed)
    with running(group, deployed / "current", tmp_path / "nginx") as (port, _):
        assert get(port, PORTAL, "/")[0] == 200
        for path in ("/manifest.json", "/.manifests/portal.json", f"/../../manifests/{current.name}/portal.json"):
            assert get(port, PORTAL, path)[0] in (400, 404), path


def test_verify_url_names_403_404_and_changed_files(group, deployed, tmp_path):
    """--url against a server answering for the portal at the given base URL."""
    current, _ = paths(deployed)
    served = tmp_path / "served"
    served.mkdir()
    served.chmod(0o755)
    (served / "current").symlink_to(current)
    changed_byte(current / "portal/yaowen/yi-tiao-xinxi.html")
    (current / "portal/404.html").unlink()
    (current / "portal/sitemap.html").chmod(0o600)
    conf_dir = tmp_path / "plain"
    conf_dir.mkdir()
    from tests.nginx_server import command, main_conf
    from tests.repo import free_port, wait_listening
    port = free_port()
    sites = conf_dir / "sites.conf"
    sites.write_text(f"server {{ listen 127.0.0.1:{port}; root {current / 'portal'}; }}\n")
    conf = main_conf(conf_dir, sites)
    proc = subprocess.Popen(command(conf_dir, conf, "-g", "daemon off;"), stderr=subprocess.PIPE)
    try:
        wait_listening(port, proc, "nginx")
        result = verify(group, "--url", f"http://127.0.0.1:{port}/", "--site", "portal", "--manifest",
                        deployed / "manifests" / current.name / "portal.json")
    finally:
        proc.send_signal(3)
        proc.wait(timeout=30)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "被修改：yaowen/yi-tiao-xinxi.html" in result.stdout
    assert "缺失（HTTP 404）：404.html" in result.stdout
    assert "禁止访问（HTTP 403）：sitemap.html" in result.stdout
    assert "3 个文件不一致或无法取得" in result.stdout


def test_verify_url_checks_the_signature_of_a_manifest_given_with_its_sig(group, deployed, tmp_path):
    current, _ = paths(deployed)
    copy = tmp_path / "portal.json"
    data = json.loads((deployed / "manifests" / current.name / "portal.json").read_text(encoding="utf-8"))
    data["files"]["index.html"]["sha256"] = "0" * 64
    copy.write_text(json.dumps(data), encoding="utf-8")
    Path(f"{copy}.sig").write_bytes((deployed / "manifests" / current.name / "portal.json.sig").read_bytes())
    proc = verify(group, "--url", "http://127.0.0.1:9/", "--site", "portal", "--manifest", copy)
    assert proc.returncode == 2 and "签名无效" in proc.stderr


# -- the manifest the build writes -------------------------------------------------------------

def test_manifest_lists_every_file_the_build_commit_and_each_items_approvers(group):
    import hashlib

    from workflow.model import dates, items

    path = group.item(column="zcwj", slug="zheng-ce")
    assert group.approve(path, "chu.shen")[0] == 0
    assert group.approve(path, "zhong.shen")[0] == 0
    for args in (["init", "-q"], ["config", "user.name", "t"], ["config", "user.email", "t@t"],
                 ["add", "."], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", "-C", str(group.root), *args], check=True, capture_output=True)
    head = subprocess.run(["git", "-C", str(group.root), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    build(group)
    site = group.output / "portal"
    data = json.loads((group.output / ".manifests/portal.json").read_text(encoding="utf-8"))
    on_disk = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert set(data["files"]) == on_disk
    for rel, entry in data["files"].items():
        assert entry["sha256"] == hashlib.sha256((site / rel).read_bytes()).hexdigest(), rel
    assert data["build"]["commit"] == head
    assert dates.parse_datetime(data["build"]["built_at"]).date() == dates.today()
    (item,) = data["items"]
    assert item["path"] == "content/portal/zcwj/zheng-ce.md" and item["url"] == "zcwj/zheng-ce.html"
    signed = {(a["level"], a["by"]): a["at"] for a in items.load(path, group.root).meta["approvals"]}
    assert [(a["level"], a["by"]) for a in item["approvals"]] == [("初审", "chu.shen"), ("终审", "zhong.shen")]
    for a in item["approvals"]:
        assert dates.parse_datetime(a["at"]) == dates.parse_datetime(signed[(a["level"], a["by"])])


# -- hostile file names: any added file is named, on one line ---------------------------------

NAMES = st.text(st.characters(blacklist_characters="/\0", blacklist_categories=("Cs",)), min_size=1,
                max_size=40).filter(lambda n: n not in (".", "..") and len(n.encode()) < 200)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.sets(NAMES, min_size=1, max_size=4))
def test_any_added_file_is_reported_by_its_name_on_one_line(names):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "index.html").write_text("x")
        expected = {"format": manifest.FORMAT, "files": manifest.scan(root).files(), "dirs": []}
        for name in names:
            (root / name).write_bytes(b"y")
        diff = manifest.compare(expected, manifest.scan(root))
        assert set(diff["unexpected"]) == set(names) - {"index.html"}
        if "index.html" in names:
            assert diff["modified"] == ["index.html"]
        for name in diff["unexpected"]:
            shown = manifest.shown(name)
            assert "\n" not in shown and "\r" not in shown and shown.isprintable()


def test_verify_url_against_a_server_that_is_down_names_every_file_in_chinese(group, deployed):
    from tests.repo import free_port

    current, _ = paths(deployed)
    signed = deployed / "manifests" / current.name / "portal.json"
    count = len(json.loads(signed.read_text(encoding="utf-8"))["files"])
    proc = verify(group, "--url", f"http://127.0.0.1:{free_port()}/", "--site", "portal", "--manifest", signed)
    assert proc.returncode == 1
    assert proc.stdout.count("无法访问（连接被拒绝") == count
    assert f"{count} 个文件不一致或无法取得" in proc.stdout and "Traceback" not in proc.stderr
