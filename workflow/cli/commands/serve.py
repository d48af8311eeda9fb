"""`govsite serve [--port N]`: preview the built group on 127.0.0.1."""
from __future__ import annotations

from pathlib import Path

from workflow.errors import UsageError
from workflow.publish.serve import make_server


def register(sub):
    p = sub.add_parser("serve", help="在 127.0.0.1 上预览已构建的站群")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--output", type=Path, help="已构建的输出目录（默认 output/）")
    p.set_defaults(func=run)


def run(args) -> int:
    from workflow.model.sites import load_group

    output = (args.output or args.root / "output").resolve()
    if not output.is_dir():
        raise UsageError(f"{output} 不存在，请先运行 govsite build")
    group = load_group(args.root)
    server = make_server(output, args.port, group.portal.id)
    print(f"预览地址：http://127.0.0.1:{server.server_address[1]}/  （Ctrl+C 结束）")
    for site in group.sites.values():
        print(f"  {site.name}: http://127.0.0.1:{server.server_address[1]}/{site.id}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
