"""`govsite check [PATH...] [--json]`: the rule set, without building."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..findings import ERROR
from ..deciding import decide
from ..gate import Gate
from ..sites import load_group


def register(sub):
    p = sub.add_parser("check", help="检查信息是否符合发布要求（不构建）")
    p.add_argument("paths", nargs="*", type=Path, help="要检查的文件或目录（默认：全部内容）")
    p.add_argument("--json", action="store_true", help="以 JSON 数组输出所有发现")
    p.set_defaults(func=run)


def run(args) -> int:
    group = load_group(args.root)
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"govsite check: 找不到 {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    gate = Gate(group)
    decisions = decide(gate, paths=args.paths or None)   # many items: two processes
    findings = [f for d in decisions for f in d.findings]
    if args.json:
        print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=1))
    else:
        for f in findings:
            print(f.format())
        refused = sum(1 for d in decisions if any(f.severity == ERROR for f in d.findings))
        warnings = sum(1 for f in findings if f.severity != ERROR)
        print(f"检查 {len(decisions)} 条信息：{refused} 条将被拒绝发布，{warnings} 条警告。")
    return 1 if any(f.severity == ERROR for f in findings) else 0
