"""`govsite build [--site ID]... [--output DIR] [--strict] [--production] [--jobs N] [--full]`."""
from __future__ import annotations

import gc  # the CLI freezes what lives to the end before forking
import sys
from pathlib import Path

from workflow.build.pipeline import BuildError, BuildLocked, build
from workflow.build.shard import parse_shard
from workflow.cli.commands import moment_arg
from workflow.errors import UsageError


def register(sub):
    p = sub.add_parser("build", help="构建站群（每个网站一个目录）")
    p.add_argument("--site", action="append", dest="sites", metavar="ID", help="只构建这些网站")
    p.add_argument("--output", type=Path, help="输出目录（默认 output/）")
    p.add_argument("--strict", action="store_true", help="有任何信息被拒绝发布或站内链接失效时以 1 退出")
    p.add_argument("--production", action="store_true",
                   help="生产构建：使用 publishconf.py 和各网站的真实域名")
    p.add_argument("--review", action="store_true",
                   help="审核预览：待审核的信息也构建出来，页面标明“待审核·未发布”，不可部署（拉取请求的 CI 用）")
    p.add_argument("--as-of", type=moment_arg, help="按此时刻判断定时发布（YYYY-MM-DD[ HH:MM]，默认现在）")
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="同时构建的网站数（进程数，默认 2）")
    p.add_argument("--full", action="store_true",
                   help="全量构建：不使用上次构建的缓存，每个网站都重新构建")
    p.add_argument("--shard", metavar="K/N", help="分片构建：只构建 N 份网站中的第 K 份（须同时给出 --index）")
    p.add_argument("--index", type=Path, metavar="FILE", help="站群索引（govsite index 生成）：每条信息的判定取自其中")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.jobs < 1:
        raise UsageError(f"--jobs 应为正整数，实际是 {args.jobs}")
    if args.review and args.production:
        raise UsageError("--review（审核预览）与 --production（生产构建）不能同时使用")
    mode = "production" if args.production else "review" if args.review else "preview"
    shard = parse_shard(args.shard) if args.shard else None
    if shard and not args.index:
        raise UsageError("--shard 须同时给出 --index（先运行 govsite index，各分片用同一份索引）")
    try:
        result = build(args.root, args.sites, args.output, mode, args.as_of,
                       jobs=args.jobs, incremental=not args.full, before_fork=gc.freeze,
                       index=args.index, shard=shard)
    except BuildLocked as exc:
        raise BuildLocked(f"未构建：{exc}") from exc
    except BuildError as exc:
        print(f"构建失败，原有输出未改动：{exc}", file=sys.stderr)
        return 1
    broken = sum(len(fs) for fs in result.pages.values())
    if broken:
        print(f"发现 {broken} 个失效的站内链接（详见 report.json 的 pages）：", file=sys.stderr)
        for f in [f for fs in result.pages.values() for f in fs][:10]:
            print(f"    {f.format()}", file=sys.stderr)
    pending = [d for d in result.decided if d.pending]      # a review preview decides every item
    if pending:
        print(f"审核预览：含 {len(pending)} 条待审核的信息（页面标有“待审核·未发布”），此输出不可部署。")
    return 1 if args.strict and (result.refused or broken) else 0
