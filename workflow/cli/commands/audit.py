"""`govsite audit [--site ID] [--since DATE] [--deploys TARGET] [--json]`: who created,
approved, published and withdrew each item."""
from __future__ import annotations

import json
import sys

from workflow.cli.commands import moment_arg
from workflow.errors import UsageError
from workflow.model.sites import load_group
from workflow.publish.deploy import DeployError, Target
from workflow.report import audit


def register(sub):
    p = sub.add_parser("audit", help="审计每条信息：谁创建、谁审核（何时）、何时首次发布、谁撤除")
    p.add_argument("--site", action="append", dest="sites", metavar="ID", help="只看这些网站")
    p.add_argument("--since", metavar="DATE", type=moment_arg, help="只列出此后有过创建、审核、发布或撤除的信息（YYYY-MM-DD）")
    p.add_argument("--deploys", metavar="TARGET",
                   help="部署目标（本地目录或 user@host:/path），从其 deploy-log.jsonl 读取首次发布时间")
    p.add_argument("--ssh", metavar="CMD", help="ssh 命令行（默认环境变量 GOVSITE_SSH 或 ssh）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=run)


def run(args) -> int:
    group = load_group(args.root, args.sites)
    log = None
    if args.deploys:
        target = Target.parse(args.deploys, args.ssh)
        try:
            target.probe(write=False)
            log = target.read_log()
        except (DeployError, ValueError) as exc:
            raise UsageError(f"无法读取部署记录：{exc}") from exc
    if audit.git_creators(group.root) is None:
        print("提示：仓库不是 Git 仓库，无法得知创建人", file=sys.stderr)
    rows = audit.collect(group, args.sites, args.since, log)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        print(audit.table(rows, log is not None))
        print(f"共 {len(rows)} 条信息。")
    return 0
