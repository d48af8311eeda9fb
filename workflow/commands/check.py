"""`govsite check [PATH...] [--json]`: the rule set, without building."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import history
from ..findings import ERROR
from ..deciding import decide
from ..gate import Gate
from ..sites import load_group
from ..workers import WorkerDied


def register(sub):
    p = sub.add_parser("check", help="检查信息是否符合发布要求（不构建）")
    p.add_argument("paths", nargs="*", type=Path, help="要检查的文件或目录（默认：全部内容）")
    p.add_argument("--json", action="store_true", help="以 JSON 数组输出所有发现")
    p.add_argument("--base", metavar="REF",
                   help="拉取请求的目标分支（如 origin/main）：与其中的版本比较（例如撤除后又删除撤除块）")
    p.set_defaults(func=run)


def run(args) -> int:
    group = load_group(args.root)
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"govsite check: 找不到 {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    gate = Gate(group)
    if args.base:
        if not history.ref_exists(group.root, args.base):
            print(f"govsite check: 找不到 Git 引用“{args.base}”（--base）：请先 git fetch，或写成 origin/main 这样的分支名",
                  file=sys.stderr)
            return 2
        gate.checker.base = args.base
    try:
        decisions = decide(gate, paths=args.paths or None)   # many items: two processes
    except WorkerDied as exc:
        advice = "请把该文件交给网站技术人员检查" if exc.last else "请重新运行；多次出现请联系网站技术人员"
        print(f"govsite check: 检查未完成：{exc}。{advice}", file=sys.stderr)
        return 2
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
