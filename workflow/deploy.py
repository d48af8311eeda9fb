"""Atomic deploys with rollback (第二十七条: anti-tamper, backups, 7×24).

Layout on the target (a local folder or user@host:/path, reached by rsync over SSH):

    TARGET/releases/<time>-<commit>/<site>/…   one complete build per release
    TARGET/current -> releases/<name>          the web root; switched by rename
    TARGET/deploy-log.jsonl                    one JSON line per deploy or rollback
    TARGET/.deploy.lock                        flock(1): one deploy at a time

A release is copied to releases/.partial-<name> and renamed when complete, so
an interrupted copy never becomes a release; `current` is a new symlink renamed
over the old one (rename(2) is atomic), so a web server sees the old release or
the new one, never a mix. Every step on the target is a small POSIX shell
script, run locally or over SSH, so both kinds of target take the same path.
"""
from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import shlex
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import dates, manifest

KEEP = 10
LOG = "deploy-log.jsonl"
_REMOTE = re.compile(r"^(?P<host>[^/:]+):(?P<path>.+)$")


class DeployError(Exception):
    """A refused or failed deploy; `code` is the exit code. The live site is unchanged."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


@dataclass
class Target:
    spec: str
    host: str | None          # user@host, or None for a local folder
    path: str
    ssh: str = "ssh"          # the ssh command line (rsync -e uses the same)

    @classmethod
    def parse(cls, spec: str, ssh: str | None = None) -> "Target":
        ssh = ssh or os.environ.get("GOVSITE_SSH") or "ssh"
        m = _REMOTE.match(spec)
        if m and not spec.startswith(("/", ".")):
            return cls(spec, m["host"], m["path"].rstrip("/") or "/", ssh)
        return cls(spec, None, str(Path(spec).expanduser().absolute()), ssh)

    @property
    def ssh_args(self) -> list[str]:
        return shlex.split(self.ssh) + ["-o", "BatchMode=yes", "-o", "ConnectTimeout=15"]

    def command(self, script: str) -> list[str]:
        script = f"T={shlex.quote(self.path)}\n{script}"
        if self.host is None:
            return ["sh", "-c", script]
        return self.ssh_args + [self.host, "sh -c " + shlex.quote(script)]

    def sh(self, script: str, data: bytes | None = None) -> str:
        proc = subprocess.run(self.command(script), input=data, capture_output=True)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise DeployError(f"在目标 {self.spec} 上执行失败：{err or '退出码 ' + str(proc.returncode)}")
        return proc.stdout.decode("utf-8", "replace")

    def url(self, rel: str) -> str:
        path = f"{self.path.rstrip('/')}/{rel}"
        return f"{self.host}:{path}" if self.host else path

    def rsync(self, src: Path, rel: str, bwlimit: int | None = None) -> None:
        args = ["rsync", "-a", "--delete", "--chmod=a+rX", "-e", shlex.join(self.ssh_args)]
        if bwlimit:
            args.append(f"--bwlimit={bwlimit}")
        proc = subprocess.run(args + [f"{src}/", self.url(rel) + "/"], capture_output=True)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise DeployError(f"复制到 {self.spec} 失败（rsync 退出码 {proc.returncode}）：{err}")

    # -- state of the target -------------------------------------------------

    def probe(self) -> "State":
        """Check the target is usable; its current release and releases."""
        try:
            out = self.sh(PROBE)
        except DeployError as exc:
            raise DeployError(f"无法访问部署目标：{exc}", 2) from exc
        lines = out.split("\n")
        status = lines[0]
        if status == "missing":
            raise DeployError(f"部署目标 {self.spec} 不存在：请先创建该目录（并确认路径无误）", 2)
        if status == "notdir":
            raise DeployError(f"部署目标 {self.spec} 不是目录", 2)
        if status == "readonly":
            raise DeployError(f"部署目标 {self.spec} 不可写：请检查目录权限或部署账号", 2)
        if status == "notlink":
            raise DeployError(f"{self.spec}/current 存在但不是符号链接：govsite 不会覆盖它。"
                              "请确认它不是手工放置的网站目录，移走后再部署")
        current = os.path.basename(lines[1].rstrip("/")) or None
        releases = sorted(l for l in lines[2:] if l and not l.startswith("."))
        return State(current, releases)

    @contextmanager
    def lock(self):
        """Hold TARGET/.deploy.lock for the duration; released if we die."""
        proc = subprocess.Popen(self.command(LOCK), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        line = proc.stdout.readline().strip()
        if line != b"locked":
            proc.stdin.close()
            code = proc.wait()
            if code == 75:
                raise DeployError(f"{self.spec} 上另一个部署或回滚正在进行（{self.path}/.deploy.lock 被占用），"
                                  "请等它结束后再试")
            err = proc.stderr.read().decode("utf-8", "replace").strip()
            raise DeployError(f"无法在 {self.spec} 上加锁：{err or code}")
        try:
            yield
        finally:
            proc.stdin.close()
            proc.wait()

    def switch(self, name: str) -> None:
        self.sh(f'cd "$T" && ln -sfn {shlex.quote("releases/" + name)} .current.new '
                f'&& mv -T .current.new current')

    def log(self, entry: dict) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        self.sh(f'cat >> "$T/{LOG}"', line.encode("utf-8"))

    def read_log(self) -> list[dict]:
        out = self.sh(f'cat "$T/{LOG}" 2>/dev/null || true')
        return [json.loads(l) for l in out.splitlines() if l.strip()]


# Prints: a status word, then the target of `current`, then the releases.
PROBE = r'''
if [ ! -e "$T" ]; then echo missing; exit 0; fi
if [ ! -d "$T" ]; then echo notdir; exit 0; fi
if ! ( : > "$T/.govsite-probe" ) 2>/dev/null; then echo readonly; exit 0; fi
rm -f "$T/.govsite-probe"
if [ -e "$T/current" ] && [ ! -L "$T/current" ]; then echo notlink; exit 0; fi
echo ok
readlink "$T/current" || echo
ls -1A "$T/releases" 2>/dev/null || true
'''

# flock holds the lock while `cat` reads our stdin: closing it, or dying, releases it.
LOCK = 'exec flock -n -E 75 "$T/.deploy.lock" sh -c "echo locked; exec cat >/dev/null"'


@dataclass
class State:
    current: str | None
    releases: list[str]


def check_output(output: Path, site_ids: list[str]) -> tuple[dict, dict[str, dict]]:
    """A build fit to deploy: nothing refused, every site with an intact manifest."""
    report_path = output / "report.json"
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DeployError(f"{report_path} 不存在或已损坏：请先运行 govsite build") from exc
    if report.get("review_preview") or report.get("mode") == "review":
        raise DeployError("这是审核预览（govsite build --review），含未经审核的信息，不予部署。"
                          "请用 govsite build 或 govsite build --production 重新构建", 1)
    refused = [i["path"] for i in report.get("items", []) if i.get("status") == "refused"]
    if refused:
        shown = "、".join(refused[:10]) + ("……" if len(refused) > 10 else "")
        raise DeployError(f"本次构建有 {len(refused)} 条信息被拒绝发布，不予部署：{shown}。"
                          "请先修正（govsite check）并重新构建")
    manifests = {}
    for sid in site_ids:
        site_dir = output / sid
        if not site_dir.is_dir():
            raise DeployError(f"网站 {sid} 没有构建输出（{site_dir}）：请运行 govsite build")
        try:
            data = manifest.read(site_dir)
        except manifest.ManifestError as exc:
            raise DeployError(f"网站 {sid}：{exc}，不予部署") from exc
        if data.get("review_preview") or (data.get("build") or {}).get("mode") == "review":
            raise DeployError(f"网站 {sid} 的输出是审核预览（含未经审核的信息），不予部署", 1)
        diff = manifest.compare(data, manifest.hash_tree(site_dir))
        changed = [p for kind in diff.values() for p in kind]
        if changed:
            raise DeployError(f"网站 {sid} 的输出与 manifest.json 不一致（{'、'.join(changed[:5])}），"
                              "构建后被改动过：请重新运行 govsite build")
        manifests[sid] = data
    return report, manifests


def release_name(commit: str | None, taken: list[str], now: dt.datetime) -> str:
    base = now.strftime("%Y%m%dT%H%M%S") + "-" + (commit or "nocommit")[:12]
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def actor() -> str:
    return (os.environ.get("GITHUB_ACTOR") or os.environ.get("GITLAB_USER_LOGIN")
            or getpass.getuser())


def unchanged(target: Target, state: "State", manifests: dict[str, dict]) -> bool:
    """True when `current` already holds these exact files and items (a scheduled
    rebuild with nothing due), so backups are not spent on identical releases."""
    if not state.current:
        return False
    for sid, local in manifests.items():
        text = target.sh(f'cat "$T/current/{sid}/{manifest.NAME}" 2>/dev/null || true')
        try:
            live = manifest.parse(text, sid)
        except manifest.ManifestError:
            return False
        if live["files"] != local["files"] or live.get("items") != local.get("items"):
            return False
    return True


def deploy(output: Path, site_ids: list[str], target: Target, keep: int = KEEP,
           bwlimit: int | None = None, force: bool = False, echo=print) -> str:
    """Copy the build to a new release, switch `current` to it, keep the last `keep`."""
    report, manifests = check_output(Path(output), site_ids)
    if report.get("mode") != "production":
        echo("注意：这是预览构建（页面带 noindex，网址为 /<网站标识>/）；正式环境请先运行 govsite build --production")
    state = target.probe()
    with target.lock():
        state = target.probe()                  # as it is now that we hold the lock
        if not force and unchanged(target, state, manifests):
            echo(f"线上版本 {state.current} 与本次构建完全相同，未建立新版本（需要时用 --force）")
            return state.current
        commit = next((m["build"].get("commit") for m in manifests.values()), None)
        name = release_name(commit, state.releases, dates.now())
        partial = f"releases/.partial-{name}"
        target.sh(f'mkdir -p "$T/releases" && rm -rf "$T"/releases/.partial-* && mkdir -p "$T/{partial}"')
        for sid in site_ids:
            echo(f"[{sid}] 复制到 {target.spec} …")
            target.rsync(Path(output) / sid, f"{partial}/{sid}", bwlimit)
        info = {"release": name, "commit": commit, "mode": report.get("mode"),
                "built_at": next((m["build"].get("built_at") for m in manifests.values()), None),
                "deployed_at": dates.now().isoformat(timespec="seconds"), "by": actor(),
                "sites": site_ids}
        target.sh(f'cat > "$T/{partial}/release.json"',
                  json.dumps(info, ensure_ascii=False, indent=1).encode("utf-8"))
        target.sh(f'mv "$T/{partial}" "$T/releases/{name}"')
        target.switch(name)
        target.log({"action": "deploy", "release": name, "previous": state.current,
                    "at": info["deployed_at"], "by": info["by"], "commit": commit,
                    "items": {sid: [i["path"] for i in m["items"]] for sid, m in manifests.items()}})
        removed = prune(target, [*state.releases, name], name, keep)
    echo(f"已部署 {name}：{target.spec}/current -> releases/{name}" +
         (f"；清理旧版本 {len(removed)} 个" if removed else ""))
    return name


def prune(target: Target, releases: list[str], current: str, keep: int) -> list[str]:
    """Remove all but the newest `keep` releases, never the current one."""
    old = [r for r in sorted(releases)[:-keep] if r != current] if keep else []
    if old:
        quoted = " ".join(shlex.quote(f"releases/{r}") for r in old)
        target.sh(f'cd "$T" && rm -rf {quoted}')
    return old


def rollback(target: Target, release: str | None = None, echo=print) -> str:
    """Point `current` at `release`, or at the release before the current one."""
    target.probe()
    with target.lock():
        state = target.probe()
        if not state.releases:
            raise DeployError(f"{target.spec} 上还没有任何版本，无法回滚")
        if release is None:
            if state.current not in state.releases:
                raise DeployError(f"{target.spec}/current 不指向任何已知版本，请指定要回滚到的版本："
                                  + "、".join(state.releases))
            index = state.releases.index(state.current)
            if index == 0:
                raise DeployError(f"当前版本 {state.current} 已是最早的版本，没有可回滚的上一版本")
            release = state.releases[index - 1]
        elif release not in state.releases:
            raise DeployError(f"版本“{release}”不存在。现有版本：" + "、".join(state.releases))
        if release == state.current:
            echo(f"{release} 已是当前版本，未作改动")
            return release
        target.switch(release)
        target.log({"action": "rollback", "release": release, "previous": state.current,
                    "at": dates.now().isoformat(timespec="seconds"), "by": actor()})
    echo(f"已回滚：{target.spec}/current -> releases/{release}（原为 {state.current}）")
    return release
