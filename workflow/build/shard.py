"""Sharded builds: a province's group built by N machines (CI runners) at once.

    govsite index --output output/group-index.pickle      once: every item's decision
    govsite build --shard K/N --index …/group-index.pickle on N runners: a share of the sites
    govsite merge SHARD_OUTPUT… --index … --output output  once: one output, as one build makes

The index holds every item's decision, made once at one moment, so every shard
shows the same syndicated items, topics and 政策解读 and agrees on what is
published; each shard builds the sites `assign` gives it (a deterministic,
balanced share: the largest sites first, each to the least loaded shard) and
checks their own links; `merge` joins the shards' site folders and manifests,
resolves the links between sites of different shards, and writes the report.
The merged output is the output of a single build (tests/test_shard.py).
"""
from __future__ import annotations

import datetime as dt
import json
import pickle
import shutil
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from workflow.build import cache as buildcache
from workflow.build import linkgraph, manifest
from workflow.errors import BuildError, UsageError
from workflow.gate import store
from workflow.gate.gate import Decision
from workflow.model.findings import Finding

INDEX_FORMAT = 1


@dataclass
class Index:
    as_of: dt.datetime           # the moment every decision was made at
    keys: dict[str, str]         # what the decisions hold for (gate/store.decisions_keys)
    entries: dict[tuple[str, str], Decision]   # (path here, content hash) -> slim decision (no bytes)

    @property
    def decisions(self) -> list[Decision]:
        return list(self.entries.values())


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` -> (K, N), 1 <= K <= N."""
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise UsageError(f"--shard “{text}”应写成 K/N，例如 2/4（共 4 份中的第 2 份）") from None
    if not 1 <= k <= n:
        raise UsageError(f"--shard “{text}”：K 应在 1 到 N 之间")
    return k, n


def assign(group, decisions: list[Decision], n: int) -> list[list[str]]:
    """The sites of each of `n` shards: the largest sites (by items) first, each to the
    shard with the fewest items so far (ties: the lower shard); the same for every shard."""
    size = Counter(d.item.site_id for d in decisions)
    shares: list[list[str]] = [[] for _ in range(n)]
    load = [0] * n
    for sid in sorted(group.sites, key=lambda s: (-size.get(s, 0), s)):
        k = min(range(n), key=lambda i: (load[i], i))
        shares[k].append(sid)
        load[k] += size.get(sid, 0) + 1
    return [sorted(share, key=list(group.sites).index) for share in shares]


def write_index(path: Path, group, decisions: list[Decision], as_of: dt.datetime) -> None:
    """Every item's decision, for the shards (a CI artifact of the same run)."""
    slim = [(d.item.relpath, d.item.sha256, _relative(store.slim(d))) for d in decisions]
    data = {"format": INDEX_FORMAT, "as_of": as_of, "keys": store.decisions_keys(group), "decisions": slim}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(data, pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)


def read_index(path: Path, group) -> Index:
    """The index, with paths of this checkout. Refuses an index made from other code,
    policy or site.yaml (its decisions would not hold here)."""
    try:
        data = pickle.loads(Path(path).read_bytes())
        assert data["format"] == INDEX_FORMAT
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, AssertionError, TypeError, AttributeError,
            ValueError, ImportError) as exc:
        raise BuildError(f"站群索引 {path} 不存在或已损坏：请先运行 govsite index") from exc
    if data["keys"] != store.decisions_keys(group):
        raise BuildError(f"站群索引 {path} 是用不同的代码、审核人密钥、政策文件或 site.yaml 生成的，"
                         "与本仓库不一致：请在同一提交上重新运行 govsite index")
    entries = {(str(Path(group.root) / rel), sha): _local(d, group.root) for rel, sha, d in data["decisions"]}
    return Index(data["as_of"], data["keys"], entries)


def store_of(index: Index) -> store.DecisionStore:
    """The index as remembered decisions: the gate recalls every item from it (and reads
    each file again, which must hash the same). An item whose other inputs differ on this
    machine (its files' inodes) is decided again here, from the same bytes."""
    return store.DecisionStore(dict(index.entries))


def _relative(d: Decision) -> Decision:
    return replace(d, item=replace(d.item, path=Path(d.item.relpath)))


def _local(d: Decision, root: Path) -> Decision:
    return replace(d, item=replace(d.item, path=Path(root) / d.item.relpath))


def merge(group, shard_outputs: list[Path], output: Path, index: Index, mode: str, echo=print) -> dict:
    """Join the shards' outputs into `output`: each site's folder and manifest, every
    link between sites resolved, one report. Returns the link findings by page."""
    from workflow.build.pipeline import locked

    output = Path(output).resolve()
    with locked(output):              # one writer of an output folder at a time, as a build
        return _merge(group, shard_outputs, output, index, mode, echo)


def _merge(group, shard_outputs: list[Path], output: Path, index: Index, mode: str, echo) -> dict:
    from workflow.build.pipeline import write_report

    entries: dict[str, dict] = {}
    origin: dict[str, buildcache.BuildCache] = {}      # site -> the shard cache holding its links (read when needed)
    for shard in shard_outputs:
        shard = Path(shard).resolve()
        shard_cache = buildcache.BuildCache(shard)
        found = shard_cache.sites()
        if not found:
            raise BuildError(f"{shard} 不是 govsite build --shard 的输出（没有构建记录）")
        for sid, entry in found.items():
            if sid not in group.sites or not (shard / sid).is_dir():
                continue
            if sid in entries:
                raise BuildError(f"网站 {sid} 出现在两份分片输出中：请检查 --shard 的编号")
            entries[sid] = entry
            origin[sid] = shard_cache
            _move(shard / sid, output / sid)
            _move(manifest.path_for(shard, sid), manifest.path_for(output, sid))
    missing = [sid for sid in group.sites if sid not in entries]
    if missing:
        raise BuildError(f"分片输出中缺少网站：{'、'.join(missing)}（每一份 --shard K/N 的输出都要合并）")
    pages = {page: [Finding(**f) for f in fs] for e in entries.values() for page, fs in e["pages"].items()}
    pages = linkgraph.resolve_targets(output / ".merging", group,
                                      {sid: [tuple(t) for t in e.get("targets", [])] for sid, e in entries.items()},
                                      lambda sid: origin[sid].deferred(sid), pages, mode)
    cache = buildcache.BuildCache(output)
    cache.save_sites(entries)
    for sid, shard_cache in origin.items():
        cache.save_deferred(sid, shard_cache.deferred(sid))
    # The index's decisions as they are (kept, under the content hash they were made for):
    # the report needs no item's bytes, and the cache keeps decisions without them.
    cache.save_decisions(index.keys, index.decisions)
    write_report(output / "report.json", group, index.decisions, mode, index.as_of, pages)
    echo(f"合并完成：{len(shard_outputs)} 份分片，{len(entries)} 个网站 -> {output}")
    return pages


def _move(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst) if dst.is_dir() else dst.unlink()
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(src), str(dst))


def shares_text(group, shares: list[list[str]]) -> str:
    return json.dumps({f"{k + 1}/{len(shares)}": share for k, share in enumerate(shares)}, ensure_ascii=False)
