"""`govsite linkcheck [--site ID]... [--extern] [--output DIR]`: LinkChecker over the built group."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from workflow.errors import UsageError
from workflow.model.sites import load_group
from workflow.publish import linkcheck


def register(sub):
    p = sub.add_parser("linkcheck", help="用 LinkChecker 检查已构建站群的链接（在 127.0.0.1 上临时提供网页）")
    p.add_argument("--site", action="append", dest="sites", metavar="ID", help="只检查这些网站（默认全部）")
    p.add_argument("--extern", action="store_true", help="也访问外部链接（默认只检查外部链接的格式）")
    p.add_argument("--output", type=Path, help="已构建的输出目录（默认 output/）")
    p.add_argument("--all", action="store_true", help="linkcheck.json 也列出每个检查过的网址（默认只列失效的和汇总）")
    p.set_defaults(func=run)


def run(args) -> int:
    group = load_group(args.root)
    output = (args.output or args.root / "output").resolve()
    sites = args.sites or list(group.sites)
    unknown = [s for s in sites if s not in group.sites]
    if unknown:
        raise UsageError(f"没有标识为“{'、'.join(unknown)}”的网站；可用的网站标识：{', '.join(group.sites)}")
    missing = [s for s in sites if not (output / s / "index.html").is_file()]
    if missing:
        raise UsageError(f"{output} 中没有网站 {'、'.join(missing)} 的构建结果，请先运行 govsite build")
    if _mode(output) == "production":
        raise UsageError("该输出是生产构建（链接指向真实域名，无法在本机检查），"
                         "请先运行 govsite build（不加 --production）")
    print(f"正在检查 {len(sites)} 个网站的链接（LinkChecker，{'访问' if args.extern else '不访问'}外部链接）…")
    try:
        result = linkcheck.run(output, sites, group.portal.id, extern=args.extern)
    except linkcheck.LinkCheckerFailed as exc:
        print(f"链接检查未能完成，结果不可用：{exc}", file=sys.stderr)
        return 2
    json_path, csv_path = linkcheck.write(result, output, every=args.all)
    for row in result.broken:
        text = f"，链接文字“{row['name']}”" if row.get("name") else ""
        print(f"断链：{row['url'] or row['urlname']}（所在页面 {row['parentname']} 第 {row['line']} 行{text}）："
              f"{row['result']}")
    print(f"检查 {len(result.rows)} 个网址，失效 {len(result.broken)} 个。详见 {json_path} 和 {csv_path}")
    return 1 if result.broken else 0


def _mode(output: Path) -> str | None:
    try:
        return json.loads((output / "report.json").read_text(encoding="utf-8")).get("mode")
    except (OSError, ValueError, AttributeError):
        return None
