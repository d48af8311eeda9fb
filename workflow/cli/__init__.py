"""`govsite`: the command line of editors, reviewers and operators.

Each command is a module in workflow/cli/commands/ with `register(subparsers)`;
its handler returns the exit code: 0 fine, 1 something refused or failed,
2 usage or configuration error. A command that cannot go on raises a
GovsiteError (workflow/errors.py): it is printed here, once, as
`govsite <command>：<message>`, and its `code` is the exit code.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import os
import pkgutil
import sys
from pathlib import Path

from workflow.cli import commands
from workflow.cli import zh as cli_zh
from workflow.errors import ConfigError, GovsiteError

# Every module of workflow/commands/ is a command; this order is the help order.
FIRST = ["new", "check", "approve", "build", "serve"]
COMMANDS = sorted((m.name for m in pkgutil.iter_modules(commands.__path__)),
                  key=lambda n: (FIRST.index(n) if n in FIRST else len(FIRST), n))


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"govsite: 参数错误：{message}（用 -h 查看用法）", file=sys.stderr)
        sys.exit(2)


def make_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser, or only that of command `only` (what a run needs: each
    command imports its stage, and a build would otherwise import the deploy tools too)."""
    cli_zh.install()
    parser = _Parser(prog="govsite", description="政府网站群发布流水线")
    parser.add_argument("--root", type=Path, default=None,
                        help="站群仓库根目录（默认：当前目录向上查找 content/）")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    module = (only or "").replace("-", "_")            # nginx-config is commands/nginx_config.py
    for name in [module] if module in COMMANDS else COMMANDS:
        importlib.import_module(f"workflow.cli.commands.{name}").register(sub)
    return parser


def command_in(argv: list[str]) -> str | None:
    """The command named in `argv` (the first word that is no option nor --root's value)."""
    words = iter(argv)
    for word in words:
        if word == "--root":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def find_root(start: Path) -> Path:
    for p in [start, *start.parents]:
        if (p / "content").is_dir() and (p / "pelicanconf.py").is_file():
            return p
    return start


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = make_parser(command_in(argv)).parse_args(argv)
    args.root = (args.root or find_root(Path(os.getcwd()))).resolve()
    try:
        return args.func(args)
    except ConfigError as exc:
        print("配置错误，未执行任何写入：", file=sys.stderr)
        for f in exc.findings:
            print("  " + f.format(), file=sys.stderr)
        return 2
    except GovsiteError as exc:
        print(f"govsite {args.command}：{exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:             # `govsite review | head`: the reader left
        sys.stderr.close()
        return 0
    except OSError as exc:              # a busy port, a missing program, an unreadable file: one line
        print(f"govsite {args.command}：{os_error(exc)}", file=sys.stderr)
        return 2
    finally:
        # What is alive now lives until exit: spare the interpreter's last
        # collection over it (0.4 s after a build of 10,000 items).
        gc.freeze()


ERRNO = {
    "EADDRINUSE": "端口已被占用（另一个程序正在使用它）：请换一个端口（--port）或先结束那个程序",
    "EACCES": "没有权限", "EPERM": "没有权限", "ENOENT": "文件或程序不存在", "ENOSPC": "磁盘空间不足",
    "EISDIR": "这是一个目录，不是文件", "ENOTDIR": "路径中有一部分不是目录", "EROFS": "文件系统只读",
    "EADDRNOTAVAIL": "地址不可用",
}


def os_error(exc: OSError) -> str:
    """One Chinese line for an operating-system error; the original text kept after it."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    what = ERRNO.get(name, "系统错误")
    target = exc.filename
    if isinstance(exc, FileNotFoundError) and target and "/" not in str(target) and not Path(str(target)).suffix:
        return f"找不到程序 {target}：请先安装它（Debian：apt-get install …；见 scripts/system-deps.sh）（{exc.strerror}）"
    where = f"{target}：" if target else ""
    return f"{where}{what}（{exc.strerror or exc}）"


if __name__ == "__main__":
    sys.exit(main())
