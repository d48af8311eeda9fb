"""A cache that is never stale (issue 14): `govsite check`, a cached build and a
cold build agree on every item, whatever changed between builds; symlinks are
refused and never followed; one build per output folder; a dead worker is
reported, never waited for."""
from __future__ import annotations

import ast
import fcntl
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

from tests.group_setup import published
from tests.repo import PROJECT
from workflow.build import cache as buildcache
from workflow.build.pipeline import LOCK, build
from workflow.gate.gate import Gate
from workflow.model import dates
from workflow.model.sites import load_group


def check_verdicts(root: Path, as_of=None) -> dict[str, str]:
    return {d.item.relpath: d.state.value for d in Gate(load_group(root), as_of).decide_all()}


def build_verdicts(root: Path, output: Path, as_of=None, full=False) -> dict[str, str]:
    build(root, output=output, as_of=as_of, echo=lambda *_: None, incremental=not full)
    report = json.loads((output / "report.json").read_text(encoding="utf-8"))
    verdicts = {i["path"]: i["status"] for i in report["items"]}
    for path, status in verdicts.items():          # what is on disk agrees with the report
        parts = path.split("/")
        if len(parts) == 4 and status in ("published", "refused"):
            page = output / parts[1] / parts[2] / (Path(parts[3]).stem + ".html")
            assert page.is_file() == (status == "published"), (path, status)
    return verdicts


def agree(root: Path, tmp: Path, as_of=None) -> dict[str, str]:
    """check = cached build = cold build, item by item; the verdicts."""
    checked = check_verdicts(root, as_of)
    cached = build_verdicts(root, tmp / "cached", as_of)
    shutil.rmtree(tmp / "cold", ignore_errors=True)
    cold = build_verdicts(root, tmp / "cold", as_of, full=True)
    assert checked == cached == cold, {p: (checked.get(p), cached.get(p), cold.get(p))
                                       for p in set(checked) | set(cached) | set(cold)
                                       if not checked.get(p) == cached.get(p) == cold.get(p)}
    return checked


@pytest.fixture
def with_attachment(group):
    (group.root / "policy").mkdir()      # the city allows plain-text attachments (the privacy scan reads them)
    (group.root / "policy/attachments.yaml").write_text("extensions: [pdf, txt]\nmax_mb: 20\n", encoding="utf-8")
    folder = group.root / "content/portal/yaowen"
    folder.mkdir(parents=True)
    (folder / "biao.pdf").write_bytes(b"%PDF-1.4 original")
    (folder / "mingdan.txt").write_text("名单：张某某\n", encoding="utf-8")
    path = published(group, group.item(slug="fujian", attachments=[
        {"file": "biao.pdf", "title": "申请表"}, {"file": "mingdan.txt", "title": "名单"}]))
    return group, folder, path


def test_a_symlinked_attachment_after_a_cached_build_is_refused_by_both(with_attachment, tmp_path):
    group, folder, path = with_attachment
    assert agree(group.root, tmp_path)["content/portal/yaowen/fujian.md"] == "published"
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 original")               # same bytes, outside the repository
    (folder / "biao.pdf").unlink()
    (folder / "biao.pdf").symlink_to(secret)
    assert agree(group.root, tmp_path)["content/portal/yaowen/fujian.md"] == "refused"


def test_an_id_number_added_to_a_text_attachment_is_refused_by_both(with_attachment, tmp_path):
    group, folder, path = with_attachment
    agree(group.root, tmp_path)
    (folder / "mingdan.txt").write_text("名单：张某某 450102199001011232\n", encoding="utf-8")
    assert agree(group.root, tmp_path)["content/portal/yaowen/fujian.md"] == "refused"


def test_a_deleted_attachment_refuses_its_item_and_the_rest_builds(with_attachment, tmp_path):
    group, folder, path = with_attachment
    published(group, group.item(slug="qita"))
    agree(group.root, tmp_path)
    (folder / "biao.pdf").unlink()
    verdicts = agree(group.root, tmp_path)
    assert verdicts["content/portal/yaowen/fujian.md"] == "refused"
    assert verdicts["content/portal/yaowen/qita.md"] == "published"


def test_touching_an_attachment_keeps_the_verdict(with_attachment, tmp_path):
    group, folder, path = with_attachment
    agree(group.root, tmp_path)
    os.utime(folder / "biao.pdf", (1, 1))
    assert agree(group.root, tmp_path)["content/portal/yaowen/fujian.md"] == "published"


def test_a_key_removed_from_allowed_signers_refuses_remembered_decisions(with_attachment, tmp_path):
    group, folder, path = with_attachment
    agree(group.root, tmp_path)
    group.write_signers(["chu.shen", "qu.shen"])
    assert agree(group.root, tmp_path)["content/portal/yaowen/fujian.md"] == "refused"


def test_a_reviewer_removed_from_site_yaml_refuses_remembered_decisions(with_attachment, tmp_path):
    group, folder, path = with_attachment
    agree(group.root, tmp_path)
    group.site("portal", reviewers={"chu.shen": {"name": "初审人", "levels": ["初审", "终审"]},
                                    "qu.shen": {"name": "区审核人", "levels": ["终审"]}})
    assert agree(group.root, tmp_path)["content/portal/yaowen/fujian.md"] == "refused"


def test_a_repository_policy_file_refuses_remembered_decisions(with_attachment, tmp_path):
    group, folder, path = with_attachment
    agree(group.root, tmp_path)
    (group.root / "policy/attachments.yaml").write_text("extensions: [pdf]\nmax_mb: 0.000001\n", encoding="utf-8")
    assert agree(group.root, tmp_path)["content/portal/yaowen/fujian.md"] == "refused"


def test_the_environment_key_names_every_library_the_code_imports():
    """A library upgrade can change a finding: every third-party distribution imported by
    workflow/ or plugins/ is part of the cache's key."""
    distributions = metadata.packages_distributions()
    imported = set()
    for source in list((PROJECT / "workflow").rglob("*.py")) + list((PROJECT / "plugins").rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            imported.update(n.split(".")[0] for n in names)
    def norm(name):
        return name.lower().replace("_", "-")

    third_party = {norm(d) for top in imported if top not in sys.stdlib_module_names
                   for d in distributions.get(top, []) if norm(d) != "govsite"}     # our own code: hashed as a tree
    assert third_party, imported
    keyed = {norm(entry.split("==")[0]) for entry in buildcache.library_versions()}
    required = {norm(re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0]) for r in metadata.requires("govsite") or []
                if "extra ==" not in r}
    assert required <= keyed, required - keyed                 # every runtime dependency
    assert third_party & required <= keyed


# --- symlinks ----------------------------------------------------------------------------

def test_symlinks_anywhere_under_content_are_refused_and_never_followed(group, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret_item = published(group, group.item(slug="zhenshi", title="外部机密标题"))
    shutil.move(secret_item, outside / "waibu.md")
    (outside / "lianjie").mkdir()
    shutil.copy(outside / "waibu.md", outside / "lianjie/waibu2.md")
    column = group.root / "content/portal/yaowen"
    (column / "lianjie.md").symlink_to(outside / "waibu.md")                    # an item
    (group.root / "content/portal/tzgg").symlink_to(outside / "lianjie", target_is_directory=True)   # a column
    findings = group.check_json()
    symlinks = {f["path"] for f in findings if f["rule"] == "content.symlink"}
    assert symlinks == {"content/portal/yaowen/lianjie.md", "content/portal/tzgg"}, findings
    code, out, err = group.build()
    assert code == 0, out + err
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in group.output.rglob("*") if p.is_file())
    assert "外部机密标题" not in text


def test_a_symlinked_site_folder_stops_the_build_before_anything_is_written(group, tmp_path):
    shutil.copytree(group.root / "content/district", tmp_path / "district")
    shutil.rmtree(group.root / "content/district")
    (group.root / "content/district").symlink_to(tmp_path / "district", target_is_directory=True)
    code, out, err = group.build()
    assert code == 2 and "content.symlink" in err
    assert not (group.output / "portal").exists()


# --- one build at a time, workers that die --------------------------------------------------

def test_a_second_build_on_the_same_output_is_refused_while_one_runs(group):
    group.output.mkdir()
    with open(group.output / LOCK, "a+") as held:      # what a running build holds
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("进程 12345\n")
        held.flush()
        code, out, err = group.build()
    assert code == 2 and "另一个构建正在使用输出目录" in err and "12345" in err
    assert not (group.output / "portal").exists()
    assert group.build()[0] == 0                       # released: the next build runs


def test_a_killed_check_worker_is_reported_not_waited_for(group):
    for i in range(300):
        group.item(slug=f"xinxi-{i:03d}", body="正文。" * 200 + "\n")
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-m", "workflow.cli", "--root", str(group.root), "check"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        killed = False
        deadline = time.monotonic() + 30
        while proc.poll() is None and not killed and time.monotonic() < deadline:
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
            pids = children.read_text().split() if children.exists() else []
            if pids and _cpu_ticks(pids[0]) >= 5:          # it has been working for a while
                os.kill(int(pids[0]), signal.SIGKILL)
                killed = True
        out, err = proc.communicate(timeout=60)     # never a hang
        if killed and proc.returncode == 2:
            assert "被信号 9 终止" in err and "当时正在处理 content/portal/yaowen/xinxi-" in err
            return
    pytest.fail("no worker could be killed while it worked")


@pytest.mark.parametrize("notes", [["content/portal/yaowen/a-much-longer-name-first.md", "content/b.md"],
                                   ["内容/长" * 2000, "content/网站/栏目/短.md"], ["content/a.md", "内容/长" * 2000], []])
def test_a_worker_that_dies_names_the_last_file_it_noted(notes):
    """The file a worker is on is noted in shared memory, not sent per file: the parent
    reads the last note only when the worker dies (a shorter note after a longer one, a
    name longer than the slot, no note at all)."""
    from workflow.gate import workers

    def work(task, progress):
        for where in notes:
            progress(where)
        os._exit(3)

    with pytest.raises(workers.WorkerDied) as died:
        workers.run(["t"], work, 1, lambda _: None)
    want = notes[-1] if notes else None
    if want and len(want.encode()) >= workers.SLOT:       # cut to the slot, never another note's bytes
        assert want.startswith(died.value.last.rstrip("\ufffd")) and len(died.value.last) > 1000
    else:
        assert died.value.last == want
    assert died.value.task == "t"


def _cpu_ticks(pid: str) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])       # utime + stime


# --- many random changes ----------------------------------------------------------------------

@pytest.fixture
def demo_copy(tmp_path) -> Path:
    from tests.repo import copy_demo

    return copy_demo(tmp_path / "demo")


def _mutations(root: Path, rng: random.Random, outside: Path):
    items = sorted(p for p in (root / "content").rglob("*.md") if not p.is_symlink())

    def present():          # as they are now (an earlier change of the round may have removed one)
        return sorted(p for p in (root / "content").rglob("*") if p.suffix in (".pdf", ".txt") and p.is_file()
                      and not p.is_symlink())

    def edit_body():
        p = rng.choice(items)
        if p.is_symlink() or not p.exists():
            return
        p.write_text(p.read_text(encoding="utf-8") + "补充一句。\n", encoding="utf-8")

    def swap_attachment():
        attachments = present()
        if attachments:
            a = rng.choice(attachments)
            a.write_bytes(a.read_bytes() + b" ")

    def touch_attachment():
        attachments = present()
        if attachments:
            os.utime(rng.choice(attachments), (rng.randint(1, 10**9),) * 2)

    def delete_attachment():
        attachments = present()
        if attachments:
            rng.choice(attachments).unlink()

    def symlink_attachment():
        attachments = present()
        if attachments:
            a = rng.choice(attachments)
            copy = outside / f"{rng.randint(0, 10**9)}{a.suffix}"
            copy.write_bytes(a.read_bytes())
            a.unlink()
            a.symlink_to(copy)

    def drop_signer():
        path = root / "keys/allowed_signers"
        lines = [l for l in path.read_text().splitlines() if l and not l.startswith("#")]
        if lines:
            lines.remove(rng.choice(lines))
        path.write_text("\n".join(lines) + "\n")

    def tighten_policy():
        (root / "policy").mkdir(exist_ok=True)
        (root / "policy/attachments.yaml").write_text("extensions: [pdf, txt]\nmax_mb: 0.00001\n", encoding="utf-8")

    def relax_policy():
        shutil.rmtree(root / "policy", ignore_errors=True)

    def new_item():
        folder = rng.choice(sorted({p.parent for p in items}))
        (folder / f"xin-{rng.randint(0, 10**6)}.md").write_text(
            "---\ntitle: 新信息\ndate: 2026-11-20 09:30\nsource: 某单位\nauthor: wei.lan\nconfidentiality: passed\n"
            "---\n正文\n", encoding="utf-8")

    def symlink_item():
        p = rng.choice(items)
        if p.is_symlink() or not p.exists():
            return
        copy = outside / f"{rng.randint(0, 10**9)}.md"
        copy.write_bytes(p.read_bytes())
        p.unlink()
        p.symlink_to(copy)

    def break_yaml():
        p = rng.choice(items)
        if p.is_symlink() or not p.exists():
            return
        p.write_text(p.read_text(encoding="utf-8").replace("title:", "title: [", 1), encoding="utf-8")

    return [edit_body, swap_attachment, touch_attachment, delete_attachment, symlink_attachment, drop_signer,
            tighten_policy, relax_policy, new_item, symlink_item, break_yaml]


def test_check_and_cached_and_cold_builds_agree_under_random_changes(demo_copy, tmp_path):
    seed = int(os.environ.get("GOVSITE_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    outside = tmp_path / "outside"
    outside.mkdir()
    moments = [dates.parse_datetime(m) for m in ("2026-11-30 12:00", "2026-12-01 09:00", "2026-12-20 09:00")]
    first = agree(demo_copy, tmp_path, moments[0])
    assert "published" in first.values()
    for round_ in range(int(os.environ.get("GOVSITE_ROUNDS", 6))):
        for change in rng.sample(_mutations(demo_copy, rng, outside), 2):
            change()
        try:
            agree(demo_copy, tmp_path, rng.choice(moments))
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}, round {round_}: {exc}") from None


def _children() -> set[int]:
    path = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def test_tasks_started_at_once_give_their_results_in_order_and_leave_no_process():
    from workflow.gate import workers

    before = _children()
    started = workers.Started([3, 1, 2], lambda n, _: (time.sleep(n / 20), n * 10)[1])
    assert started.results() == [30, 10, 20]
    assert _children() == before


@pytest.mark.parametrize("how", ["dies", "raises"])
def test_a_started_task_that_fails_is_reported_and_the_others_are_stopped(how):
    from workflow.gate import workers

    def work(task, progress):
        if task == "bad":
            progress("content/x/y/z.md")
            if how == "dies":
                os._exit(9)
            raise ValueError("坏了")
        time.sleep(60)

    before = _children()
    started = workers.Started(["bad", "slow"], work)
    if how == "dies":
        with pytest.raises(workers.WorkerDied) as died:
            started.results()
        assert died.value.task == "bad" and died.value.last == "content/x/y/z.md"
    else:
        with pytest.raises(ValueError, match="坏了"):
            started.results()
    assert _children() == before        # "slow" was not waited for: it was ended


def test_tasks_started_and_no_longer_wanted_are_ended():
    from workflow.gate import workers

    before = _children()
    started = workers.Started(["a", "b"], lambda t, _: time.sleep(60))
    assert len(_children() - before) == 2
    started.stop()
    assert _children() == before
