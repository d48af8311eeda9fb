"""Anti-tamper (issue 7): `govsite verify` finds every difference from manifest.json."""
import json

import pytest

from tests.test_deploy import approved, build, deploy, nginx, target  # noqa: F401 - fixtures


@pytest.fixture
def deployed(group, target):
    approved(group)
    build(group)
    assert deploy(group, target)[0] == 0
    return target


def tamper(site):
    page = site / "yaowen" / "yi-tiao-xinxi.html"
    data = bytearray(page.read_bytes())
    data[len(data) // 2] ^= 0x01                        # one changed byte
    page.write_bytes(bytes(data))
    (site / "404.html").unlink()                         # one deleted file
    (site / "yaowen" / "extra.html").write_text("<p>x</p>")   # one added file


def test_an_untouched_deploy_verifies(group, deployed):
    code, out, err = group.govsite("verify", "--root", deployed)
    assert code == 0, out + err
    assert "portal" in out and "district" in out and "通过" in out


def test_verify_reports_a_changed_byte_a_deleted_file_and_an_added_file(group, deployed):
    tamper(deployed / "current" / "portal")
    code, out, err = group.govsite("verify", "--root", deployed / "current" / "portal")
    assert code == 1
    assert "被修改：yaowen/yi-tiao-xinxi.html" in out
    assert "缺失：404.html" in out
    assert "多出：yaowen/extra.html" in out
    assert "3 处不一致" in out
    code, out, err = group.govsite("verify", "--root", deployed, "--site", "district")
    assert code == 0, out


def test_verify_over_http_finds_changed_and_missing_files(group, deployed, nginx):
    code, out, err = group.govsite("verify", "--url", f"{nginx}/portal/", "--site", "portal")
    assert code == 0, out + err
    tamper(deployed / "current" / "portal")
    code, out, err = group.govsite("verify", "--url", f"{nginx}/portal/", "--site", "portal")
    assert code == 1
    assert "被修改：yaowen/yi-tiao-xinxi.html" in out
    assert "缺失：404.html" in out


def test_a_corrupt_manifest_is_a_difference(group, deployed):
    site = deployed / "current" / "portal"
    (site / "manifest.json").write_text("{not json", encoding="utf-8")
    code, out, err = group.govsite("verify", "--root", site)
    assert code == 1
    assert "已损坏" in out


def test_a_manifest_whose_file_list_was_edited_is_still_compared(group, deployed):
    site = deployed / "current" / "portal"
    data = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    data["files"]["index.html"]["sha256"] = "0" * 64
    (site / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    code, out, err = group.govsite("verify", "--root", site)
    assert code == 1 and "被修改：index.html" in out
    # a trusted copy of the manifest, kept apart from the web root, settles it
    code, out, err = group.govsite("verify", "--root", site, "--manifest", group.output / "portal/manifest.json")
    assert code == 0, out


@pytest.mark.parametrize("args, words", [
    (["--root", "/nonexistent-govsite"], "不存在"),
    (["--url", "http://127.0.0.1:9/"], "--site"),
    (["--root", "{repo}"], "没有 manifest.json"),
])
def test_verify_bad_input_is_a_clear_error(group, args, words):
    code, out, err = group.govsite("verify", *[a.format(repo=group.root) for a in args])
    assert code == 2
    assert words in err


def test_manifest_lists_every_file_the_build_commit_and_each_items_approvers(group):
    import hashlib
    import subprocess

    from workflow import dates, items

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
    data = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    on_disk = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} - {"manifest.json"}
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
