"""Sharded builds (issue 19): N shards built from one group index and merged write
exactly what a single build writes; the shares are deterministic and balanced."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.repo import copy_demo
from tests.test_build_equivalence import AS_OF, assert_same, serial
from workflow.build import shard
from workflow.build.pipeline import build
from workflow.cli import main as govsite
from workflow.gate.gate import Gate
from workflow.model.sites import load_group


def quiet(*_):
    return None


def sharded(root: Path, tmp: Path, n: int, mode: str = "preview") -> Path:
    index = tmp / "index.pickle"
    assert govsite(["--root", str(root), "index", "--as-of", AS_OF.strftime("%Y-%m-%d %H:%M"),
                    "--output", str(index)]) == 0
    outputs = []
    for k in range(1, n + 1):
        out = tmp / f"shard-{k}"
        build(root, output=out, mode=mode, echo=quiet, jobs=1, index=index, shard=(k, n))
        outputs.append(out)
    merged = tmp / "merged"
    assert govsite(["--root", str(root), "merge", *map(str, outputs), "--index", str(index),
                    "--output", str(merged)]) == 0
    return merged


@pytest.mark.parametrize("n", [2, 3])
def test_merged_shards_write_what_a_single_build_writes(tmp_path, n):
    demo = copy_demo(tmp_path / "demo")
    serial(demo, tmp_path / "single")
    merged = sharded(demo, tmp_path, n)
    assert_same(tmp_path / "single", merged)


def test_a_shard_builds_only_its_share_and_every_site_is_in_one_share(tmp_path):
    demo = copy_demo(tmp_path / "demo")
    group = load_group(demo)
    decisions = Gate(group, AS_OF).decide_all()
    for n in (1, 2, 3, 4, 7):
        shares = shard.assign(group, decisions, n)
        assert shard.assign(group, decisions, n) == shares                    # the same on every runner
        assert sorted(s for share in shares for s in share) == sorted(group.sites)
        size = Counter(d.item.site_id for d in decisions)
        loads = [sum(size[s] + 1 for s in share) for share in shares]
        assert max(loads) - min(loads) <= max(size[s] + 1 for s in group.sites)   # balanced within a site


def test_an_index_made_from_another_configuration_is_refused(tmp_path):
    demo = copy_demo(tmp_path / "demo")
    index = tmp_path / "index.pickle"
    assert govsite(["--root", str(demo), "index", "--output", str(index)]) == 0
    site_yaml = demo / "content/rsj/site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("（示例）", "（示例，改）", 1), encoding="utf-8")
    code = govsite(["--root", str(demo), "build", "--shard", "1/2", "--index", str(index),
                    "--output", str(tmp_path / "out")])
    assert code == 1


def test_merge_refuses_when_a_shard_is_missing(tmp_path, capsys):
    demo = copy_demo(tmp_path / "demo")
    index = tmp_path / "index.pickle"
    assert govsite(["--root", str(demo), "index", "--output", str(index)]) == 0
    build(demo, output=tmp_path / "s1", echo=quiet, jobs=1, index=index, shard=(1, 2))
    code = govsite(["--root", str(demo), "merge", str(tmp_path / "s1"), "--index", str(index),
                    "--output", str(tmp_path / "merged")])
    assert code == 1 and "缺少网站" in capsys.readouterr().err
