"""Real fixture repositories: a small site group in a temporary folder, with
reviewer keys made by ssh-keygen at test time."""
from __future__ import annotations

import contextlib
import io
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import yaml

from workflow import cli
from workflow.model import dates
from workflow.review import approval

PROJECT = Path(__file__).resolve().parent.parent
# The demo group the tests build: a copy of the demo's content/, keys/ and CODEOWNERS
# kept under tests/, so a city that replaces the live content/ keeps a passing suite.
DEMO = PROJECT / "tests" / "fixtures" / "demo"
CODE = ("pelicanconf.py", "publishconf.py", "themes", "plugins")


def copy_demo(root: Path) -> Path:
    """A group root at `root`: this repository's code and the demo fixture, outside any
    Git repository (no history: the fixture's signatures are judged on their own)."""
    root.mkdir(parents=True, exist_ok=True)
    for base, names in ((PROJECT, CODE), (DEMO, ("content", "keys", "CODEOWNERS", "policy"))):
        for name in names:
            src = base / name
            if src.is_dir():
                shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__"))
            elif src.is_file():
                shutil.copy(src, root / name)
    return root

REVIEWERS = ["chu.shen", "zhong.shen", "qu.shen", "stranger"]   # stranger: not in allowed_signers
DEPLOY = "deploy"            # the deploy identity: signs release manifests (namespace govsite-manifest)


def make_keys(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    keys = {}
    for rid in REVIEWERS + ["editor.a", DEPLOY]:
        key = folder / rid
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", rid, "-f", str(key)],
                           check=True)
        keys[rid] = key
    return keys


def site_yaml(name="测试市人民政府门户网站", type_="portal", domain="www.test-city.gov.cn", parent=None,
              columns=None, reviewers=None, review=None, **extra) -> dict:
    data = {
        "name": name, "type": type_, "domain": domain,
        "sponsor": "测试市人民政府办公室", "organizer": "测试市大数据发展局",
        "site_code": "0000000000（示例）", "icp": "测ICP备00000000号（示例）",
        "police_record": "测公网安备00000000000000号（示例）",
        "contact": {"address": "测试市示例路1号", "phone": "0000-5550000", "email": "web@test-city.gov.cn"},
        "columns": columns or {
            "yaowen": {"name": "政务要闻", "type": "要闻"},
            "tzgg": {"name": "通知公告", "type": "通知公告"},
            "zcwj": {"name": "政策文件", "type": "政策文件"},
        },
        "editors": {"editor.a": "编辑甲"},
        "reviewers": reviewers or {
            "chu.shen": {"name": "初审人", "levels": ["初审"]},
            "zhong.shen": {"name": "终审人", "levels": ["终审"]},
            "qu.shen": {"name": "区审核人", "levels": ["初审", "终审"]},
        },
        "review": review or {"levels": ["初审", "终审"], "required": ["终审"],
                             "columns": {"zcwj": ["初审", "终审"]}},
    }
    if parent:
        data["parent"] = parent
    data.update(extra)
    return data


class Repo:
    """A site group in a temporary folder, built and checked with the real code."""

    def __init__(self, root: Path, keys: dict[str, Path]):
        self.root = root
        self.keys = keys
        root.mkdir(parents=True, exist_ok=True)
        for name in ("pelicanconf.py", "publishconf.py"):
            shutil.copy(PROJECT / name, root / name)
        for name in ("themes", "plugins"):
            shutil.copytree(PROJECT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        (root / "content").mkdir(exist_ok=True)
        self.write_signers([r for r in REVIEWERS if r != "stranger"])

    def write_signers(self, rids, namespace=approval.NAMESPACE, deploy=True):
        lines = []
        for rid in rids:
            kind, b64 = Path(f"{self.keys[rid]}.pub").read_text().split()[:2]
            lines.append(f'{rid} namespaces="{namespace}" {kind} {b64}')
        if deploy:
            kind, b64 = Path(f"{self.keys[DEPLOY]}.pub").read_text().split()[:2]
            lines.append(f'{DEPLOY} namespaces="govsite-manifest" {kind} {b64}')
        (self.root / "keys").mkdir(exist_ok=True)
        (self.root / "keys" / "allowed_signers").write_text("\n".join(lines) + "\n")

    def site(self, sid="portal", **kw) -> Path:
        folder = self.root / "content" / sid
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "site.yaml").write_text(yaml.safe_dump(site_yaml(**kw), allow_unicode=True,
                                                         sort_keys=False), encoding="utf-8")
        return folder / "site.yaml"

    def item(self, site="portal", column="yaowen", slug="ceshi-xinxi", body="这是正文内容。\n",
             **fields) -> Path:
        meta = {"title": "测试信息标题", "date": "2026-11-20 09:30", "source": "测试市人民政府办公室",
                "author": "editor.a", "confidentiality": "passed"}
        if column == "zcwj":
            meta.update({"index_no": "000/2026-001", "issuer": "测试市人民政府", "written": "2026-11-18",
                         "subject": "综合政务", "validity": "有效"})
        meta.update(fields)
        if "received" in fields:                  # a letter: its platform number and type
            meta.setdefault("number", f"CS-{slug}")
            meta.setdefault("kind", "咨询")
        if column == "zcwj" and "written" not in fields:     # a document is written before it is published
            meta["written"] = min(meta["written"], str(meta["date"])[:10])
        meta = {k: v for k, v in meta.items() if v is not None}
        path = self.root / "content" / site / column / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body
        path.write_text(text, encoding="utf-8")
        return path

    def govsite(self, *args) -> tuple[int, str, str]:
        """Run the real CLI in-process: (exit code, stdout, stderr)."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(["--root", str(self.root), *map(str, args)])
            except SystemExit as exc:
                code = exc.code
        return code, out.getvalue(), err.getvalue()

    def git(self, *args, author: tuple[str, str] | None = None, date: str | None = None) -> str:
        """Run git in the repository (as `author` (name, email), dated `date` when given)."""
        who = ["-c", f"user.name={author[0]}", "-c", f"user.email={author[1]}"] if author else \
            ["-c", "user.name=维护人", "-c", "user.email=ops@test-city.gov.cn"]
        env = None
        if date:
            import os
            env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        proc = subprocess.run(["git", *who, "-C", str(self.root), *args], capture_output=True, text=True,
                              env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def commit(self, message: str, author: tuple[str, str] | None = None, date: str | None = None) -> str:
        """Commit everything (creating the repository on first use); the new commit's id."""
        if not (self.root / ".git").exists():
            self.git("init", "-q", "-b", "main")
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, author=author, date=date)
        return self.git("rev-parse", "HEAD").strip()

    def approve(self, path: Path, reviewer: str, level: str | None = None, key: str | None = None):
        args = ["approve", path, "--key", self.keys[key or reviewer], "--as", reviewer]
        if level:
            args += ["--level", level]
        return self.govsite(*args)

    def check_json(self, *paths) -> list[dict]:
        code, out, err = self.govsite("check", "--json", *paths)
        assert code in (0, 1), err
        return json.loads(out)

    def build(self, *args) -> tuple[int, str, str]:
        return self.govsite("build", "--output", self.root / "output", *args)

    @property
    def output(self) -> Path:
        return self.root / "output"

    def report(self) -> dict:
        return json.loads((self.output / "report.json").read_text(encoding="utf-8"))


def forge_approval(path: Path, root: Path, key: Path, level: str, by: str, at: str = "2026-11-21T10:00:00+08:00",
                   namespace: str = approval.NAMESPACE, append: bool = True) -> None:
    """Write an approval signed by `key` without `govsite approve`'s checks —
    what a careless or hostile hand could put in a file."""
    from workflow.gate.gate import Gate
    from workflow.model.sites import load_group

    gate = Gate(load_group(root))
    item = gate.decide(path).item
    data = approval.payload(item.canonical, level, by, at, gate.checker.subject(item))
    proc = subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(key), "-n", namespace],
                          input=data, capture_output=True, check=True)
    entries = []
    if append:
        for e in (item.meta or {}).get("approvals") or []:
            entries.append({**e, "at": approval.format_time(dates.parse_datetime(e["at"]))})
    entries.append({"level": level, "by": by, "at": at, "signature": proc.stdout.decode()})
    path.write_text(approval.replace_block(item, "approvals", approval.approvals_block(entries)), encoding="utf-8")


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, what: str, seconds: float = 15) -> None:
    """Until a server we started accepts on 127.0.0.1:port; fail if it died or never does.
    (A readiness wait, not a timing assertion.)"""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None:
                said = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
                raise AssertionError(f"{what} exited with {proc.returncode}: {said}") from None
            assert time.monotonic() < deadline, f"{what} did not start listening"
            time.sleep(0.05)
