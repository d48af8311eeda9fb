"""`govsite merge SHARD_OUTPUT... --index FILE [--output DIR] [--strict]`: join the
outputs of `govsite build --shard K/N` into one, as a single build makes it."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from workflow.build import shard
from workflow.errors import UsageError
from workflow.model.sites import load_group


def register(sub):
    p = sub.add_parser("merge", help="合并各分片的构建输出（与一次完整构建相同）")
    p.add_argument("shards", nargs="+", type=Path, metavar="SHARD_OUTPUT", help="各分片的输出目录")
    p.add_argument("--index", type=Path, required=True, metavar="FILE", help="各分片共用的站群索引")
    p.add_argument("--output", type=Path, help="合并后的输出目录（默认 output/）")
    p.add_argument("--strict", action="store_true", help="有信息被拒绝发布或站内链接失效时以 1 退出")
    p.set_defaults(func=run)


def run(args) -> int:
    group = load_group(args.root)
    index = shard.read_index(args.index, group)
    modes = set()
    for out in args.shards:
        try:
            modes.add(json.loads((out / "report.json").read_text(encoding="utf-8"))["mode"])
        except (OSError, ValueError, KeyError, TypeError):
            raise UsageError(f"{out} 不是 govsite build --shard 的输出（没有 report.json）") from None
    if len(modes) != 1:
        raise UsageError(f"各分片的构建方式不同（{'、'.join(sorted(modes))}），不能合并")
    output = (args.output or args.root / "output").resolve()
    pages = shard.merge(group, args.shards, output, index, modes.pop())
    broken = sum(len(fs) for fs in pages.values())
    refused = sum(1 for d in index.decisions if d.state.value == "refused")
    if broken:
        print(f"发现 {broken} 个失效的站内链接（详见 {output / 'report.json'} 的 pages）", file=sys.stderr)
    return 1 if args.strict and (broken or refused) else 0
