"""`govsite nginx-config [--deploy-root DIR] [--listen ADDR] [--output FILE]`:
nginx server blocks for every site of the group."""
from __future__ import annotations

import sys
from pathlib import Path

from workflow.gate.gate import Gate
from workflow.model.sites import load_group
from workflow.publish import nginx


def register(sub):
    p = sub.add_parser("nginx-config", help="生成站群各网站的 nginx 配置（server 块）")
    p.add_argument("--deploy-root", default=nginx.DEFAULT_DEPLOY_ROOT,
                   help=f"已部署版本的目录，每个网站一个子目录（默认 {nginx.DEFAULT_DEPLOY_ROOT}）")
    p.add_argument("--listen", default="80", help="监听端口或地址（默认 80）")
    p.add_argument("--ssl-certificate", metavar="PATH", help="证书路径，可用 {domain} 代表域名；给出时监听 443")
    p.add_argument("--ssl-certificate-key", metavar="PATH", help="证书私钥路径，可用 {domain} 代表域名")
    p.add_argument("--output", type=Path, help="写入此文件（默认输出到屏幕）")
    p.set_defaults(func=run)


def run(args) -> int:
    group = load_group(args.root)
    decisions = Gate(group).decide_all()
    text = nginx.config(group, decisions, args.deploy_root, args.listen,     # NginxConfigError: exit 2
                        args.ssl_certificate, args.ssl_certificate_key)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"已写入 {args.output}：{len(group.sites)} 个网站")
    else:
        sys.stdout.write(text)
    return 0
