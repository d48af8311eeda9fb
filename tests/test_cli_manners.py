"""Ecosystem manners (issue 16, point 8) and `govsite new`'s papercuts (issue 20, points 2-3)."""
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.repo import PROJECT
from workflow.model import dates

BIN = str(Path(sys.executable).parent)
ENGLISH = re.compile(r"usage:|error:|the following arguments|unrecognized arguments|invalid choice|"
                     r"show this help|positional arguments|options:|Traceback|expected one argument")


@pytest.mark.parametrize("args", [
    [], ["nope"], ["check", "--nope"], ["check", "--stage", "later"], ["approve"], ["build", "--jobs"],
    ["new", "标题"], ["-h"], ["check", "-h"], ["review", "-h"], ["build", "--jobs", "two"],
])
def test_usage_and_argument_errors_are_chinese(group, args):
    code, out, err = group.govsite(*args)
    text = out + err
    assert not ENGLISH.search(text), text
    assert ("用法：" in text) and code in (0, 2)


def test_a_busy_port_is_one_chinese_line(group, tmp_path):
    (group.root / "output").mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run([f"{BIN}/govsite", "--root", str(group.root), "serve", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "端口已被占用" in lines[0] and "--port" in lines[0]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_an_unreadable_file_is_one_chinese_line(group):
    from workflow.cli import os_error

    assert os_error(PermissionError(13, "Permission denied", "content/portal/site.yaml")) == \
        "content/portal/site.yaml：没有权限（Permission denied）"
    said = os_error(FileNotFoundError(2, "No such file or directory", "ssh-keygen"))
    assert said.startswith("找不到程序 ssh-keygen：请先安装它")


def test_a_missing_program_is_one_chinese_line(group, tmp_path):
    env = {"PATH": str(tmp_path / "empty"), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    path = group.item()
    proc = subprocess.run([sys.executable, "-m", "workflow.cli", "--root", str(group.root), "approve", str(path),
                           "--key", str(group.keys["zhong.shen"]), "--as", "zhong.shen"],
                          capture_output=True, text=True, env=env, cwd=PROJECT)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "找不到程序" in proc.stderr


def test_plain_pelican_in_the_repository_points_to_govsite_build(group):
    proc = subprocess.run([f"{BIN}/pelican"], cwd=group.root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "KeyError" not in proc.stderr
    assert "不能直接运行 pelican" in proc.stderr and "govsite build" in proc.stderr
    assert not (group.root / "output").exists()


def test_new_makes_a_short_dated_slug_and_names_the_column_once(group):
    code, out, err = group.govsite("new", "--site", "portal", "--column", "tzgg", "关于2026年冬季供暖安排的通知")
    assert code == 0, err
    month = dates.today().strftime("%Y-%m")
    assert f"content/portal/tzgg/{month}-dongji-gongnuan-anpai-tongzhi.md（通知公告）" in out
    code, out, err = group.govsite("new", "--site", "portal", "--column", "zcwj", "某某办法")
    assert "（政策文件，政策文件）" not in out and "（政策文件" in out


@pytest.mark.parametrize("slug, ok", [
    ("2026-12-gongnuan", True), ("Gongnuan", False), ("供暖", False), ("../x", False), ("a b", False),
    ("-x", False), ("x" * 61, False),
])
def test_new_slug_option_is_checked(group, slug, ok):
    code, out, err = group.govsite("new", "--site", "portal", "--column", "tzgg", "供暖通知", "--slug", slug)
    assert (code == 0) == ok, out + err
    if ok:
        assert (group.root / f"content/portal/tzgg/{slug}.md").is_file()
        code, out, err = group.govsite("new", "--site", "portal", "--column", "tzgg", "又一条", "--slug", slug)
        assert code == 2 and "已存在" in err
    else:
        assert "--slug" in err and not list((group.root / "content/portal").rglob("*.md"))


@pytest.mark.parametrize("argv, command", [
    (["build", "--jobs", "2"], "build"), (["--root", "build", "check"], "check"), (["--root=x", "deploy"], "deploy"),
    (["-h"], None), ([], None), (["--root", "x"], None), (["nginx-config", "-h"], "nginx-config"),
])
def test_the_command_is_found_before_parsing(argv, command):
    from workflow.cli import command_in
    assert command_in(argv) == command


def test_a_run_registers_only_its_command_and_help_lists_all():
    """A build does not import the deploy tools (~0.05 s of every change's build); `-h`
    and a mistyped command still see every command."""
    from workflow.cli import COMMANDS, make_parser

    def names(parser):
        return set(next(a for a in parser._actions if a.dest == "command").choices)

    assert names(make_parser("build")) == {"build"}
    assert names(make_parser("nginx-config")) == {"nginx-config"}
    every = {n.replace("_", "-") for n in COMMANDS}
    assert names(make_parser(None)) == every == names(make_parser("nosuch"))
    proc = subprocess.run([sys.executable, "-m", "workflow.cli", "nosuch"], capture_output=True, text=True, cwd=PROJECT)
    assert proc.returncode == 2 and "'deploy'" in proc.stderr and "无效的选项" in proc.stderr
