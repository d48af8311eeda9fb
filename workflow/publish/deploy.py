"""Atomic deploys to one or several servers, rollback by history (第二十七条:
anti-tamper, backups, 7×24).

Layout on each target (a local folder or user@host:/path, reached by rsync over SSH):

    TARGET/releases/<time>-<commit>/<site>/…   one build per release; <site> is an nginx root
    TARGET/current -> releases/<name>          switched by rename(2)
    TARGET/manifests/<name>/<site>.json(.sig)  the signed manifests (never served)
    TARGET/deploy-log.jsonl                    one JSON line per deploy, rollback or revert
    TARGET/deploy-journal.json                 the entry of a switch in progress
    TARGET/.deploy.lock                        flock(1): one deploy or rollback at a time

A release is copied to releases/.partial-<name> (unchanged files hard-linked
to the previous release with rsync --link-dest) and renamed when complete.
The switch is journalled: the log entry is written to the journal, `current`
is switched, the entry is appended to the log and the journal removed; a run
that died in between is completed by the next deploy or rollback. With
several targets, every target gets the release before any is switched, and a
failed switch switches back those already switched. Every step on a target
is a small POSIX shell script, run locally or over SSH.
"""
from __future__ import annotations

import datetime as dt
import getpass
import io
import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import tarfile
import tempfile
import threading
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from workflow.build import assets, manifest
from workflow.errors import Aborted, DeployError, SwitchedError
from workflow.model import dates
from workflow.publish import release_signing, tool_errors

KEEP = 10
LOG = "deploy-log.jsonl"
JOURNAL = "deploy-journal.json"
MANIFESTS = "manifests"
NGINX_CONF = "nginx/govsite.conf"
RELEASE = re.compile(r"^\d{8}T\d{6}-[0-9A-Za-z]{1,40}(-\d{1,4})?$")
_REMOTE = re.compile(r"^(?P<host>[^/:]+):(?P<path>.+)$")
INSTALL_HINT = "请先安装（Debian/Ubuntu：apt-get install rsync openssh-client util-linux）"


@contextmanager
def abortable():
    """Turn SIGTERM/SIGHUP (and Ctrl+C) into Aborted, so every step cleans up after itself."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def handler(signum, frame):
        if not fired:                     # a second signal during the cleanup is ignored
            fired.append(signum)
            raise Aborted(signal.Signals(signum).name)

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def run_child(args: list[str], data: bytes | None = None) -> subprocess.CompletedProcess:
    """Run a child in its own process group; if we are aborted, it is stopped with us."""
    proc = subprocess.Popen(args, stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(data)
    except BaseException:
        stop(proc)
        raise
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def stop(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass
class State:
    current: str | None            # the release `current` points at, if it is one
    link: str | None               # what `current` points at, verbatim
    releases: list[str]


@dataclass
class Target:
    spec: str
    host: str | None          # user@host, or None for a local folder
    path: str
    ssh: str = "ssh"          # the ssh command line (rsync -e uses the same)
    control: str | None = None    # ControlPath of a shared SSH connection (see `session`)

    @classmethod
    def parse(cls, spec: str, ssh: str | None = None) -> Target:
        ssh = ssh or os.environ.get("GOVSITE_SSH") or "ssh"
        spec = str(spec)
        m = _REMOTE.match(spec)
        if m and not spec.startswith(("/", ".")):
            return cls(spec, m["host"], m["path"].rstrip("/") or "/", ssh)
        return cls(spec, None, str(Path(spec).expanduser().absolute()), ssh)

    @property
    def ssh_args(self) -> list[str]:
        shared = (["-o", "ControlMaster=auto", "-o", f"ControlPath={self.control}", "-o", "ControlPersist=60"]
                  if self.control else [])
        return shlex.split(self.ssh) + ["-o", "BatchMode=yes", "-o", "ConnectTimeout=15", *shared]

    @contextmanager
    def session(self):
        """One SSH connection shared by every step of a command (a step costs a few ms,
        not a handshake); closed at the end, and idle masters expire after 60 s anyway."""
        if self.host is None:
            yield self
            return
        folder = tempfile.mkdtemp(prefix="govsite-ssh-")
        self.control = f"{folder}/c"
        try:
            yield self
        finally:
            try:
                subprocess.run(shlex.split(self.ssh) + ["-o", f"ControlPath={self.control}", "-O", "exit",
                                                        self.host], capture_output=True, timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.control = None
            shutil.rmtree(folder, ignore_errors=True)

    def tools(self) -> list[str]:
        """The programs this machine needs to reach the target."""
        return ["rsync", "flock"] if self.host is None else ["rsync", shlex.split(self.ssh)[0]]

    def command(self, script: str) -> list[str]:
        script = f"T={shlex.quote(self.path)}\n{script}"
        if self.host is None:
            return ["sh", "-c", script]
        return self.ssh_args + [self.host, "sh -c " + shlex.quote(script)]

    def sh_raw(self, script: str, data: bytes | None = None) -> bytes:
        try:
            proc = run_child(self.command(script), data)
        except OSError as exc:
            raise DeployError(f"无法在 {self.spec} 上执行命令：{tool_errors.oserror(exc)}") from exc
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise DeployError(f"在目标 {self.spec} 上执行失败：{tool_errors.zh(err) if err else '退出码 ' + str(proc.returncode)}")
        return proc.stdout

    def sh(self, script: str, data: bytes | None = None) -> str:
        return self.sh_raw(script, data).decode("utf-8", "replace")

    def url(self, rel: str) -> str:
        path = f"{self.path.rstrip('/')}/{rel}"
        return f"{self.host}:{path}" if self.host else path

    def abs(self, rel: str) -> str:
        return f"{self.path.rstrip('/')}/{rel}"

    def rsync(self, src: Path, rel: str, bwlimit: int | None = None, link_dest: str | None = None) -> None:
        # No -t: unchanged files are recognised by checksum, so --link-dest shares them
        # between releases even though every build writes them anew.
        args = ["rsync", "-r", "--checksum", "--perms", "--chmod=D755,F644", "--delete",
                "-e", shlex.join(self.ssh_args)]
        if bwlimit:
            args.append(f"--bwlimit={bwlimit}")
        if link_dest:
            args.append(f"--link-dest={self.abs(link_dest)}")
        try:
            proc = run_child(args + [f"{src}/", self.url(rel) + "/"])
        except OSError as exc:
            raise DeployError(f"无法运行 rsync：{tool_errors.oserror(exc)}。{INSTALL_HINT}", 2) from exc
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise DeployError(f"复制到 {self.spec} 失败：{tool_errors.rsync_failure(proc.returncode, err)}")

    # -- state of the target -------------------------------------------------

    def probe(self, write: bool = True) -> State:
        """Check the target is usable; its current release and releases."""
        try:
            out = self.sh(PROBE.replace("@WRITE@", "1" if write else ""))
        except DeployError as exc:
            raise DeployError(f"无法访问部署目标：{exc}", 2) from exc
        lines = out.split("\n")
        status = lines[0]
        if status == "missing":
            raise DeployError(f"部署目标 {self.spec} 不存在：请先创建该目录（并确认路径无误）", 2)
        if status == "notdir":
            raise DeployError(f"部署目标 {self.spec} 不是目录", 2)
        if status.startswith("notool "):
            tool = status.split(" ", 1)[1]
            raise DeployError(f"部署目标 {self.spec} 上没有 {tool}：{INSTALL_HINT}", 2)
        if status == "readonly":
            raise DeployError(f"部署目标 {self.spec} 不可写：请检查目录权限或部署账号", 2)
        if status == "notlink":
            raise DeployError(f"{self.spec}/current 存在但不是符号链接：govsite 不会覆盖它。"
                              "请确认它不是手工放置的网站目录，移走后再部署")
        link = lines[1] or None
        name = link[len("releases/"):] if link and link.startswith("releases/") else None
        releases = sorted(l for l in lines[2:] if RELEASE.match(l))
        return State(name if name in releases else None, link, releases)

    @contextmanager
    def lock(self):
        """Hold TARGET/.deploy.lock for the duration; released if we die."""
        proc = subprocess.Popen(self.command(LOCK), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None   # pipes
        try:
            line = proc.stdout.readline().strip()
        except BaseException:
            stop(proc)
            raise
        if line != b"locked":
            proc.stdin.close()
            code = proc.wait()
            if code == 75:
                raise DeployError(f"{self.spec} 上另一个部署或回滚正在进行（{self.path}/.deploy.lock 被占用），"
                                  "请等它结束后再试")
            err = proc.stderr.read().decode("utf-8", "replace").strip()
            raise DeployError(f"无法在 {self.spec} 上加锁：{tool_errors.zh(err) if err else code}")
        try:
            yield
        finally:
            proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                stop(proc)

    def read_file(self, rel: str, strict: bool = False) -> bytes | None:
        """A regular file of the target (never a symlink or FIFO), or None if there is none.
        `strict`: something else in its place is an error, not an absence."""
        if self.host is None:
            path = Path(self.abs(rel))
            data = read_regular(path)
            odd = data is None and os.path.lexists(path)
        else:
            out = self.sh_raw(f'f="$T/{rel}"; if [ -f "$f" ] && [ ! -L "$f" ]; then echo y; cat "$f"; '
                              f'elif [ -e "$f" ] || [ -L "$f" ]; then echo s; else echo n; fi')
            data = out[2:] if out.startswith(b"y\n") else None
            odd = out.startswith(b"s")
        if odd and strict:
            raise DeployError(f"{self.spec}/{rel} 不是普通文件（符号链接、FIFO 或目录；可能被篡改），请检查")
        return data

    def write_file(self, rel: str, data: bytes) -> None:
        """Write TARGET/rel whole or not at all (a fresh temporary file renamed over it,
        so nothing planted there — a symlink, a FIFO — is written through)."""
        self.sh(f'f="$T/{rel}"; mkdir -p "$(dirname "$f")" && rm -rf "$f.tmp" && cat > "$f.tmp" '
                f'&& mv -f "$f.tmp" "$f"', data)

    def switch(self, name: str | None) -> None:
        if name is None:
            self.sh('rm -f "$T/current"')
        else:
            self.sh(f'cd "$T" && ln -sfn {shlex.quote("releases/" + name)} .current.new '
                    f'&& mv -T .current.new current')

    def read_log(self) -> list[dict]:
        return parse_log(self.read_file(LOG, strict=True) or b"", self.spec)

    def read_journal(self) -> dict | None:
        data = self.read_file(JOURNAL, strict=True)
        if data is None:
            return None
        try:
            entry = json.loads(data)
        except ValueError:
            return {"corrupt": True}
        return entry if isinstance(entry, dict) else {"corrupt": True}

    def append_log(self, entry: dict) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        self.sh(f'f="$T/{LOG}"; if [ -L "$f" ] || {{ [ -e "$f" ] && [ ! -f "$f" ]; }}; then '
                f'echo "$f 不是普通文件（可能被篡改）" >&2; exit 1; fi; cat >> "$f"', line.encode("utf-8"))

    def manifests(self, name: str) -> dict[str, bytes]:
        """The files of TARGET/manifests/<name>/ (regular files only; anything else is named)."""
        if self.host is None:
            folder = Path(self.abs(f"{MANIFESTS}/{name}"))
            if not os.path.lexists(folder):
                return {}
            if not os.path.isdir(folder) or os.path.islink(folder):
                return {"": b""}
            found = {}
            for entry in os.scandir(folder):
                data = read_regular(Path(entry.path))
                found[entry.name] = data if data is not None else b"\0special"
            return found
        raw = self.sh_raw(f'd="$T/{MANIFESTS}/{name}"; if [ -d "$d" ] && [ ! -L "$d" ]; then '
                          f'tar -cf - -C "$d" .; fi')
        found = {}
        if raw:
            with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
                for member in tar.getmembers():
                    rel = member.name.removeprefix("./")
                    if not rel or rel == ".":
                        continue
                    extracted = tar.extractfile(member) if member.isfile() else None
                    data = extracted.read() if extracted is not None else b"\0special"
                    found[rel] = data
        return found

    def scan(self, rel: str) -> manifest.Tree | None:
        """The tree at TARGET/rel by lstat (no hashes yet), or None if it is not a real folder."""
        if self.host is None:
            path = Path(self.abs(rel))
            if path.is_symlink() or not path.is_dir():
                return None
            return manifest.scan(path, hashes=False)
        return parse_scan(self.sh_raw(SCAN.replace("@REL@", shlex.quote(rel))))

    def hash_into(self, tree: manifest.Tree, rel: str, paths: list[str]) -> None:
        """Fill in the SHA-256 of these files of `tree` (read under TARGET/rel)."""
        if not paths:
            return
        if self.host is None:
            manifest.hash_into(tree, Path(self.abs(rel)), paths)
            return
        raw = self.sh_raw(HASH.replace("@REL@", shlex.quote(rel)),
                          b"".join(os.fsencode(p) + b"\0" for p in paths))
        found = {}
        for record in raw.split(b"\0"):
            if len(record) > 66 and record[64:66] == b"  ":
                found[os.fsdecode(record[66:])] = record[:64].decode("ascii")
        for p in paths:
            entry = tree.entries[p]
            if p in found:
                tree.entries[p] = manifest.Entry(entry.kind, entry.mode, entry.size, found[p])
            else:
                tree.unreadable[p] = "无法读取"
                del tree.entries[p]


# Prints: a status word, then the target of `current`, then the releases.
PROBE = r'''
if [ ! -e "$T" ]; then echo missing; exit 0; fi
if [ ! -d "$T" ]; then echo notdir; exit 0; fi
for tool in rsync flock; do command -v "$tool" >/dev/null 2>&1 || { echo "notool $tool"; exit 0; }; done
if [ -n "@WRITE@" ]; then
  if ! ( : > "$T/.govsite-probe" ) 2>/dev/null; then echo readonly; exit 0; fi
  rm -f "$T/.govsite-probe"
  if [ -e "$T/current" ] && [ ! -L "$T/current" ]; then echo notlink; exit 0; fi
fi
echo ok
readlink "$T/current" || echo
ls -1A "$T/releases" 2>/dev/null || true
'''

# flock holds the lock while `cat` reads our stdin: closing it, or dying, releases it.
# A lock file that is not a regular file (a planted FIFO would block flock's open) is refused.
LOCK = ('l="$T/.deploy.lock"; if [ -L "$l" ] || { [ -e "$l" ] && [ ! -f "$l" ]; }; then '
        'echo "$l 不是普通文件（可能被篡改），请检查后删除" >&2; exit 76; fi\n'
        'exec flock -n -E 75 "$l" sh -c "echo locked; exec cat >/dev/null"')

# A tree by lstat over SSH (GNU find): type, mode, size and path of every entry, NUL
# separated. Nothing is followed, nothing is opened.
SCAN = r'''
d="$T/"@REL@
if [ -L "$d" ] || [ ! -d "$d" ]; then echo none; exit 0; fi
cd -P "$d" || exit 1
echo ok
find . -mindepth 1 -printf '%y %m %s %P\0' 2>/dev/null
exit 0
'''

# SHA-256 of the files named on stdin (NUL separated), only regular files.
HASH = r'''
cd -P "$T/"@REL@ || exit 1
xargs -0 -r timeout 900 sha256sum -z -- 2>/dev/null
exit 0
'''

_FIND_KINDS = {"l": "符号链接", "p": "命名管道（FIFO）", "s": "套接字", "c": "字符设备", "b": "块设备"}


def parse_scan(raw: bytes) -> manifest.Tree | None:
    if raw.startswith(b"none"):
        return None
    tree = manifest.Tree({}, {})
    for record in raw[3:].split(b"\0"):
        parts = record.split(b" ", 3)
        if len(parts) != 4:
            continue
        kind, mode, size, rel = parts[0].decode(), int(parts[1], 8), int(parts[2]), os.fsdecode(parts[3])
        if kind == "d":
            tree.entries[rel] = manifest.Entry("dir", mode)
        elif kind == "f":
            tree.entries[rel] = manifest.Entry("file", mode, size)
        else:
            tree.entries[rel] = manifest.Entry(_FIND_KINDS.get(kind, "未知类型的文件"), mode)
    return tree


def read_regular(path: Path, limit: int = 512 << 20) -> bytes | None:
    """A regular file's bytes, without following a symlink or blocking on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit)
    finally:
        os.close(fd)


def parse_log(data: bytes, where: str) -> list[dict]:
    entries = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict) or entry.get("action") not in ("deploy", "rollback", "revert"):
            raise DeployError(f"{where}/{LOG} 第 {number} 行不是 govsite 的部署记录（已损坏或被改动）："
                              f"{line[:80]}")
        entries.append(entry)
    return entries


def history(log: list[dict]) -> list[str]:
    """The releases that were live, oldest first, as a stack: a deploy or a named
    rollback pushes; a rollback to the previous release and a revert pop."""
    stack: list[str] = []
    for entry in log:
        if entry.get("action") == "revert" or entry.get("to") == "previous":
            if stack:
                stack.pop()
        release = entry.get("release")
        if release and (not stack or stack[-1] != release):
            stack.append(release)
    return stack


def live_per_log(log: list[dict], journal: dict | None, current: str | None) -> str | None:
    """The release the log says is live (a journalled switch counts once `current` shows it)."""
    stack = history(log + ([journal] if journal and not journal.get("corrupt")
                           and journal.get("release") == current else []))
    return stack[-1] if stack else None


# -- the build ------------------------------------------------------------------------------

def check_output(output: Path, site_ids: list[str], allow_preview: bool = False) -> tuple[dict, dict[str, dict]]:
    """A build fit to deploy: production (unless asked), nothing refused, no symlink or
    special file, every site exactly as its manifest says."""
    report_path = output / "report.json"
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
        items = report["items"]
        if not isinstance(items, list):
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DeployError(f"{report_path} 不存在或已损坏：请先运行 govsite build") from exc
    if report.get("review_preview") or report.get("mode") == "review":
        raise DeployError("这是审核预览（govsite build --review），含未经审核的信息，不予部署。"
                          "请用 govsite build --production 重新构建", 1)
    if report.get("mode") != "production" and not allow_preview:
        raise DeployError("这是预览构建（网址为 /<网站标识>/，页面带 noindex），按生成的 nginx 配置上线后每个链接都会失效，"
                          "不予部署：请运行 govsite build --production；确需部署预览构建时加 --allow-preview")
    refused = [i.get("path") for i in items if isinstance(i, dict) and i.get("status") in ("refused", "pending")]
    if refused:
        shown = "、".join(map(str, refused[:10])) + ("……" if len(refused) > 10 else "")
        raise DeployError(f"本次构建有 {len(refused)} 条信息被拒绝发布，不予部署：{shown}。"
                          "请先修正（govsite check）并重新构建")
    manifests = {}
    for sid in site_ids:
        site_dir = output / sid
        if site_dir.is_symlink() or not site_dir.is_dir():
            raise DeployError(f"网站 {sid} 没有构建输出（{site_dir}）：请运行 govsite build")
        try:
            data = manifest.read(manifest.path_for(output, sid))
        except manifest.ManifestError as exc:
            raise DeployError(f"网站 {sid}：{exc}，不予部署") from exc
        if data.get("review_preview") or (data.get("build") or {}).get("mode") == "review":
            raise DeployError(f"网站 {sid} 的输出是审核预览（含未经审核的信息），不予部署", 1)
        tree = manifest.scan(site_dir)
        special = tree.special()
        if special:
            listed = "、".join(f"{manifest.shown(p)}（{k}）" for p, k in sorted(special.items())[:5])
            raise DeployError(f"网站 {sid} 的构建输出中有符号链接或特殊文件，不予部署：{listed}。"
                              "请删除它们并重新运行 govsite build")
        diff = manifest.compare(data, tree)
        changed = [p for kind in ("modified", "missing", "unexpected", "unreadable") for p in diff[kind]]
        if changed:
            raise DeployError(f"网站 {sid} 的输出与清单 {manifest.path_for(output, sid)} 不一致"
                              f"（{'、'.join(manifest.shown(p) for p in changed[:5])}），构建后被改动过：请重新运行 govsite build")
        manifests[sid] = data
    return report, manifests


def release_name(commit: str | None, taken: list[str], now: dt.datetime) -> str:
    base = now.strftime("%Y%m%dT%H%M%S") + "-" + re.sub(r"[^0-9A-Za-z]", "", commit or "nocommit")[:12]
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def actor() -> str:
    return (os.environ.get("GITHUB_ACTOR") or os.environ.get("GITLAB_USER_LOGIN")
            or getpass.getuser())


def check_tools(targets: list[Target]) -> None:
    """Every program the deploy needs on this machine, before anything is touched."""
    missing = sorted({tool for t in targets for tool in t.tools() if not shutil.which(tool)}
                     | ({"ssh-keygen"} if not shutil.which("ssh-keygen") else set()))
    if missing:
        raise DeployError(f"本机缺少 {'、'.join(missing)}，无法部署：{INSTALL_HINT}", 2)


def same_build(live: dict, local: dict) -> bool:
    return all(live.get(k) == local.get(k) for k in ("files", "dirs", "items", "withdrawn"))


def unchanged(target: Target, state: State, manifests: dict[str, dict]) -> bool:
    """True when `current` already holds these exact files and items (a scheduled
    rebuild with nothing due), so backups are not spent on identical releases."""
    if not state.current:
        return False
    found = target.manifests(state.current)
    for sid, local in manifests.items():
        try:
            live = manifest.parse(found.get(f"{sid}.json", b""), sid)
        except manifest.ManifestError:
            return False
        if not same_build(live, local):
            return False
    return True


# -- deploy ---------------------------------------------------------------------------------

@dataclass
class Plan:
    name: str
    deployed_at: str
    signed: dict[str, tuple[bytes, str]]          # site -> (manifest bytes, signature)
    entry: dict
    own_assets: dict[str, list[str]] = field(default_factory=dict)


def sign_release(manifests: dict[str, dict], name: str, deployed_at: str, key: Path,
                 allowed) -> dict[str, tuple[bytes, str]]:
    signed = {}
    for sid, data in manifests.items():
        body = {**data, "release": name, "deployed_at": deployed_at}
        raw = json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
        try:
            signature, _ = release_signing.sign(raw, key, allowed)
        except release_signing.SigningError as exc:
            raise DeployError(str(exc), 2) from exc
        signed[sid] = (raw, signature)
    return signed


def recover(target: Target, echo) -> None:
    """Complete or drop the journalled switch of a run that died (we hold the lock)."""
    journal = target.read_journal()
    if journal is None:
        return
    state = target.probe()
    if journal.get("corrupt"):
        target.sh(f'mv -f "$T/{JOURNAL}" "$T/{JOURNAL}.damaged"')
        echo(f"注意：{target.spec}/{JOURNAL} 已损坏，已改名为 {JOURNAL}.damaged；请核对部署记录")
        return
    if journal.get("release") == state.current:
        target.append_log({**journal, "recovered_at": dates.now().isoformat(timespec="seconds")})
        echo(f"已补记上次未记录的切换：{target.spec}/current -> releases/{journal.get('release')}"
             f"（{journal.get('action')}，{journal.get('at')}）")
    else:
        echo(f"上次的切换（到 {journal.get('release')}）没有发生，已清除其草稿")
    target.sh(f'rm -f "$T/{JOURNAL}"')


class UnloggedSwitch(Exception):
    """`current` was switched but the log entry could not be written (the journal keeps it)."""


def switch_logged(target: Target, release: str | None, entry: dict) -> None:
    """Journal, switch, log: a crash at any point leaves the journal for the next run.
    Raises DeployError if nothing was switched, UnloggedSwitch if only the log failed."""
    target.write_file(JOURNAL, json.dumps(entry, ensure_ascii=False).encode("utf-8"))
    target.switch(release)
    try:
        target.append_log(entry)
        target.sh(f'rm -f "$T/{JOURNAL}"')
    except DeployError as exc:
        raise UnloggedSwitch(f"{target.spec} 的部署记录未能写入（{exc}）；切换已记在 {JOURNAL}，"
                             "下次运行 deploy 或 rollback 时自动补记") from exc


def switched_to(target: Target, release: str | None) -> bool | None:
    """Whether `current` now points at `release` (None if the target cannot tell us)."""
    try:
        return target.probe().link == (f"releases/{release}" if release else None)
    except DeployError:
        return None


def theme_files(data: dict) -> list[str]:
    return sorted(p for p in data.get("files", {}) if p.startswith("theme/") and assets.is_fingerprinted(p))


def carry_assets(target: Target, source: str | None, dest_rel: str) -> None:
    """Hard-link the fingerprinted theme assets of release `source` (its own, as its
    manifests list them) into `dest_rel` where missing, so pages of `source` still
    open in a browser load their own CSS and JS after the switch."""
    if not source:
        return
    found = target.manifests(source)
    names = []
    for fname in sorted(found):
        sid = fname[:-5]
        if not fname.endswith(".json") or "/" in sid or not sid:
            continue
        try:
            data = manifest.parse(found[fname], sid)
        except manifest.ManifestError:
            continue
        names += [f"{sid}/{p}" for p in theme_files(data) if "\n" not in p]
    if names:
        target.sh(CARRY.replace("@FROM@", shlex.quote(f"releases/{source}"))
                  .replace("@TO@", shlex.quote(dest_rel)), ("\n".join(names) + "\n").encode())


CARRY = r'''
cd "$T"/@FROM@ || exit 0
to="$T"/@TO@
while IFS= read -r f; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  [ -e "$to/$f" ] || [ -L "$to/$f" ] || [ ! -d "$to/${f%%/*}" ] && continue
  mkdir -p "$to/$(dirname "$f")" && ln "$f" "$to/$f" || exit 1
done
'''


def copy_release(target: Target, state: State, output: Path, plan: Plan, bwlimit, nginx_conf: bytes | None,
                 echo) -> None:
    """releases/.partial-<name> filled and renamed to releases/<name>, its signed manifests
    beside; on any failure the partial copy is removed."""
    name = plan.name
    partial = f"releases/.partial-{name}"
    target.sh(f'mkdir -p "$T/releases" "$T/{MANIFESTS}" && rm -rf "$T"/releases/.partial-* '
              f'"$T"/{MANIFESTS}/.partial-* "$T"/{NGINX_CONF}.* && mkdir "$T/{partial}"')
    try:
        for sid in plan.signed:
            echo(f"[{sid}] 复制到 {target.spec} …")
            base = f"releases/{state.current}/{sid}" if state.current else None
            target.rsync(output / sid, f"{partial}/{sid}", bwlimit, link_dest=base)
        carry_assets(target, state.current, partial)
        info = {"release": name, "commit": plan.entry.get("commit"), "mode": plan.entry.get("mode"),
                "built_at": plan.entry.get("built_at"), "deployed_at": plan.deployed_at,
                "by": plan.entry.get("by"), "sites": list(plan.signed)}
        target.write_file(f"{partial}/release.json", json.dumps(info, ensure_ascii=False, indent=1).encode())
        for sid, (raw, signature) in plan.signed.items():
            target.write_file(f"{MANIFESTS}/.partial-{name}/{sid}.json", raw)
            target.write_file(f"{MANIFESTS}/.partial-{name}/{sid}.json.sig", signature.encode("ascii"))
        if nginx_conf is not None:
            target.write_file(f"{NGINX_CONF}.{name}", nginx_conf)
        target.sh(f'chmod 755 "$T/{partial}" && mv "$T/{MANIFESTS}/.partial-{name}" "$T/{MANIFESTS}/{name}" '
                  f'&& mv "$T/{partial}" "$T/releases/{name}"')
    except BaseException:
        discard(target, name)
        raise


def discard(target: Target, name: str) -> None:
    """Remove a release that never went live (and its partial copy), best effort."""
    try:
        target.sh(f'rm -rf "$T/releases/.partial-{name}" "$T/releases/{name}" "$T/{MANIFESTS}/.partial-{name}" '
                  f'"$T/{MANIFESTS}/{name}" "$T/{NGINX_CONF}.{name}"')
    except DeployError:
        pass


def deploy(output: Path, site_ids: list[str], targets: list[Target], sign_key: Path | None,
           signers_file: Path, keep: int = KEEP, bwlimit: int | None = None, force: bool = False,
           allow_preview: bool = False, nginx_conf: Path | None = None, reload: str | None = None,
           echo=print) -> str:
    """Copy the build to a new release on every target, then switch them all."""
    output = Path(output)
    check_tools(targets)
    report, manifests = check_output(output, site_ids, allow_preview)
    if report.get("mode") != "production":
        echo("注意：按 --allow-preview 部署预览构建（网址为 /<网站标识>/，页面带 noindex）")
    key = sign_key_path(sign_key)
    try:
        allowed = release_signing.signers(signers_file)
    except release_signing.SigningError as exc:
        raise DeployError(str(exc), 2) from exc
    conf = read_nginx_conf(nginx_conf)
    try:                                  # the key is usable and registered, before anything is touched
        release_signing.sign(b"govsite deploy key check\n", key, allowed)
    except release_signing.SigningError as exc:
        raise DeployError(str(exc), 2) from exc
    with holding(targets, echo) as states:
        if not force and all(unchanged(t, s, manifests) for t, s in zip(targets, states)):
            names = sorted({s.current for s in states})
            echo(f"线上版本 {'、'.join(names)} 与本次构建完全相同，未建立新版本（需要时用 --force）")
            return names[0]
        if not force:
            refuse_revived(targets, states, manifests, allowed)
        first = next(iter(manifests.values()))["build"]
        now = dates.now()
        name = release_name(first.get("commit"), sorted({r for s in states for r in s.releases}), now)
        deployed_at = now.isoformat(timespec="seconds")
        entry = {"action": "deploy", "release": name, "at": deployed_at, "by": actor(),
                 "commit": first.get("commit"), "mode": report.get("mode"), "built_at": first.get("built_at"),
                 "items": {sid: [i["path"] for i in m["items"]] for sid, m in manifests.items()}}
        plan = Plan(name, deployed_at, sign_release(manifests, name, deployed_at, key, allowed), entry)
        copied: list[Target] = []
        try:
            for t, s in zip(targets, states):
                copy_release(t, s, output, plan, bwlimit, conf, echo)
                copied.append(t)
        except DeployError as exc:
            for t in copied:
                discard(t, name)
            where = f"（已复制到的目标均已清除：{'、'.join(t.spec for t in copied)}）" if copied else ""
            if isinstance(exc, Aborted):
                raise
            raise type(exc)(f"{exc}{where}", exc.code) from exc
        unlogged = switch_all([(t, s, name, {**entry, "previous": s.current}) for t, s in zip(targets, states)])
        try:
            return finish(targets, states, name, keep, conf is not None, reload, echo, unlogged)
        except SwitchedError:
            raise
        except DeployError as exc:
            raise SwitchedError(f"网站已切换到新版本 {name}，之后：{exc}", exc.code) from exc


def refuse_revived(targets: list[Target], states, manifests: dict, allowed) -> None:
    """A build that would publish again an item the live release withdrew (复查撤除) is not
    deployed without --force; the refusal names the items."""
    from workflow.publish import tamper  # tamper reads releases through this module

    back = []
    for t, s in zip(targets, states):
        if s.current:
            live = tamper.check_release(t, s.current, allowed, others=s.releases)
            back += [f"{t.spec}：{b}" for b in tamper.revived(live.signed, manifests)]
    if back:
        raise DeployError("本次构建会重新发布线上版本已撤除的信息：" + "、".join(back[:10]) +
                          "。确需重新发布（已重新审核）时加 --force")


@contextmanager
def holding(targets: list[Target], echo):
    """What deploy and rollback do first: signals abort cleanly, one SSH connection per
    target, every target usable and locked, a journalled switch of a run that died
    completed, the log readable. Yields the targets' states, as they are under the lock."""
    with abortable(), ExitStack() as held:
        for t in targets:
            held.enter_context(t.session())
            t.probe()
        for t in targets:
            held.enter_context(t.lock())
        for t in targets:
            recover(t, echo)
            t.read_log()                  # a log that is not ours (garbled, a FIFO, a symlink): stop here
        yield [t.probe() for t in targets]


def sign_key_path(sign_key: Path | None) -> Path:
    key = sign_key or (Path(os.environ["GOVSITE_DEPLOY_KEY"]) if os.environ.get("GOVSITE_DEPLOY_KEY") else None)
    if key is None:
        raise DeployError("部署须用部署密钥签署清单：请用 --sign-key 指定私钥，或设置环境变量 GOVSITE_DEPLOY_KEY"
                          "（公钥登记在 keys/allowed_signers，限定 namespaces=\"govsite-manifest\"）", 2)
    if not Path(key).is_file():
        raise DeployError(f"找不到部署密钥 {key}（--sign-key 或 GOVSITE_DEPLOY_KEY）", 2)
    return Path(key)


def read_nginx_conf(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise DeployError(f"无法读取 nginx 配置 {path}：{tool_errors.oserror(exc)}（先运行 govsite nginx-config --output）", 2) from exc


def switch_all(moves: list[tuple[Target, State, str, dict]]) -> list[str]:
    """Switch every target to its release, journalled; if one fails (or we are stopped),
    switch back those already switched and say where each stands. Returns what went
    wrong after switches that did happen (an unwritten log)."""
    done: list[tuple[Target, State, str]] = []
    unlogged = []
    for t, s, release, entry in moves:
        try:
            switch_logged(t, release, entry)
        except UnloggedSwitch as exc:
            unlogged.append(str(exc))
        except DeployError as exc:
            if switched_to(t, release):
                done.append((t, s, release))
            failed = f"切换 {t.spec} 时出错：{exc}"
            if not done:
                raise DeployError(failed + "；没有任何目标被切换", exc.code) from exc
            raise SwitchedError(failed + "。" + switch_back(done), exc.code) from exc
        done.append((t, s, release))
    return unlogged


def switch_back(done: list[tuple[Target, State, str]]) -> str:
    """Return already switched targets to their previous release; say where each stands."""
    said = []
    for t, s, release in done:
        entry = {"action": "revert", "release": s.current, "previous": release,
                 "at": dates.now().isoformat(timespec="seconds"), "by": actor()}
        back = s.current or "（无版本）"
        try:
            switch_logged(t, s.current, entry)
            said.append(f"{t.spec} 已切回 {back}")
        except UnloggedSwitch as exc:
            said.append(f"{t.spec} 已切回 {back}，但{exc}")
        except DeployError as exc:
            if switched_to(t, s.current):
                said.append(f"{t.spec} 已切回 {back}，但部署记录未写入（下次运行时补记）")
            else:
                said.append(f"{t.spec} 切回失败，线上仍是 {release}：{exc}")
    return "；".join(said)


def finish(targets: list[Target], states: list[State], name: str, keep: int, conf: bool, reload: str | None,
           echo, problems: list[str]) -> str:
    """After every target is switched: nginx config, reload, prune. Every message says so."""
    for t in targets:
        try:
            if conf:
                t.sh(f'mv -f "$T/{NGINX_CONF}.{name}" "$T/{NGINX_CONF}"')
            if reload:
                t.sh(reload)
        except DeployError as exc:
            problems.append(f"{t.spec} 上安装 nginx 配置或重新加载失败（{exc}），请手工运行：{reload or '（无）'}")
        try:
            removed = prune(t, name, keep)
        except DeployError as exc:
            problems.append(f"{t.spec} 上清理旧版本失败：{exc}")
            removed = []
        echo(f"已部署 {name}：{t.spec}/current -> releases/{name}" +
             (f"；清理旧版本 {len(removed)} 个" if removed else "") + (f"；已运行 {reload}" if reload and not problems else ""))
    if problems:
        raise SwitchedError(f"网站已切换到新版本 {name}，但：" + "；".join(problems))
    return name


def prune(target: Target, current: str, keep: int) -> list[str]:
    """Remove all but the newest `keep` releases — never the live one nor the one live
    before it — and the carried assets no kept release's manifest names."""
    state = target.probe()
    stack = history(target.read_log())
    protect = {current, *stack[-2:]}
    old = [r for r in state.releases[:-keep] if r not in protect] if keep else []
    if old:
        quoted = " ".join(shlex.quote(p) for r in old for p in (f"releases/{r}", f"{MANIFESTS}/{r}"))
        target.sh(f'cd "$T" && rm -rf {quoted}')
    kept = [r for r in state.releases if r not in old]
    named: set[str] = set()
    for r in kept:
        for fname, raw in target.manifests(r).items():
            if fname.endswith(".json"):
                try:
                    data = manifest.parse(raw, fname)
                except manifest.ManifestError:
                    continue
                named.update(f"{fname[:-5]}/{p}" for p in theme_files(data))
    stray = []
    for r in kept:
        tree = target.scan(f"releases/{r}")
        if tree is None:
            continue
        stray += [f"releases/{r}/{p}" for p, e in tree.entries.items()
                  if e.kind == "file" and "/theme/" in p and assets.is_fingerprinted(p) and p not in named]
    stray = [p for p in stray if "\n" not in p]
    if stray:
        target.sh('cd "$T" && xargs -d "\\n" rm -f --', ("\n".join(stray) + "\n").encode())
    return old
