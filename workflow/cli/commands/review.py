"""`govsite review [--as ID] [--base REF] [--markdown]`: what awaits a reviewer's
signature, with the text changed since its last approval (workflow/review.py)."""
from __future__ import annotations

import gc  # the CLI freezes what lives to the end before forking
from pathlib import Path

from workflow.cli.commands import affected_since, missing_paths, missing_ref
from workflow.errors import UsageError
from workflow.gate.gate import Gate
from workflow.gate.parallel import decide
from workflow.model.sites import load_group
from workflow.report import reviewing as review
from workflow.review import history


def register(sub):
    p = sub.add_parser("review", help="列出待审核的信息及自上次审核以来的改动（审核人、CI 的拉取请求摘要）")
    p.add_argument("paths", nargs="*", type=Path, help="只看这些文件或目录")
    p.add_argument("--as", dest="reviewer", metavar="ID", help="审核人标识：只列出等待此人可签级别的信息")
    p.add_argument("--base", metavar="REF", help="拉取请求的目标分支（如 origin/main）：只看改动涉及的信息")
    p.add_argument("--markdown", action="store_true", help="输出 Markdown 表格（GitHub 步骤摘要、GitLab 合并请求评论）")
    p.add_argument("--preview-url", metavar="URL",
                   help="预览地址的前缀（默认 http://127.0.0.1:8000，即 govsite serve）")
    p.add_argument("--note", metavar="TEXT", help="表格前加一段说明（如预览构件的下载方法）")
    p.set_defaults(func=run)



def run(args) -> int:
    group = load_group(args.root)
    if args.reviewer and not any(args.reviewer in s.data["reviewers"] for s in group.sites.values()):
        known = sorted({r for s in group.sites.values() for r in s.data["reviewers"]})
        raise UsageError(f"没有标识为“{args.reviewer}”的审核人。各网站 site.yaml 中的审核人：{', '.join(known)}")
    missing_paths(args.paths)
    gate = Gate(group)
    paths = args.paths or None
    if args.base:
        if not history.ref_exists(group.root, args.base):
            raise missing_ref(args.base)
        gate.checker.base = args.base
        if not args.paths:
            found = affected_since(group, args.base)
            paths = None if found.everything else found.items
            if not found.everything and not found.items:
                print(review.as_markdown([], None, args.note) if args.markdown else
                      f"相对 {args.base} 的改动不涉及任何信息。")
                return 0
    decisions = decide(gate, paths=paths, before_fork=gc.freeze)
    rows = review.rows(gate, decisions, args.base)
    if args.reviewer:
        rows = review.for_reviewer(rows, args.reviewer)
    elif not args.base and not args.paths:
        rows = [r for r in rows if r.awaiting or r.problems]     # the whole group: only what needs someone
    preview = args.preview_url or "http://127.0.0.1:8000"
    if args.markdown:
        print(review.as_markdown(rows, preview, args.note))
        return 0
    if not rows:
        who = f"等待 {args.reviewer} 审核的" if args.reviewer else "待审核或有问题的"
        print(f"没有{who}信息。")
        return 0
    print(review.as_text(rows, args.reviewer, preview))
    print(f"共 {len(rows)} 条。预览：govsite build --review 后运行 govsite serve。")
    return 0
