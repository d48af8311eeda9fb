"""A change costs what it touches (issue 19): a site none of whose inputs changed is
not read again (workflow/build/summary.py). Each test attacks one input a site's
summary must notice, and checks the incremental build against a clean one."""
import datetime as dt
import json
import os
import pickle
import re
import subprocess
from pathlib import Path

import pytest

from tests.repo import forge_approval
from tests.test_build_equivalence import AS_OF, EDITED, assert_same, demo, fast, reapprove, serial  # noqa: F401
from workflow.build import summary
from workflow.model import items
from workflow.model.sites import load_group
from workflow.review import approval
from workflow.review.history import History

QINGXIU = "content/qingxiu/yaowen/2026-11-zhengqi-mianduimian.md"
POLICY = "portal/zcwj/nanfubanfa-2026-18-gaoxiao-banchen"


def decided_sites(result) -> set[str]:
    return {d.item.site_id for d in result.decided}


def sign_qingxiu(demo: Path, path: Path, keys) -> None:
    item = items.load(path, demo)
    path.write_text(approval.replace_block(item, "approvals", []).replace("\n\n---", "\n---"), encoding="utf-8")
    forge_approval(path, demo, keys["zhong.shen"], "终审", "lin.hui", append=False)


def add_signer(demo: Path, keys, reviewer: str) -> None:
    kind, b64 = Path(f"{keys['zhong.shen']}.pub").read_text().split()[:2]
    with open(demo / "keys" / "allowed_signers", "a") as f:
        f.write(f'{reviewer} namespaces="{approval.NAMESPACE}" {kind} {b64}\n')


def sign_portal_policy(demo: Path, path: Path, keys) -> None:
    """The portal's two levels, both with the test key (see add_signer)."""
    item = items.load(path, demo)
    path.write_text(approval.replace_block(item, "approvals", []).replace("\n\n---", "\n---"), encoding="utf-8")
    forge_approval(path, demo, keys["zhong.shen"], "初审", "huang.min", append=False)
    forge_approval(path, demo, keys["zhong.shen"], "终审", "zhou.jie")


def test_an_unchanged_group_reads_no_item_and_a_change_reads_only_its_site(demo, tmp_path, keys):
    fast(demo, tmp_path / "fast")
    again = fast(demo, tmp_path / "fast")
    assert again.decided == [] and again.sites == []
    path = demo / EDITED
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    reapprove(demo, path, keys)
    changed = fast(demo, tmp_path / "fast")
    assert decided_sites(changed) == {"portal"}
    assert len(changed.decisions) == len(serial(demo, tmp_path / "clean").decisions)   # every item, when asked
    assert_same(tmp_path / "clean", tmp_path / "fast")


def test_a_file_rewritten_under_its_old_size_and_modification_time_is_read_again(demo, tmp_path):
    """The change time cannot be set back: an edit hidden from mtime and size is still seen."""
    fast(demo, tmp_path / "fast")
    path = demo / QINGXIU
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    forged = text.replace("政企", "政商", 1)
    assert forged != text and len(forged.encode()) == before.st_size
    path.write_text(forged, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    result = fast(demo, tmp_path / "fast")
    assert "qingxiu" in decided_sites(result)
    assert any(d.item.relpath == QINGXIU for d in result.refused)          # the signature no longer covers it
    serial(demo, tmp_path / "clean")
    assert_same(tmp_path / "clean", tmp_path / "fast")


def test_an_earlier_moment_puts_a_published_item_back_before_its_date(demo, tmp_path):
    """An item published at one moment is scheduled at an earlier one (`--as-of`)."""
    dated = items.load(demo / QINGXIU, demo)
    assert dated.meta is not None
    fast(demo, tmp_path / "fast")
    earlier = dt.datetime(2026, 11, 1, 9, 0, tzinfo=AS_OF.tzinfo)
    result = fast(demo, tmp_path / "fast", earlier)
    assert result.decided                                                      # summaries did not hold
    serial(demo, tmp_path / "clean", earlier)
    assert_same(tmp_path / "clean", tmp_path / "fast")


def test_an_item_linking_into_another_site_is_judged_again_when_the_target_goes(demo, tmp_path, keys):
    path = demo / QINGXIU
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n另见[市政府常务会议](../../portal/yaowen/2026-11-changwu-huiyi-dongji-anquan.md)。\n",
                    encoding="utf-8")
    sign_qingxiu(demo, path, keys)
    first = fast(demo, tmp_path / "fast")
    assert not any(d.item.relpath == QINGXIU for d in first.refused)
    (demo / EDITED).unlink()
    result = fast(demo, tmp_path / "fast")
    assert {"portal", "qingxiu"} <= decided_sites(result)
    serial(demo, tmp_path / "clean")
    assert_same(tmp_path / "clean", tmp_path / "fast")


def test_a_policy_changed_on_one_site_rebuilds_the_site_that_interprets_it(demo, tmp_path, keys):
    """政策解读 across sites: the 解读's site shows the policy's title; when only the policy's
    site is read again, the 解读's site is still rebuilt, as a clean build shows it."""
    source = demo / QINGXIU
    reading = source.with_name("2026-11-jiedu.md")
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"\ntitle: [^\n]*", "\ntitle: 图解：高效办成一件事", text, count=1)
    text = text.replace("\ntitle:", f"\ninterprets: {POLICY}\ninterpretation: 图解\ntitle:", 1)
    reading.write_text(text, encoding="utf-8")
    sign_qingxiu(demo, reading, keys)
    add_signer(demo, keys, "huang.min")       # the portal's 初审 (the signers are every site's input)
    first = fast(demo, tmp_path / "fast")
    assert not first.refused
    page = tmp_path / "fast" / "qingxiu/yaowen/2026-11-jiedu.html"
    assert "推进政务服务" in page.read_text(encoding="utf-8")
    policy = demo / f"content/{POLICY}.md"
    policy.write_text(policy.read_text(encoding="utf-8").replace("title: 南宁市人民政府办公厅关于印发",
                                                                 "title: 南宁市人民政府办公厅关于修订印发"),
                      encoding="utf-8")
    sign_portal_policy(demo, policy, keys)
    result = fast(demo, tmp_path / "fast")
    assert decided_sites(result) == {"portal"} and not result.refused
    assert "qingxiu" in {r.site for r in result.sites}
    assert "关于修订印发" in page.read_text(encoding="utf-8")
    serial(demo, tmp_path / "clean")
    assert_same(tmp_path / "clean", tmp_path / "fast")


@pytest.mark.parametrize("damage", ["garbage", "other-format", "truncated"])
def test_a_damaged_summary_is_not_used(demo, tmp_path, damage):
    fast(demo, tmp_path / "fast")
    path = tmp_path / "fast" / ".govsite-cache" / "sites" / "qingxiu.pickle"
    data = path.read_bytes()
    path.write_bytes({"garbage": b"\x80\x04not a pickle", "other-format": pickle.dumps((summary.FORMAT + 1, None)),
                      "truncated": data[:len(data) // 2]}[damage])
    result = fast(demo, tmp_path / "fast")
    assert decided_sites(result) == {"qingxiu"}
    serial(demo, tmp_path / "clean")
    assert_same(tmp_path / "clean", tmp_path / "fast")


def test_the_scan_sees_every_kind_of_change_under_a_site(tmp_path):
    site = tmp_path / "site"
    (site / "col").mkdir(parents=True)
    (site / "col" / "a.md").write_text("一")
    seen = {summary.scan(site)}

    def changed():
        now = summary.scan(site)
        assert now not in seen
        seen.add(now)

    (site / "col" / "a.md").write_text("二")          # same size, new bytes
    changed()
    (site / "col" / "b.pdf").write_bytes(b"%PDF")
    changed()
    (site / "col" / "b.pdf").rename(site / "col" / "c.pdf")
    changed()
    (site / "sub").mkdir()
    changed()
    os.symlink("/etc/passwd", site / "sub" / "x.md")
    changed()
    os.chmod(site / "col" / "a.md", 0o600)
    changed()
    assert summary.scan(site) == summary.scan(site)


def test_the_scan_of_a_large_group_in_processes_is_the_scan_in_one(tmp_path):
    folders = []
    for n in range(summary.SCAN_APART + 5):
        folder = tmp_path / f"site{n:03d}"
        (folder / "col").mkdir(parents=True)
        for k in range(n % 7):
            (folder / "col" / f"{k}.md").write_text("一" * k)
        folders.append(folder)
    serial = {f: summary.scan(f) for f in folders}
    assert summary.scan_all(folders, jobs=2) == serial
    (folders[17] / "col" / "new.md").write_text("新")
    now = summary.scan_all(folders, jobs=3)
    assert [f for f in folders if now[f] != serial[f]] == [folders[17]]


def test_inputs_now_are_the_same_when_split_over_processes(demo, monkeypatch):
    from workflow.gate.store import decisions_keys

    group = load_group(demo)
    alone = summary.inputs_now(group, decisions_keys(group), History(demo))
    monkeypatch.setattr(summary, "SCAN_APART", 1)
    assert summary.inputs_now(group, decisions_keys(group), History(demo), jobs=2) == alone


def test_with_the_stat_in_other_processes_a_change_is_seen_and_equals_a_clean_build(demo, tmp_path, keys,
                                                                                   monkeypatch):
    """A large group's stat begins in other processes while the build reads its caches
    and loads Pelican (summary.Scanning): the same sites are kept, the same bytes written."""
    from workflow.build import pipeline

    monkeypatch.setattr(summary, "SCAN_APART", 1)
    loaded, load = [], pipeline.load_pelican
    monkeypatch.setattr(pipeline, "load_pelican", lambda: (loaded.append(True), load()))
    fast(demo, tmp_path / "fast")
    again = fast(demo, tmp_path / "fast")
    assert again.decided == [] and again.sites == [] and loaded
    path = demo / EDITED
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    reapprove(demo, path, keys)
    changed = fast(demo, tmp_path / "fast")
    assert decided_sites(changed) == {"portal"} and [r.site for r in changed.sites] == ["portal"]
    serial(demo, tmp_path / "clean")
    assert_same(tmp_path / "clean", tmp_path / "fast")


def test_a_commit_changes_the_history_key_of_its_site_only(tmp_path):
    root = tmp_path / "repo"
    for sid in ("portal", "qingxiu"):
        (root / "content" / sid).mkdir(parents=True)
        (root / "content" / sid / "a.md").write_text(sid)
    env = {**os.environ, "GIT_AUTHOR_NAME": "编辑", "GIT_AUTHOR_EMAIL": "e@example.cn",
           "GIT_COMMITTER_NAME": "编辑", "GIT_COMMITTER_EMAIL": "e@example.cn"}

    def git(*args):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "一")
    before = History(root).site_keys()
    (root / "content" / "qingxiu" / "a.md").write_text("qingxiu 改")
    git("commit", "-qam", "二")
    after = History(root).site_keys()
    assert before["portal"] == after["portal"] and before["qingxiu"] != after["qingxiu"]
    git("commit", "-q", "--amend", "--no-edit", "--author", "别人 <x@example.cn>")   # history alone
    assert History(root).site_keys()["qingxiu"] != after["qingxiu"]


def test_inputs_now_cover_every_site(demo):
    group = load_group(demo)
    from workflow.gate.store import decisions_keys
    now = summary.inputs_now(group, decisions_keys(group), History(demo))
    assert set(now) == set(group.sites)


def test_a_link_between_two_unchanged_sites_keeps_its_verdict_and_a_rebuilt_end_is_resolved_again(
        demo, tmp_path, keys):
    """Links into other sites are resolved again only when one of their ends was rebuilt
    (workflow/build/linkgraph.resolve_targets): a broken one stays reported while other
    sites change, and is cleared when its target comes back. Each step equals a clean build."""
    target = demo / EDITED
    kept = target.read_bytes()
    url = "https://www.nn-demo.gov.cn/yaowen/" + target.stem + ".html"
    path = demo / QINGXIU
    path.write_text(path.read_text(encoding="utf-8") + f"\n另见[常务会议]({url})。\n", encoding="utf-8")
    sign_qingxiu(demo, path, keys)

    def step(expect_broken: bool):
        fast(demo, tmp_path / "fast")
        serial(demo, tmp_path / "clean")
        assert_same(tmp_path / "clean", tmp_path / "fast")
        pages = json.loads((tmp_path / "fast" / "report.json").read_text(encoding="utf-8"))["pages"]
        broken = [f for fs in pages.values() for f in fs if url in f["message"]]
        assert bool(broken) == expect_broken, pages
        return broken

    step(False)
    target.unlink()                                            # the portal is rebuilt: resolved again
    found = step(True)
    assert found[0]["path"].startswith("qingxiu/")
    other = sorted((demo / "content" / "rsj").rglob("*.md"))[0]
    other.unlink()                                             # neither end rebuilt: the verdict holds
    result = fast(demo, tmp_path / "fast")
    assert result.unchanged and {"portal", "qingxiu"} <= set(result.unchanged)
    step(True)
    target.write_bytes(kept)                                   # back: resolved again, nothing broken
    step(False)


@pytest.mark.parametrize("url, page, mode, site", [
    ("/portal/yaowen/x.html", "qingxiu/yaowen/a.html", "preview", "portal"),
    ("../../portal/yaowen/x.html", "qingxiu/yaowen/a.html", "preview", "portal"),
    ("../../../x.html", "qingxiu/yaowen/a.html", "preview", None),              # out of the output: resolved
    ("https://www.nn-demo.gov.cn/yaowen/x.html", "qingxiu/yaowen/a.html", "preview", "portal"),
    ("https://WWW.nn-demo.gov.cn/", "qingxiu/a.html", "production", "portal"),
    ("https://elsewhere.example.cn/x.html", "qingxiu/a.html", "preview", None),
    ("/nosuch/x.html", "qingxiu/a.html", "preview", None),
    ("/yaowen/x.html", "qingxiu/a.html", "production", "qingxiu"),
    ("#top", "qingxiu/a.html", "preview", "qingxiu"),
    ("mailto:a@b.cn", "qingxiu/a.html", "preview", None),
])
def test_the_site_a_link_leads_into_is_told_from_its_address(demo, tmp_path, url, page, mode, site):
    from workflow.build.linkgraph import Resolver

    resolver = Resolver(tmp_path / ".staging", load_group(demo), mode)
    assert resolver.site_of(url, page) == site
