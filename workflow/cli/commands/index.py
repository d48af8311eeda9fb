"""`govsite index [--output FILE] [--as-of MOMENT]`: every item's decision, once,
for a sharded build (`govsite build --shard K/N --index FILE`, then `govsite merge`)."""
from __future__ import annotations

import gc  # the CLI freezes what lives to the end before forking
from pathlib import Path

from workflow.build import shard
from workflow.build.cache import BuildCache
from workflow.cli.commands import moment_arg
from workflow.gate.gate import Gate
from workflow.gate.parallel import decide
from workflow.gate.store import decisions_keys
from workflow.model import dates
from workflow.model.sites import load_group


def register(sub):
    p = sub.add_parser("index", help="生成站群索引（每条信息的判定），供分片构建共用")
    p.add_argument("--output", type=Path, help="索引文件（默认 output/group-index.pickle）")
    p.add_argument("--as-of", type=moment_arg, help="按此时刻判断（YYYY-MM-DD[ HH:MM]，默认现在）；各分片都按这一时刻")
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="同时检查的进程数（默认 2）")
    p.set_defaults(func=run)


def run(args) -> int:
    group = load_group(args.root)
    as_of = args.as_of or dates.now().replace(microsecond=0)
    cache = BuildCache(args.root / "output")          # remembered decisions (CI keeps them between runs)
    keys = decisions_keys(group)
    gate = Gate(group, as_of, store=cache.decisions(keys))
    decisions = decide(gate, max(1, args.jobs), before_fork=gc.freeze)
    cache.save_decisions(keys, decisions, gate.store)
    path = (args.output or args.root / "output" / "group-index.pickle").resolve()
    shard.write_index(path, group, decisions, as_of)
    refused = sum(1 for d in decisions if not d.published)
    print(f"站群索引：{len(decisions)} 条信息（{refused} 条未发布）-> {path}")
    return 0
