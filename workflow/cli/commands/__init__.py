"""One module per `govsite` command, and the argument types they share."""
from __future__ import annotations

import argparse
import sys

from workflow.errors import UsageError
from workflow.model import dates


def date_arg(text: str):
    """`--as-of 2026-11-25`: a calendar date, or a usage error (exit 2) saying so."""
    try:
        return dates.parse_date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是日期，应为 YYYY-MM-DD，例如 2026-11-25") from None


def moment_arg(text: str):
    """`--as-of 2026-11-25 09:30`: a moment (Asia/Shanghai), or a usage error."""
    try:
        return dates.parse_datetime(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{text}”不是日期，应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM，例如 2026-11-25 09:30") from None


def refuse(command: str, message: str, code: int = 1) -> int:
    """Tell the user of one failure that does not stop `govsite <command>` (one of several
    targets), as the CLI tells a GovsiteError; return its exit code."""
    print(f"govsite {command}：{message}", file=sys.stderr)
    return code


def signing_problem(args) -> str | None:
    """What is wrong with the item and private key given to a signing command (approve, withdraw)."""
    if not args.file.is_file():
        return f"找不到文件 {args.file}"
    if args.file.suffix != ".md":
        return f"{args.file} 不是信息文件：请指定 content/<网站>/<栏目>/<文件名>.md"
    if not args.key.is_file():
        return f"找不到私钥 {args.key}"
    return None


def missing_paths(paths) -> None:
    """Paths named on the command line that do not exist: a usage error naming them."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"找不到 {', '.join(map(str, missing))}")


def missing_ref(base: str) -> UsageError:
    return UsageError(f"找不到 Git 引用“{base}”（--base）：请先 git fetch，或写成 origin/main 这样的分支名")


def affected_since(group, base: str):
    """What a change since `base` affects (workflow/review/changes.py), or a usage error."""
    from workflow.review import changes

    try:
        return changes.affected(group, changes.changed_files(group.root, base))
    except changes.ChangeError as exc:
        raise UsageError(f"无法读取相对 {base} 的改动：{exc}") from exc
