"""Anti-tamper checks of a deploy target (第二十七条), used by `govsite verify` and
by `govsite rollback` before it restores a release.

The reference is never taken from the web root: each release's manifests are
signed by the deploy key and kept in TARGET/manifests/<release>/, and the
signature is checked against the repository's keys/allowed_signers. A release
passes when every site folder has a signed manifest of this release and this
site, and its files are exactly those of the manifest: none changed, missing
or added (dot folders included), no symlink, FIFO, socket or device (read with
lstat, never opened), nothing group- or world-writable. The only files allowed
beyond the manifest are fingerprinted theme assets carried over from another
kept release, byte for byte as that release's signed manifest lists them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from workflow.build import assets, manifest
from workflow.model import dates
from workflow.publish import release_signing
from workflow.publish.deploy import MANIFESTS, DeployError, Target, live_per_log

LABELS = {"modified": "被修改", "missing": "缺失", "unexpected": "多出",
          "special": "符号链接或特殊文件", "writable": "组或其他用户可写", "unreadable": "无法读取"}


@dataclass
class SiteCheck:
    site: str
    files: int = 0
    problems: list[str] = field(default_factory=list)      # "<label>：<path>" lines


@dataclass
class ReleaseCheck:
    release: str | None
    problems: list[str] = field(default_factory=list)      # about the release or the target as a whole
    sites: list[SiteCheck] = field(default_factory=list)
    signed: dict[str, dict] = field(default_factory=dict)  # site -> manifest whose signature verified

    @property
    def ok(self) -> bool:
        return not self.problems and not any(s.problems for s in self.sites)

    def failures(self) -> list[str]:
        return self.problems + [f"[{s.site}] {p}" for s in self.sites for p in s.problems]


def signed_manifests(target: Target, name: str, allowed) -> tuple[dict[str, dict], dict[str, str]]:
    """site -> manifest whose signature verifies; site -> why not, for the others."""
    found = target.manifests(name)
    good, bad = {}, {}
    if "" in found:
        return {}, {"": f"{MANIFESTS}/{name} 不是目录"}
    for fname in sorted(found):
        if fname.endswith(".json.sig"):
            if fname[:-4] not in found:
                bad[fname[:-9]] = f"没有签名清单（{MANIFESTS}/{name}/{fname[:-4]} 缺失，只剩签名）"
            continue
        if not fname.endswith(".json"):
            bad[fname] = f"{MANIFESTS}/{name}/ 中多出文件 {manifest.shown(fname)}"
            continue
        sid = fname[:-5]
        raw = found[fname]
        signature = found.get(fname + ".sig")
        if raw == b"\0special" or signature == b"\0special":
            bad[sid] = "清单或签名不是普通文件（符号链接或特殊文件）"
            continue
        if signature is None:
            bad[sid] = "清单没有签名（缺少 .sig），不能作为基准"
            continue
        try:
            data = manifest.parse(raw, f"{MANIFESTS}/{name}/{fname}")
            when = signed_time(data)
            release_signing.check(raw, signature.decode("ascii", "replace"), allowed, when)
        except (manifest.ManifestError, release_signing.SigningError) as exc:
            bad[sid] = f"清单签名无效：{exc}"
            continue
        if data.get("release") != name or data.get("site") != sid:
            bad[sid] = (f"签名清单属于版本 {data.get('release')} 的网站 {data.get('site')}，"
                        f"不是版本 {name} 的 {sid}（清单被调换）")
            continue
        good[sid] = data
    return good, bad


def signed_time(data: dict):
    try:
        return dates.parse_datetime(data.get("deployed_at"))
    except (ValueError, TypeError):
        return dates.now()


def own_assets(data: dict) -> dict[str, dict]:
    return {p: e for p, e in data["files"].items() if p.startswith("theme/") and assets.is_fingerprinted(p)}


def carried_allowance(target: Target, releases: list[str], allowed) -> dict[str, dict[str, dict]]:
    """site -> {theme path: {sha256, size}} of the fingerprinted assets named by the
    signed manifests of `releases`: the files a release may carry beyond its own."""
    out: dict[str, dict[str, dict]] = {}
    for name in releases:
        good, _ = signed_manifests(target, name, allowed)
        for sid, data in good.items():
            out.setdefault(sid, {}).update(own_assets(data))
    return out


def subtree(tree: manifest.Tree, sid: str) -> manifest.Tree:
    prefix = sid + "/"
    return manifest.Tree({p[len(prefix):]: e for p, e in tree.entries.items() if p.startswith(prefix)},
                         {p[len(prefix):]: w for p, w in tree.unreadable.items() if p.startswith(prefix)})


def check_release(target: Target, name: str, allowed, sites: list[str] | None = None,
                  others: list[str] | None = None) -> ReleaseCheck:
    """Every site of release `name` against its signed manifest. `others`: the kept
    releases whose assets it may carry."""
    result = ReleaseCheck(name)
    tree = target.scan(f"releases/{name}")
    if tree is None:
        result.problems.append(f"版本目录 releases/{name} 不存在或不是普通目录（符号链接）")
        return result
    good, bad = signed_manifests(target, name, allowed)
    result.signed = good
    if "" in bad:
        result.problems.append(bad.pop(""))
    allowance = carried_allowance(target, [r for r in (others or []) if r != name], allowed)
    for sid, data in good.items():
        for path, entry in own_assets(data).items():
            allowance.setdefault(sid, {}).setdefault(path, entry)
    wanted = []
    for sid, data in good.items():
        wanted += [f"{sid}/{p}" for p in manifest.needed(data, subtree(tree, sid), allowance.get(sid))]
    target.hash_into(tree, f"releases/{name}", wanted)
    top = {p: e for p, e in tree.entries.items() if "/" not in p}
    folders = {p for p, e in top.items() if e.kind == "dir"}
    for p, e in sorted(top.items()):
        if p in folders or (p == "release.json" and e.kind == "file"):
            if e.kind == "dir" and e.mode & 0o022:
                result.problems.append(f"{LABELS['writable']}：{manifest.shown(p)}/（权限 {e.mode:o}）")
            continue
        result.problems.append(f"{LABELS['special'] if e.kind != 'file' else LABELS['unexpected']}："
                               f"releases/{name}/{manifest.shown(p)}（{e.kind}）")
    for p, why in tree.unreadable.items():
        if "/" not in p:
            result.problems.append(f"{LABELS['unreadable']}：{manifest.shown(p)}（{why}）")
    if not (folders | set(good) | set(bad)):
        result.problems.append(f"版本 {name} 中没有任何网站，也没有签名清单")
    for sid in sorted(folders | set(good) | set(bad)):
        if sites and sid not in sites:
            continue
        check = SiteCheck(sid)
        result.sites.append(check)
        if sid in bad:
            check.problems.append(bad[sid])
        elif sid not in good:
            check.problems.append(f"没有签名清单（{MANIFESTS}/{name}/{sid}.json 缺失）：无法证明该网站未被篡改")
        if sid not in folders:
            check.problems.append(f"网站目录 releases/{name}/{sid} 缺失")
            continue
        if sid not in good:
            continue
        data = good[sid]
        check.files = len(data["files"])
        diff = manifest.compare(data, subtree(tree, sid), allowance.get(sid))
        for kind, paths in diff.items():
            check.problems += [f"{LABELS[kind]}：{manifest.shown(p)}" for p in paths]
    if sites:
        for sid in sites:
            if sid not in {s.site for s in result.sites}:
                result.sites.append(SiteCheck(sid, problems=[f"版本 {name} 中没有网站 {sid}"]))
    return result


def check_live(target: Target, allowed, sites: list[str] | None = None) -> ReleaseCheck:
    """`current` is the release the log says is live, and that release is intact."""
    state = target.probe(write=False)
    problems = []
    if state.link is None:
        return ReleaseCheck(None, [f"{target.spec}/current 不存在或不是符号链接：没有已上线的版本"])
    if state.current is None:
        return ReleaseCheck(None, [f"{target.spec}/current 指向“{manifest.shown(state.link)}”，"
                                   "不是 releases/ 下的任何版本"])
    try:
        expected = live_per_log(target.read_log(), target.read_journal(), state.current)
    except DeployError as exc:
        expected = None
        problems.append(str(exc))
    else:
        if expected is None:
            problems.append(f"部署记录 deploy-log.jsonl 缺失或为空：无法确认线上应为哪个版本（current -> {state.current}）")
        elif expected != state.current:
            problems.append(f"current 指向 {state.current}，但部署记录表明线上版本应为 {expected}"
                            "（current 被改动，或有人绕过 govsite 切换了版本）")
    result = check_release(target, state.current, allowed, sites, state.releases)
    result.problems[:0] = problems
    return result


def revived(live: dict[str, dict], wanted: dict[str, dict]) -> list[str]:
    """Items withdrawn in the live release (its signed manifests, per site) that the
    manifests `wanted` would publish again: a rollback or a deploy names them."""
    out = []
    for sid, data in live.items():
        gone = {w["path"] for w in data.get("withdrawn", []) if isinstance(w, dict)}
        for item in wanted.get(sid, {}).get("items", []):
            if isinstance(item, dict) and item.get("path") in gone:
                out.append(f"{item['path']}（{item.get('title') or ''}，撤除于当前版本）")
    return out
