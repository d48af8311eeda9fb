"""Generate a synthetic site group for the benchmark.

    python benchmarks/generate.py [--items N] [--sites S] [--out DIR]

DIR/group/  a govsite repository: S sites (one portal, districts, departments),
            N approved items, reviewer keys made by ssh-keygen for this run
            (public halves in keys/allowed_signers), the project's theme,
            plugins and settings.
DIR/plain/  the same items as plain Pelican Markdown, with a pelicanconf.py
            for the baseline (default theme, no plugins).
DIR/keys/   the reviewers' private keys (outside the repository).

Items are signed in-process (benchmarks/sshsig_sign.py); one signature is
checked with `ssh-keygen -Y verify` so the format is proven against OpenSSH.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(HERE))

from sshsig_sign import Signer  # noqa: E402
from text import body  # noqa: E402

from workflow.model import items  # noqa: E402
from workflow.review import approval, withdrawal  # noqa: E402

DISTRICTS = ["qingxiu", "xingning", "jiangnan", "xixiangtang", "liangqing", "yongning", "wuming", "hengzhou",
             "binyang", "shanglin", "mashan", "longan", "gaoxin", "jingkai", "dongmeng"]
DEPARTMENTS = ["fgw", "rsj", "dsj", "jyj", "wjw", "sthjj", "jtysj", "scjgj", "yjglj", "zjj", "czj", "gaj",
               "mzj", "sfj", "zrzyj", "nyncj", "swj", "wlj", "tjj", "ybj"]
COLUMNS = {
    "portal": {"yaowen": ("政务要闻", "要闻"), "tzgg": ("通知公告", "通知公告"), "zcwj": ("政策文件", "政策文件"),
               "rsrm": ("人事任免", "人事任免"), "zfcg": ("政府采购", "政府采购")},
    "district": {"yaowen": ("区县要闻", "要闻"), "tzgg": ("通知公告", "通知公告"), "zcwj": ("政策文件", "政策文件"),
                 "dongtai": ("部门动态", "动态")},
    "department": {"dongtai": ("工作动态", "动态"), "tzgg": ("通知公告", "通知公告"), "zcwj": ("政策法规", "政策文件")},
}
TITLES = ["关于做好{}的通知", "{}推进会召开", "关于进一步加强{}的实施意见", "{}工作取得阶段性成效",
          "{}专项行动方案", "关于印发{}工作要点的通知"]
TOPICS = ["安全生产", "营商环境优化", "政务公开", "民生保障", "就业创业服务", "城市更新", "数字政府建设",
          "乡村振兴", "生态环境保护", "基层治理", "冬季森林防火", "根治欠薪", "政府网站管理"]
AT = "2026-11-20T10:00:00+08:00"
LINK_HOST = "nn-bench.gov.cn"


def site_ids(count: int) -> list[tuple[str, str]]:
    """(id, type) of `count` sites: the portal, then districts and departments alternating
    (beyond the real names, numbered sub-district offices and bureaus)."""
    others = []
    for i in range(max(len(DISTRICTS), len(DEPARTMENTS))):
        if i < len(DISTRICTS):
            others.append((DISTRICTS[i], "district"))
        if i < len(DEPARTMENTS):
            others.append((DEPARTMENTS[i], "department"))
    n = 0
    while len(others) < count - 1:
        n += 1
        others.append((f"jiedao{n:03d}", "district") if n % 2 else (f"bumen{n:03d}", "department"))
    return [("portal", "portal")] + others[:count - 1]


def site_yaml(sid: str, kind: str, n: int) -> dict:
    name = {"portal": "南宁市人民政府门户网站（基准测试）", "district": f"{sid}区人民政府（基准测试）",
            "department": f"南宁市{sid}局（基准测试）"}[kind]
    data = {
        "name": name, "type": kind, "domain": f"{sid}.{LINK_HOST}" if kind != "portal" else f"www.{LINK_HOST}",
        "sponsor": name, "organizer": "南宁市大数据发展局", "site_code": f"45010{n:05d}",
        "icp": f"桂ICP备00000000号-{n + 1}（示例）", "police_record": f"桂公网安备450100000{n:05d}号（示例）",
        "contact": {"address": "南宁市示例路1号", "phone": "0771-5550100（示例）", "email": f"web@{sid}.{LINK_HOST}"},
        "columns": {cid: {"name": name_, "type": type_} for cid, (name_, type_) in COLUMNS[kind].items()},
        "editors": {f"{sid}.bianji": "编辑"},
        "reviewers": {f"{sid}.chu": {"name": "初审人", "levels": ["初审"]},
                      f"{sid}.zhong": {"name": "终审人", "levels": ["终审"]}},
        "review": {"levels": ["初审", "终审"], "required": ["终审"], "columns": {"zcwj": ["初审", "终审"]}},
    }
    if kind != "portal":
        data["parent"] = "portal"
    return data


def make_key(keys: Path, rid: str) -> Path:
    key = keys / rid
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", rid, "-f", str(key)], check=True)
    return key


START = dt.datetime(2024, 1, 2, 9, 0)
SPAN_MINUTES = 1_480_000        # items are dated over about 2.8 years, up to 2026-10


def front_matter(rng: random.Random, sid: str, column: str, n: int, step: float = 97,
                 date: dt.datetime | None = None) -> dict:
    date = date or START + dt.timedelta(minutes=int(step * n) + rng.randint(0, 90))
    title = rng.choice(TITLES).format(rng.choice(TOPICS)) + f"（第{n}号）"
    meta = {"title": title, "date": date.strftime("%Y-%m-%d %H:%M"), "source": "南宁市人民政府办公厅",
            "author": f"{sid}.bianji", "confidentiality": "passed",
            "formed": (date - dt.timedelta(days=1)).strftime("%Y-%m-%d"),
            "summary": f"{title}的主要内容。"}
    if column == "zcwj":
        meta.update({"index_no": f"000000000/2026-{n:05d}", "issuer": "南宁市人民政府",
                     "doc_number": f"南府发〔2026〕{n}号", "written": meta["formed"], "subject": "综合政务",
                     "validity": "有效"})
    return meta


def write_item(group: Path, sid: str, column: str, slug: str, meta: dict, text: str, signers) -> tuple[Path, dict]:
    """One item approved by its site's reviewers (初审 and 终审 for 政策文件), signed
    over the bytes govsite signs. `signers`: reviewer id -> Signer."""
    unsigned = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + text
    levels = ["初审", "终审"] if column == "zcwj" else ["终审"]
    entries = []
    subject = approval.subject(f"content/{sid}/{column}/{slug}.md", [])
    for level in levels:
        rid = f"{sid}.{'chu' if level == '初审' else 'zhong'}"
        data = approval.payload(unsigned.encode("utf-8"), level, rid, AT, subject)
        entries.append({"level": level, "by": rid, "at": AT,
                        "signature": signers[rid].sign(data, approval.NAMESPACE)})
    closing = unsigned.index("\n---\n") + 1
    signed = unsigned[:closing] + "\n".join(approval.approvals_block(entries)) + "\n" + unsigned[closing:]
    path = group / "content" / sid / column / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(signed, encoding="utf-8")
    return path, entries[-1]


def plain_item(meta: dict, sid: str, column: str, slug: str, text: str) -> str:
    head = [f"Title: {meta['title']}", f"Date: {meta['date']}", f"Category: {sid}-{column}", f"Slug: {slug}",
            f"Author: {meta['author']}", f"Summary: {meta['summary']}"]
    return "\n".join(head) + "\n\n" + text


PLAIN_CONF = '''"""Plain Pelican over the benchmark items: default theme, no plugins."""
SITENAME = "基准测试（纯 Pelican）"
SITEURL = ""
PATH = "content"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh-CN"
PLUGINS = []
DEFAULT_PAGINATION = 15
ARTICLE_URL = ARTICLE_SAVE_AS = "{category}/{slug}.html"
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
'''


def generate(out: Path, n_items: int, n_sites: int, seed: int = 2026, echo=print) -> Path:
    out = Path(out).resolve()
    group, plain, keys = out / "group", out / "plain", out / "keys"
    for d in (group, plain):
        shutil.rmtree(d, ignore_errors=True)
    keys.mkdir(parents=True, exist_ok=True)
    group.mkdir(parents=True)
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy(PROJECT / name, group / name)
    for name in ("themes", "plugins"):
        shutil.copytree(PROJECT / name, group / name, ignore=shutil.ignore_patterns("__pycache__"))
    (plain / "content").mkdir(parents=True)
    (plain / "pelicanconf.py").write_text(PLAIN_CONF, encoding="utf-8")

    sites = site_ids(n_sites)
    signers, signer_lines = {}, []
    for i, (sid, kind) in enumerate(sites):
        data = site_yaml(sid, kind, i)
        folder = group / "content" / sid
        folder.mkdir(parents=True)
        (folder / "site.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        for rid in data["reviewers"]:
            key = make_key(keys, rid)
            signers[rid] = Signer(key)
            kind_, b64 = Path(f"{key}.pub").read_text().split()[:2]
            signer_lines.append(f'{rid} namespaces="{approval.NAMESPACE}" {kind_} {b64}')
    (group / "keys").mkdir()
    (group / "keys" / "allowed_signers").write_text("\n".join(signer_lines) + "\n")

    rng = random.Random(seed)
    weights = [3 if kind == "portal" else 1 for _, kind in sites]   # the portal publishes most
    step = min(97, SPAN_MINUTES / max(n_items, 1))
    checked = False
    for n in range(n_items):
        sid, kind = rng.choices(sites, weights)[0]
        column = rng.choice(list(COLUMNS[kind]))
        slug = f"xinxi-{n:06d}"
        meta = front_matter(rng, sid, column, n, step)
        text = body(rng)
        path, last = write_item(group, sid, column, slug, meta, text, signers)
        if not checked:
            verify_with_openssh(path, group, last, keys)
            checked = True
        ppath = plain / "content" / sid / column / f"{slug}.md"
        ppath.parent.mkdir(parents=True, exist_ok=True)
        ppath.write_text(plain_item(meta, sid, column, slug, text), encoding="utf-8")
    echo(f"generated {n_items} items in {len(sites)} sites under {out}")
    return out


def new_item(group: Path, keys: Path, sid: str, n: int, date: dt.datetime | None = None) -> Path:
    """An item added to site `sid` (its first column), approved; `date` in the future
    makes it a scheduled item."""
    column = next(p.name for p in sorted((group / "content" / sid).iterdir()) if p.is_dir())
    rng = random.Random(n)
    meta = front_matter(rng, sid, column, n, date=date)
    signers = {f"{sid}.{r}": Signer(keys / f"{sid}.{r}") for r in ("chu", "zhong")}
    return write_item(group, sid, column, f"xinxi-{n:06d}", meta, body(rng), signers)[0]


def withdraw_item(path: Path, keys: Path, at: str = AT) -> None:
    """复查撤除 of one item by its site's 终审 reviewer, as `govsite withdraw` writes it."""
    item = items.load(path, path.parents[3])
    by = f"{path.parents[1].name}.zhong"
    reason = "经复查，信息已过时（基准测试）"
    data = approval.withdrawal_payload(item.canonical, by, at, "notice", reason, approval.subject(item.relpath, []))
    signature = Signer(keys / by).sign(data, approval.NAMESPACE)
    path.write_text(withdrawal.block_text(item, by, at, "notice", reason, signature), encoding="utf-8")


def edit_item(path: Path, keys: Path, words: str = "（本文已更新）") -> None:
    """An editor's change to one item, approved again by its reviewers: the
    body changes, the signatures are made anew over the new text."""
    item = items.load(path, path.parents[3])
    text = approval.canonical_bytes(item).decode("utf-8") + words + "\n"
    subject = approval.subject(item.relpath, [])
    entries = []
    for e in item.meta["approvals"]:
        data = approval.payload(text.encode("utf-8"), e["level"], e["by"], AT, subject)
        entries.append({"level": e["level"], "by": e["by"], "at": AT,
                        "signature": Signer(keys / e["by"]).sign(data, approval.NAMESPACE)})
    closing = text.index("\n---\n") + 1
    path.write_text(text[:closing] + "\n".join(approval.approvals_block(entries)) + "\n" + text[closing:],
                    encoding="utf-8")


def verify_with_openssh(path: Path, group: Path, entry: dict, keys: Path) -> None:
    """The first item's signature must verify with ssh-keygen, over the bytes govsite signs."""
    item = items.load(path, group)
    canonical = approval.canonical_bytes(item)
    data = approval.payload(canonical, entry["level"], entry["by"], entry["at"], approval.subject(item.relpath, []))
    sig = keys / "check.sig"
    sig.write_text(entry["signature"])
    proc = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(group / "keys" / "allowed_signers"),
                           "-I", entry["by"], "-n", approval.NAMESPACE, "-s", str(sig)],
                          input=data, capture_output=True)
    if proc.returncode != 0:
        raise SystemExit(f"ssh-keygen rejects the generated signature: {proc.stderr.decode()}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--sites", type=int, default=20)
    ap.add_argument("--out", type=Path, default=HERE / "corpus")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)
    generate(args.out, args.items, args.sites, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
