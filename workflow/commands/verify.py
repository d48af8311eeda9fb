"""`govsite verify --root DIR | --url BASE_URL --site ID`: live files against manifest.json.

Anti-tamper (第二十七条): every file listed in the manifest must be there with
the same SHA-256, and (for a folder) nothing else may be there.
"""
from __future__ import annotations

import sys
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import manifest

LABELS = {"modified": "被修改", "missing": "缺失", "unexpected": "多出"}


def register(sub):
    p = sub.add_parser("verify", help="防篡改校验：比对线上文件与 manifest.json")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--root", dest="live_root", type=Path, metavar="DIR",
                       help="网站目录（含 manifest.json），或部署目标/版本目录（校验其下每个网站）")
    where.add_argument("--url", metavar="BASE_URL", help="网站地址，如 https://www.example.gov.cn/")
    p.add_argument("--site", metavar="ID", help="网站标识（--url 时必填）")
    p.add_argument("--manifest", type=Path, metavar="FILE",
                   help="作为基准的 manifest.json（默认：--root 时用目录中的，--url 时用 output/<ID>/ 中的）")
    p.set_defaults(func=run)


def fail(message: str, code: int = 2) -> int:
    print(f"govsite verify: {message}", file=sys.stderr)
    return code


def report(name: str, expected: dict, diff: dict[str, list[str]], note: str = "") -> bool:
    count = sum(len(v) for v in diff.values())
    if not count:
        print(f"{name}：通过，{len(expected['files'])} 个文件与清单一致{note}")
        return True
    print(f"{name}：发现 {count} 处不一致（构建 {expected['build'].get('commit')}，"
          f"{expected['build'].get('built_at')}）")
    for kind, paths in diff.items():
        for path in paths:
            print(f"  {LABELS[kind]}：{path}")
    return False


def load_reference(path: Path) -> dict:
    try:
        return manifest.parse(path.read_bytes(), str(path))
    except OSError as exc:
        raise manifest.ManifestError(f"无法读取 {path}（{exc.strerror}）") from exc


def site_dirs(root: Path, only: str | None) -> list[Path]:
    if (root / manifest.NAME).is_file():
        return [root]
    if (root / "current").is_dir():
        root = root / "current"
    found = sorted(p for p in root.iterdir() if (p / manifest.NAME).is_file()) if root.is_dir() else []
    return [p for p in found if only is None or p.name == only]


def verify_root(args) -> int:
    root = args.live_root
    if not root.is_dir():
        return fail(f"目录 {root} 不存在")
    dirs = [root] if args.manifest else site_dirs(root, args.site)
    if not dirs:
        return fail(f"{root} 下没有 manifest.json（不是 govsite 构建或部署的网站目录）")
    ok = True
    for site_dir in dirs:
        try:
            expected = load_reference(args.manifest) if args.manifest else manifest.read(site_dir)
        except manifest.ManifestError as exc:
            print(f"{site_dir}：{exc}")
            ok = False
            continue
        ok &= report(str(site_dir), expected, manifest.compare(expected, manifest.hash_tree(site_dir)))
    return 0 if ok else 1


def fetch(url: str) -> bytes | None:
    """The body, or None for 404/410. Other failures raise."""
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            return None
        raise


def verify_url(args) -> int:
    if not args.site:
        return fail("使用 --url 时须用 --site 指明网站标识")
    reference = args.manifest or args.root / "output" / args.site / manifest.NAME
    try:
        expected = load_reference(reference)
    except manifest.ManifestError as exc:
        return fail(f"{exc}。请用 --manifest 指定基准清单", 1)
    base = args.url.rstrip("/") + "/"

    def one(path):
        import hashlib

        body = fetch(base + urllib.parse.quote(path))
        return path, None if body is None else hashlib.sha256(body).hexdigest()

    try:
        with ThreadPoolExecutor(8) as pool:
            found = dict(pool.map(one, expected["files"]))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return fail(f"无法访问 {base}：{getattr(exc, 'reason', exc)}", 1)
    actual = {p: {"sha256": h} for p, h in found.items() if h is not None}
    diff = manifest.compare(expected, actual)
    diff["unexpected"] = []
    return 0 if report(f"{args.site}（{base}）", expected, diff,
                       "（经 HTTP 无法列出多余文件，请在服务器上用 --root 校验）") else 1


def run(args) -> int:
    return verify_root(args) if args.live_root else verify_url(args)
