"""`govsite check [PATH...] [--stage commit|pr|build] [--base REF] [--json]`: the rule
set, without building. The stage decides only the verdict on pending approvals
(workflow/stages.py); exit 0 nothing refused, 1 something refused (or, in a pull
request, not yet approved), 2 usage or configuration error."""
from __future__ import annotations

import gc  # the CLI freezes what lives to the end before forking
import json
import sys
from pathlib import Path

from workflow.cli.commands import affected_since, missing_paths, missing_ref
from workflow.errors import UsageError
from workflow.gate import stages
from workflow.gate.gate import Gate
from workflow.gate.parallel import decide
from workflow.gate.workers import WorkerDied
from workflow.model.findings import ERROR
from workflow.model.sites import load_group
from workflow.review import history


def register(sub):
    p = sub.add_parser("check", help="检查信息是否符合发布要求（不构建）")
    p.add_argument("paths", nargs="*", type=Path, help="要检查的文件或目录（默认：全部内容；有 --base 时：改动涉及的信息）")
    p.add_argument("--json", action="store_true", help="以 JSON 数组输出所有发现")
    p.add_argument("--base", metavar="REF",
                   help="与之比较的 Git 引用（拉取请求的目标分支如 origin/main；提交前用 HEAD）：只检查改动涉及的信息，"
                        "并与其中的版本比较（例如撤除后又删除撤除块）")
    p.add_argument("--stage", choices=stages.STAGES,
                   help="在哪一环节检查：commit 提交前（缺少审核只提示“待审核”，不阻止提交）；"
                        "pr 拉取请求（每条改动的信息都须审核齐全）；build 构建（默认；有 --base 时默认 pr）")
    p.set_defaults(func=run)



def run(args) -> int:
    group = load_group(args.root)
    stage = args.stage or ("pr" if args.base else "build")
    missing_paths(args.paths)
    gate = Gate(group)
    paths = args.paths or None
    if args.base:
        if not history.ref_exists(group.root, args.base):
            if not (stage == "commit" and args.base == "HEAD"):
                raise missing_ref(args.base)
            print("第一次提交：检查全部信息。", file=sys.stderr)
        else:
            gate.checker.base = args.base
            if not args.paths:
                found = affected_since(group, args.base)
                if found.everything:
                    print(f"{found.because}：检查全部信息。", file=sys.stderr)
                elif not found.items:
                    if not args.json:
                        print(f"相对 {args.base} 改动了 {len(found.files)} 个文件，不涉及任何信息。")
                    else:
                        print("[]")
                    return 0
                else:
                    paths = found.items
    try:
        # many items: two processes; decisions without the items' bytes (a pending one is read again)
        decisions = decide(gate, paths=paths, before_fork=gc.freeze, lean=True)
    except WorkerDied as exc:
        advice = "请把该文件交给网站技术人员检查" if exc.last else "请重新运行；多次出现请联系网站技术人员"
        raise UsageError(f"检查未完成：{exc}。{advice}") from exc
    findings = [f for d in decisions for f in d.findings]
    if args.json:
        print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=1))
    pending = [d for d in decisions if stages.only_pending(d.findings)]
    waiting = {id(d) for d in pending}
    refused = [d for d in decisions if any(f.severity == ERROR for f in d.findings) and id(d) not in waiting]
    if not args.json:
        for d in decisions:
            for f in d.findings:
                print(f.format(stages.label(f, stage)))
            if any(stages.is_pending(f) for f in d.findings):
                waits = stages.awaiting(gate.decide(d.item.path).item, gate.checker)
                if waits:
                    print(f"{d.item.relpath}: 待审核，还需要 " + "；".join(w.format() for w in waits))
        warnings = sum(1 for f in findings if f.severity != ERROR)
        print(summary(stage, len(decisions), len(refused), len(pending), warnings))
    if refused or (pending and stage != "commit"):
        return 1
    return 0


def summary(stage: str, checked: int, refused: int, pending: int, warnings: int) -> str:
    if not pending:
        return f"检查 {checked} 条信息：{refused} 条将被拒绝发布，{warnings} 条警告。"
    if stage == "commit":
        wait = f"{pending} 条待审核（可以提交；审核通过后才能发布）"
    elif stage == "pr":
        wait = f"{pending} 条待审核（审核齐全前不能合并）"
    else:
        wait = f"{pending} 条待审核（不予发布）"
    return f"检查 {checked} 条信息：{refused} 条将被拒绝发布，{wait}，{warnings} 条警告。"
