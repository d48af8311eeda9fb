"""The fast build (parallel, incremental) writes exactly what the plain serial
build writes, on a copy of the demo group, also after each kind of change.

Declared differences (build timestamps): report.json "generated", each
manifest's "build.built_at" (output/.manifests/), and the <updated> of an Atom feed without
entries (feedgenerator writes the clock). A site that is not rebuilt keeps, in
its manifest ("build.as_of") the moment of the build that made it: blanked too.
"""
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.repo import copy_demo, forge_approval
from workflow.build.cache import environment
from workflow.build.pipeline import build
from workflow.model import dates, items
from workflow.model.sites import load_group
from workflow.review import approval

AS_OF = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dates.TZ)
EDITED = "content/portal/yaowen/2026-11-changwu-huiyi-dongji-anquan.md"   # 终审 by zhou.jie


@pytest.fixture
def demo(tmp_path, keys) -> Path:
    """A copy of the demo group; the test key of zhong.shen also signs as the
    demo reviewer zhou.jie, so an edited item can be approved again."""
    root = copy_demo(tmp_path / "demo")
    kind, b64 = Path(f"{keys['zhong.shen']}.pub").read_text().split()[:2]
    with open(root / "keys" / "allowed_signers", "a") as f:
        for reviewer in ("zhou.jie", "lin.hui"):       # the portal's and Qingxiu's 终审
            f.write(f'{reviewer} namespaces="{approval.NAMESPACE}" {kind} {b64}\n')
    return root


def fast(root: Path, out: Path, as_of=AS_OF):
    return build(root, output=out, as_of=as_of, echo=lambda *_: None, jobs=2, incremental=True)


def serial(root: Path, out: Path, as_of=AS_OF):
    return build(root, output=out, as_of=as_of, echo=lambda *_: None, jobs=1, incremental=False)


def tree(out: Path) -> dict[str, bytes]:
    """Every output file, with the declared build timestamps blanked."""
    files, stamped = {}, set()
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if not p.is_file() or rel.startswith(".govsite-cache/"):   # the build's own memory
            continue
        data = p.read_bytes()
        if rel.endswith(".atom.xml") and b"<entry>" not in data:
            data = re.sub(rb"<updated>[^<]*</updated>", b"<updated/>", data)
            stamped.add(rel)
        files[rel] = data
    for rel, data in files.items():
        if rel == "report.json":
            doc = json.loads(data)
            doc["generated"] = None
        elif rel.startswith(".manifests/"):
            doc = json.loads(data)
            doc["build"]["built_at"] = doc["build"]["as_of"] = None
            site = rel.split("/")[1].removesuffix(".json")
            for name in doc["files"]:
                if f"{site}/{name}" in stamped:
                    doc["files"][name] = None
        else:
            continue
        files[rel] = json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()
    return files


def assert_same(a: Path, b: Path):
    ta, tb = tree(a), tree(b)
    assert sorted(ta) == sorted(tb), set(ta) ^ set(tb)
    differ = [rel for rel in ta if ta[rel] != tb[rel]]
    assert not differ, differ[:10]


def reapprove(root: Path, path: Path, keys):
    """The edited item signed again at 终审 by zhou.jie (with the test key)."""
    item = items.load(path, root)
    path.write_text(approval.replace_block(item, "approvals", []).replace("\n\n---", "\n---"), encoding="utf-8")
    forge_approval(path, root, keys["zhong.shen"], "终审", "zhou.jie", append=False)


def test_fast_build_writes_the_same_files_as_the_serial_build(demo, tmp_path):
    serial(demo, tmp_path / "serial")
    result = fast(demo, tmp_path / "fast")
    assert result.unchanged == []
    assert_same(tmp_path / "serial", tmp_path / "fast")


def test_a_build_with_nothing_changed_rebuilds_no_site_and_keeps_the_same_files(demo, tmp_path):
    fast(demo, tmp_path / "fast")
    code = environment(load_group(demo), "preview")
    again = fast(demo, tmp_path / "fast")
    if environment(load_group(demo), "preview") == code:   # (no one edited workflow/ meanwhile)
        assert again.sites == [] and len(again.unchanged) == 4
    serial(demo, tmp_path / "serial")
    assert_same(tmp_path / "serial", tmp_path / "fast")


SCHEDULED = "content/qingxiu/yaowen/2026-11-dingshi-fabu.md"
LATER = AS_OF + dt.timedelta(hours=2)


def _scheduled_item(demo, keys):
    """An approved item dated an hour after AS_OF: scheduled at first, due at LATER."""
    source = demo / "content/qingxiu/yaowen/2026-11-zhengqi-mianduimian.md"
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"\ndate: [^\n]*", "\ndate: 2026-11-26 13:00", text, count=1)
    path = demo / SCHEDULED
    path.write_text(text, encoding="utf-8")
    item = items.load(path, demo)
    path.write_text(approval.replace_block(item, "approvals", []).replace("\n\n---", "\n---"), encoding="utf-8")
    forge_approval(path, demo, keys["zhong.shen"], "终审", "lin.hui", append=False)


def _edit(demo, keys):
    path = demo / EDITED
    path.write_text(path.read_text(encoding="utf-8") + "\n会议还对近期重点工作作了安排。\n", encoding="utf-8")
    reapprove(demo, path, keys)


def _edit_unapproved(demo, keys):
    path = demo / "content/rsj/dongtai/2026-10-zhiye-jineng-dasai.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")


def _delete(demo, keys):
    (demo / "content/qingxiu/yaowen/2026-11-zhengqi-mianduimian.md").unlink()


def _new_item(demo, keys):
    source = demo / EDITED
    path = source.with_name("2026-11-xin-xinxi.md")
    path.write_text(source.read_text(encoding="utf-8").replace("title: 市政府召开常务会议", "title: 新增信息 市政府召开会议"),
                    encoding="utf-8")
    reapprove(demo, path, keys)


def _template(demo, keys):
    path = demo / "themes/govsite/templates/base.html"
    path.write_text(path.read_text(encoding="utf-8").replace("</footer>", "<!-- 模板已修改 --></footer>"),
                    encoding="utf-8")


def _site_yaml(demo, keys):
    path = demo / "content/rsj/site.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: 南宁市人力资源和社会保障局",
                                                             "name: 南宁市人力资源和社会保障局（改）"), encoding="utf-8")


def _withdrawal(demo, keys):
    from workflow import cli
    assert cli.main(["--root", str(demo), "withdraw", str(demo / "content/qingxiu/yaowen/2026-11-zhengqi-mianduimian.md"),
                     "--reason", "经复查已过时", "--as", "lin.hui", "--key", str(keys["zhong.shen"])]) == 0


def _site_yaml_contact(demo, keys):
    path = demo / "content/rsj/site.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(\n\s+phone: )[^\n]*", r"\g<1>0771-5559999（示例）", text, count=1), encoding="utf-8")


# change -> (what it does, the item it touches: the sites showing that item are rebuilt)
CHANGES = {"edit": (_edit, EDITED), "edit-without-approval": (_edit_unapproved, None),
           "deletion": (_delete, "content/qingxiu/yaowen/2026-11-zhengqi-mianduimian.md"),
           "new-item": (_new_item, None), "template": (_template, None), "site-yaml": (_site_yaml, None),
           "site-yaml-contact": (_site_yaml_contact, None),
           "withdrawal": (_withdrawal, "content/qingxiu/yaowen/2026-11-zhengqi-mianduimian.md")}


def showing(out: Path, rel: str) -> set[str]:
    """The sites of a built group whose pages link to (or are) the item's page."""
    site, column, name = rel.split("/")[1:]
    url = f"/{site}/{column}/{Path(name).stem}.html"
    found = {site}
    for page in out.glob("*/**/*.html"):
        if url in page.read_text(encoding="utf-8", errors="replace"):
            found.add(page.relative_to(out).parts[0])
    return found


@pytest.mark.parametrize("change", CHANGES)
def test_after_a_change_the_fast_build_equals_a_clean_build(demo, tmp_path, keys, change):
    fast(demo, tmp_path / "fast")
    code = environment(load_group(demo), "preview")
    act, touched = CHANGES[change]
    expected = showing(tmp_path / "fast", touched) if touched else None
    act(demo, keys)
    result = fast(demo, tmp_path / "fast")
    same_code = environment(load_group(demo), "preview") == code   # (no one edited workflow/ meanwhile)
    if same_code and expected is not None:     # only the item's site and the sites showing it are rebuilt
        assert {r.site for r in result.sites} == expected, (expected, result.unchanged)
    if same_code and change == "site-yaml-contact":
        assert [r.site for r in result.sites] == ["rsj"]
    serial(demo, tmp_path / "clean")
    assert_same(tmp_path / "clean", tmp_path / "fast")


def test_a_scheduled_item_coming_due_rebuilds_its_site_and_those_showing_it(demo, tmp_path, keys):
    _scheduled_item(demo, keys)
    fast(demo, tmp_path / "fast")
    assert not (tmp_path / "fast" / "qingxiu/yaowen/2026-11-dingshi-fabu.html").exists()
    code = environment(load_group(demo), "preview")
    result = fast(demo, tmp_path / "fast", LATER)
    assert (tmp_path / "fast" / "qingxiu/yaowen/2026-11-dingshi-fabu.html").is_file()
    if environment(load_group(demo), "preview") == code:
        assert {r.site for r in result.sites} == {"qingxiu", "portal"}       # syndicated and tagged: the portal too
    serial(demo, tmp_path / "clean", LATER)
    assert_same(tmp_path / "clean", tmp_path / "fast")


SAME_MOMENT = ["2026-11-zz-tongshi-c", "2026-11-aa-tongshi-a", "2026-11-mm-tongshi-b"]


def test_items_of_the_same_moment_come_out_alike_whatever_the_hash_seed(demo, tmp_path, keys):
    """Pelican reads files from a set, whose order follows the process's string hash seed,
    and pagefind numbers pages in the order they are written (workflow/build/search.py).
    Two builds in processes with different seeds (forked workers share their parent's)
    write the same bytes, and list items of the same moment by slug."""
    source = demo / "content/qingxiu/yaowen/2026-11-zhengqi-mianduimian.md"
    for n, slug in enumerate(SAME_MOMENT):
        text = source.read_text(encoding="utf-8")
        text = re.sub(r"\ndate: [^\n]*", "\ndate: 2026-11-25 10:00", text, count=1)
        text = re.sub(r"\ntitle: [^\n]*", f"\ntitle: 同一时刻发布的信息{n}", text, count=1)
        path = demo / "content/qingxiu/yaowen" / f"{slug}.md"
        path.write_text(text, encoding="utf-8")
        item = items.load(path, demo)
        path.write_text(approval.replace_block(item, "approvals", []).replace("\n\n---", "\n---"), encoding="utf-8")
        forge_approval(path, demo, keys["zhong.shen"], "终审", "lin.hui", append=False)
    for seed in ("1", "2"):
        subprocess.run([sys.executable, "-m", "workflow.cli", "--root", str(demo), "build", "--jobs", "1",
                        "--as-of", AS_OF.strftime("%Y-%m-%dT%H:%M"), "--output", str(tmp_path / seed)],
                       check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed},
                       cwd=Path(__file__).parent.parent)
    assert_same(tmp_path / "1", tmp_path / "2")
    column = (tmp_path / "1" / "qingxiu/yaowen/index.html").read_text(encoding="utf-8")
    listed = [column.index(f"{slug}.html") for slug in sorted(SAME_MOMENT)]
    assert listed == sorted(listed)
    assert (tmp_path / "1" / "qingxiu/pagefind/pagefind-entry.json").is_file()


def test_a_rebuilt_site_keeps_the_search_records_of_pages_as_they_were(demo, tmp_path, keys, monkeypatch):
    """Rebuilt for one edited item, the portal hands pagefind its other pages as last time:
    their records are the last build's files (checked against its manifest), not written
    again, and the output is still that of a clean build."""
    from workflow.build import search

    fast(demo, tmp_path / "fast")
    finished = {}
    real = search.Indexer.finish

    def finish(self):
        handed = real(self)
        finished[self.site_dir.name] = (handed, len(self._reused), len(self.fragments))
        return handed

    monkeypatch.setattr(search.Indexer, "finish", finish)
    _edit(demo, keys)
    build(demo, output=tmp_path / "fast", as_of=AS_OF, echo=lambda *_: None, jobs=1, incremental=True)
    handed, reused, named = finished["portal"]
    assert named == handed > 10 and handed - 2 <= reused < handed     # the edited page (and its neighbours) not
    serial(demo, tmp_path / "clean")
    assert_same(tmp_path / "clean", tmp_path / "fast")
