"""`govsite verify --root TARGET [--root TARGET…] | --url BASE_URL --site ID`: anti-tamper.

--root: the live release of each deploy target against its signed manifests
(workflow/tamper.py says what is checked). --url: every file of a site's
manifest fetched over HTTP; each failure (403, 404, changed, unreachable) is
named and the check goes on. Exit 0 all intact, 1 anything tampered or
failing, 2 usage error or a target that cannot be read.
"""
from __future__ import annotations

import hashlib
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from workflow.build import manifest
from workflow.cli.commands import refuse
from workflow.errors import UsageError
from workflow.publish import release_signing, tamper, tool_errors
from workflow.publish.deploy import DeployError, Target
from workflow.review.approval import ALLOWED_SIGNERS


def register(sub):
    p = sub.add_parser("verify", help="防篡改校验：线上版本与部署时签名的清单逐一比对")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--root", "--to", dest="targets", action="append", metavar="TARGET",
                       help="部署目标（本地目录或 user@host:/path），可重复（主备服务器）")
    where.add_argument("--url", metavar="BASE_URL", help="网站地址，如 https://www.example.gov.cn/")
    p.add_argument("--site", metavar="ID", help="只校验此网站（--url 时必填）")
    p.add_argument("--ssh", metavar="CMD", help="ssh 命令行（默认环境变量 GOVSITE_SSH 或 ssh）")
    p.add_argument("--allowed-signers", type=Path, metavar="FILE", help=f"公钥清单（默认 {ALLOWED_SIGNERS}）")
    p.add_argument("--manifest", type=Path, metavar="FILE",
                   help="--url 时作为基准的清单（默认 output/.manifests/<ID>.json；旁边有 .sig 时校验签名）")
    p.set_defaults(func=run)


def signers(args):
    return release_signing.signers(args.allowed_signers or args.root / ALLOWED_SIGNERS)


def verify_targets(args) -> int:
    try:
        allowed = signers(args)
    except release_signing.SigningError as exc:
        raise UsageError(str(exc)) from exc
    worst = 0
    for spec in args.targets:
        target = Target.parse(spec, args.ssh)
        try:
            with target.session():
                state = target.probe(write=False)
                if state.link is None and not state.releases and not target.read_file("deploy-log.jsonl"):
                    worst = max(worst, refuse("verify", f"{spec} 不是 govsite 的部署目标（没有 current、releases/ 和部署记录）", 2))
                    continue
                result = tamper.check_live(target, allowed, [args.site] if args.site else None)
        except DeployError as exc:
            worst = max(worst, refuse("verify", f"{spec}：{exc}", 2))
            continue
        show(spec, result)
        worst = max(worst, 0 if result.ok else 1)
    return worst


def show(spec: str, result: tamper.ReleaseCheck) -> None:
    head = f"{spec}：线上版本 {result.release or '（无）'}"
    if result.ok:
        total = sum(s.files for s in result.sites)
        print(f"{head}：通过，{len(result.sites)} 个网站、{total} 个文件与签名清单一致")
        for s in result.sites:
            print(f"  [{s.site}] 通过，{s.files} 个文件")
        return
    count = len(result.failures())
    print(f"{head}：发现 {count} 处问题")
    for p in result.problems:
        print(f"  {p}")
    for s in result.sites:
        if not s.problems:
            print(f"  [{s.site}] 通过，{s.files} 个文件")
            continue
        print(f"  [{s.site}] {len(s.problems)} 处问题：")
        for p in s.problems:
            print(f"    {p}")


def fetch(url: str) -> tuple[bytes | None, str | None]:
    """(body, None) or (None, what went wrong) — never raises."""
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.read(), None
    except urllib.error.HTTPError as exc:
        label = {403: "禁止访问", 404: "缺失", 410: "已删除"}.get(exc.code, "服务器返回错误")
        return None, f"{label}（HTTP {exc.code}）"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        text = tool_errors.oserror(reason) if isinstance(reason, OSError) else tool_errors.zh(str(reason))
        return None, f"无法访问（{text}）"


def load_reference(args) -> dict:
    path = args.manifest or manifest.path_for(args.root / "output", args.site)
    data = manifest.read(path)
    sig = Path(f"{path}.sig")
    if sig.is_file():
        raw = path.read_bytes()
        try:
            release_signing.check(raw, sig.read_text(encoding="ascii", errors="replace"), signers(args),
                                  tamper.signed_time(data))
        except release_signing.SigningError as exc:
            raise manifest.ManifestError(f"清单 {path} 的签名无效：{exc}") from exc
    return data


def verify_url(args) -> int:
    if not args.site:
        raise UsageError("使用 --url 时须用 --site 指明网站标识")
    try:
        expected = load_reference(args)
    except manifest.ManifestError as exc:
        raise UsageError(f"{exc}。请用 --manifest 指定基准清单") from exc
    base = args.url.rstrip("/") + "/"

    def one(path):
        body, problem = fetch(base + urllib.parse.quote(path))
        if body is not None and hashlib.sha256(body).hexdigest() != expected["files"][path]["sha256"]:
            problem = "被修改"
        return path, problem

    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(one, sorted(expected["files"])))
    problems = [(p, why) for p, why in found if why]
    name = f"{args.site}（{base}）"
    if not problems:
        print(f"{name}：通过，{len(found)} 个文件与清单一致（经 HTTP 无法列出多余文件，请在服务器上用 --root 校验）")
        return 0
    build = expected.get("build", {})
    print(f"{name}：{len(problems)} 个文件不一致或无法取得（共 {len(found)} 个；构建 {build.get('commit')}，"
          f"{build.get('built_at')}）")
    for path, why in problems:
        print(f"  {why}：{manifest.shown(path)}")
    return 1


def run(args) -> int:
    return verify_targets(args) if args.targets else verify_url(args)
