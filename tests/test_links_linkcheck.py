"""`govsite linkcheck`: LinkChecker over the built group, served on 127.0.0.1 by the command."""
import csv
import json
import shutil
import socket
import subprocess
import urllib.parse

import pytest

from tests.repo import Repo
from workflow.publish import linkcheck


def run_linkcheck(root, output, *args):
    repo = Repo.__new__(Repo)       # only its CLI runner: the repository already exists
    repo.root = root
    return repo.govsite("linkcheck", "--output", output, *args)


@pytest.fixture
def built(group):
    path = group.item(slug="ye-b")
    assert group.approve(path, "zhong.shen")[0] == 0
    path = group.item(slug="ye-a", body="[另一篇](ye-b.html)\n")
    assert group.approve(path, "zhong.shen")[0] == 0
    code, out, err = group.build()
    assert code == 0, out + err
    return group


def test_linkcheck_finds_a_planted_broken_link(built):
    page = built.output / "portal" / "yaowen" / "ye-a.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</main>", '<a href="/portal/yaowen/yi-shan-chu.html">已删除的信息</a></main>'), encoding="utf-8")
    code, out, err = built.govsite("linkcheck", "--output", built.output)
    assert code == 1, out + err
    assert "/portal/yaowen/yi-shan-chu.html" in out and "已删除的信息" in out
    report = json.loads((built.output / "linkcheck.json").read_text(encoding="utf-8"))
    assert [b["url"] for b in report["broken"]] == ["/portal/yaowen/yi-shan-chu.html"]
    assert report["broken"][0]["parentname"] == "/portal/yaowen/ye-a.html"
    assert report["checked"] > 10
    rows = list(csv.DictReader((built.output / "linkcheck.csv").open(encoding="utf-8"), delimiter=";"))
    assert [r["url"] for r in rows if r["valid"] == "False"] == ["/portal/yaowen/yi-shan-chu.html"]


def test_linkcheck_of_one_site_checks_only_that_site(built):
    page = built.output / "portal" / "yaowen" / "ye-a.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</main>", '<a href="/portal/nope.html">坏</a></main>'), encoding="utf-8")
    code, out, err = built.govsite("linkcheck", "--output", built.output, "--site", "district")
    report = json.loads((built.output / "linkcheck.json").read_text(encoding="utf-8"))
    assert report["sites"] == ["district"]
    assert code == 0, out + err


def test_linkcheck_serves_on_loopback_and_stops_its_server(built):
    result = linkcheck.run(built.output, ["portal"], "portal")
    url = urllib.parse.urlsplit(result.start_urls[0])
    assert url.hostname == "127.0.0.1" and result.broken == []
    assert any(r["url"] == "/portal/yaowen/ye-a.html" and r["valid"] is True for r in result.rows)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((url.hostname, url.port), timeout=5).close()


def test_linkcheck_refuses_bad_input_with_a_usage_error(built):
    assert built.govsite("linkcheck", "--output", built.output, "--site", "nope")[0] == 2
    assert built.govsite("linkcheck", "--output", built.root / "missing")[0] == 2
    code, out, err = built.build("--production")
    code, out, err = built.govsite("linkcheck", "--output", built.output)
    assert code == 2 and "生产构建" in err


def test_linkcheck_unable_to_write_its_output_is_a_failure_not_a_result(built, tmp_path):
    """Run as root, LinkChecker drops to nobody, cannot write -F files, still exits 1 on the
    broken link: such a run must be reported as a failed check, never read as a result."""
    page = built.output / "portal" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</main>", '<a href="/portal/nope.html">坏</a></main>'), encoding="utf-8")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    server = linkcheck._serve(built.output, "portal")
    try:
        proc = subprocess.run([linkcheck.linkchecker_command(), "--no-status", "-F",
                               f"csv/utf-8/{private}/out.csv", f"http://127.0.0.1:{server.server_address[1]}/portal/"],
                              capture_output=True, text=True)
    finally:
        server.shutdown()
        server.server_close()
    assert proc.returncode == 1
    with pytest.raises(linkcheck.LinkCheckerFailed) as exc:
        linkcheck.interpret(proc)
    assert "未输出检查结果" in str(exc.value)


def test_linkcheck_with_a_bad_option_is_a_failure_not_a_result():
    proc = subprocess.run([linkcheck.linkchecker_command(), "--timeout", "soon", "http://127.0.0.1:9/"],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    with pytest.raises(linkcheck.LinkCheckerFailed):
        linkcheck.interpret(proc)


def test_linkcheck_passes_the_clean_demo(demo_output, demo_root, tmp_path):
    output = tmp_path / "output"
    shutil.copytree(demo_output, output)
    code, out, err = run_linkcheck(demo_root, output)
    assert code == 0, out + err
    report = json.loads((output / "linkcheck.json").read_text(encoding="utf-8"))
    assert report["broken"] == [] and report["checked"] > 100
    assert set(report["sites"]) == {"portal", "qingxiu", "rsj", "dsj"}
    assert json.loads((output / "report.json").read_text(encoding="utf-8"))["pages"] == {}


def test_external_links_are_fetched_only_with_extern(built):
    page = built.output / "portal" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</main>", '<a href="https://www.example.invalid/">外部</a></main>'), encoding="utf-8")
    code, out, err = built.govsite("linkcheck", "--output", built.output, "--site", "portal")
    assert code == 0, out + err
    code, out, err = built.govsite("linkcheck", "--output", built.output, "--site", "portal", "--extern")
    assert code == 1, out + err
    report = json.loads((built.output / "linkcheck.json").read_text(encoding="utf-8"))
    assert report["extern"] is True
    assert "https://www.example.invalid/" in [b["url"] for b in report["broken"]]


def test_linkcheck_json_has_typed_values_the_failures_and_a_summary(built):
    page = built.output / "portal" / "yaowen" / "ye-a.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</main>", '<a href="/portal/yaowen/yi-shan-chu.html">已删除的信息</a></main>'), encoding="utf-8")
    built.govsite("linkcheck", "--output", built.output)
    report = json.loads((built.output / "linkcheck.json").read_text(encoding="utf-8"))
    assert "urls" not in report and report["summary"]["broken"] == 1 == len(report["broken"])
    assert report["summary"]["checked"] == report["checked"] > 10
    (row,) = report["broken"]
    assert row["valid"] is False and isinstance(row["line"], int) and isinstance(row["column"], int)
    built.govsite("linkcheck", "--output", built.output, "--all")
    rows = json.loads((built.output / "linkcheck.json").read_text(encoding="utf-8"))["urls"]
    starts = [r for r in rows if r["parentname"] is None]
    assert sorted(r["url"] for r in starts) == ["/district/", "/portal/"]
    for r in starts:                       # LinkChecker's start rows, no longer shifted two columns
        assert r["urlname"] == r["url"] and r["valid"] is True and r["column"] is None and r["name"] is None
        assert isinstance(r["size"], int) and r["size"] > 1000 and r["level"] == 0
    assert all(isinstance(r["valid"], bool) for r in rows)
