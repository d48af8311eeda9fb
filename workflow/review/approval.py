"""Signed approvals: OpenSSH SSHSIG signatures bound to an item's exact text,
its place and its files.

What is signed (the payload), documented in README "What is signed":

    the item's canonical bytes        workflow/items.py: the file as UTF-8, LF
                                      line endings, without the lines of its
                                      signature blocks (`approvals`, `withdrawal`)
    "\n--- govsite approval v2 ---\n"
    "path: " JSON(content/<site>/<column>/<slug>.md) "\n"
    "file: " JSON(name) " " size " " sha256 "\n"     for every listed attachment, by name
    "level: " JSON(level) "\nby: " by "\nat: " ISO time "\n"

so an approval is bound to the text, to where the item is published, to every
byte of its attachments, to its level, its signer and its time: an edit, a
copy or move, a replaced file or a changed level all void it. The namespace is
`govsite-approval`; a withdrawal signs the same subject with its own trailer.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sshsig import InvalidSignature, check_signature
from sshsig.allowed_signers import load_allowed_signers_file
from sshsig.ssh_public_key import PublicKey

from workflow.errors import SignerError as SignerError  # re-exported: what signing raises
from workflow.model import dates

if TYPE_CHECKING:
    from workflow.model.items import Item

NAMESPACE = "govsite-approval"
SIGNED_BLOCKS = ("approvals", "withdrawal")   # front-matter blocks outside the signed bytes
ALLOWED_SIGNERS = "keys/allowed_signers"
APPROVAL_TRAILER = "\n--- govsite approval v2 ---\n"
WITHDRAWAL_TRAILER = "\n--- govsite withdrawal v2 ---\n"


def canonical_bytes(item: Item) -> bytes:
    """The item's text without its signature blocks, LF line endings, UTF-8 (items.parse made it)."""
    return item.canonical


def subject(relpath: str, files: Iterable[tuple[str, int, str]]) -> str:
    """Where the item is published and what files it publishes: part of every payload."""
    out = f"path: {json.dumps(relpath, ensure_ascii=False)}\n"
    for name, size, digest in sorted(files):
        out += f"file: {json.dumps(name, ensure_ascii=False)} {size} {digest}\n"
    return out


def payload(canonical: bytes, level: str, by: str, at: str, subject_text: str) -> bytes:
    trailer = (f"{APPROVAL_TRAILER}{subject_text}level: {json.dumps(level, ensure_ascii=False)}\n"
               f"by: {by}\nat: {at}\n")
    return canonical + trailer.encode("utf-8", "surrogatepass")


def format_time(moment: dt.datetime) -> str:
    return dates.to_local(moment).isoformat(timespec="seconds")


@dataclass
class Signer:
    principals: list[str]
    key: PublicKey
    namespaces: list[str] | None
    valid_after: dt.datetime | None
    valid_before: dt.datetime | None

    def allows(self, principal: str, namespace: str, when: dt.datetime) -> bool:
        if principal not in self.principals:
            return False
        if self.namespaces is not None and namespace not in self.namespaces:
            return False
        if self.valid_after and when < self.valid_after:
            return False
        if self.valid_before and when >= self.valid_before:
            return False
        return True


def _ssh_time(value: str) -> dt.datetime:
    # allowed_signers times: YYYYMMDD[HHMM[SS]][Z]; local (here Asia/Shanghai) unless Z.
    utc = value.endswith("Z")
    digits = value.rstrip("Z")
    fmt = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}.get(len(digits))
    if not fmt:
        raise SignerError(f"无法识别的时间 {value}")
    moment = dt.datetime.strptime(digits, fmt)
    return moment.replace(tzinfo=dt.UTC if utc else dates.TZ)


def load_signers(path: Path) -> list[Signer]:
    """Parse an OpenSSH allowed_signers file. Raises SignerError naming the line."""
    signers = []
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SignerError(f"无法读取 {path}：{exc}") from exc
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            (entry,) = load_allowed_signers_file(io.StringIO(line + "\n"))
            key = PublicKey.from_openssh_str(f"{entry.key_type} {entry.base64_key}")
            opts = entry.options or {}
            namespaces = opts.get("namespaces")
            signers.append(Signer(
                [p.strip() for p in entry.principals.split(",")],
                key,
                [n.strip() for n in namespaces.split(",")] if namespaces is not None else None,
                _ssh_time(opts["valid-after"]) if "valid-after" in opts else None,
                _ssh_time(opts["valid-before"]) if "valid-before" in opts else None,
            ))
        except (ValueError, NotImplementedError, SignerError) as exc:
            raise SignerError(f"{path} 第 {number} 行无法解析：{exc}") from exc
    return signers


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rule: str | None = None      # approval.stale (not over this text) | approval.invalid | approval.unknown-signer
    reason: str = ""


class Verifier:
    """Verifies approvals against one allowed_signers, remembering verdicts by
    content hash (checking and building the same item pays once). One per run."""

    def __init__(self, signers: list[Signer]) -> None:
        self.signers = signers
        self._verdicts: dict[tuple[bytes, str, str, dt.datetime], Verdict] = {}

    def __call__(self, data: bytes, signature: str, by: str, at: dt.datetime) -> Verdict:
        key = (hashlib.sha256(data).digest(), signature, by, at)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = _verify(data, signature, by, at, self.signers)
        return verdict


def verify(data: bytes, signature: str, by: str, at: dt.datetime, signers: list[Signer]) -> Verdict:
    """Verify one approval in-process; agrees with `ssh-keygen -Y verify`."""
    return _verify(data, signature, by, at, signers)


def _verify(data: bytes, signature: str, by: str, at: dt.datetime, signers: list[Signer]) -> Verdict:
    try:
        key = check_signature(data, signature, NAMESPACE)
    except InvalidSignature as exc:
        detail = f"（{exc}）" if str(exc) else ""
        return Verdict(False, "approval.stale", f"签名与当前内容不符或格式错误{detail}")
    except (ValueError, NotImplementedError) as exc:
        return Verdict(False, "approval.invalid", f"无法解析签名（{exc}）")
    entries = [s for s in signers if s.key == key]
    if not entries:
        return Verdict(False, "approval.unknown-signer", "签名所用的密钥不在 keys/allowed_signers 中")
    if not any(s.allows(by, NAMESPACE, at) for s in entries):
        return Verdict(False, "approval.invalid", _why_not(entries, by, at))
    return Verdict(True)


def _why_not(entries: list[Signer], by: str, at: dt.datetime) -> str:
    """Why the key that made a valid signature may not sign as `by` at `at` (Chinese)."""
    owners = sorted({p for s in entries for p in s.principals})
    mine = [s for s in entries if by in s.principals]
    if not mine:
        return f"签名密钥属于 {'、'.join(owners)}，不是 {by}"
    if all(s.namespaces is not None and NAMESPACE not in s.namespaces for s in mine):
        return f"{by} 的这把密钥在 keys/allowed_signers 中未获准用于审核签名（namespaces 不含 {NAMESPACE}）"
    shown = format_time(at)
    for s in mine:
        if s.valid_before and at >= s.valid_before:
            return f"{by} 的这把密钥已于 {format_time(s.valid_before)} 停用（valid-before），签名时间 {shown} 不在有效期内"
        if s.valid_after and at < s.valid_after:
            return f"{by} 的这把密钥自 {format_time(s.valid_after)} 起才生效（valid-after），签名时间 {shown} 不在有效期内"
    return f"{by} 的这把密钥在 {shown} 不可用于审核签名"


def sign(data: bytes, key_path: Path, namespace: str = NAMESPACE) -> str:
    """Sign with `ssh-keygen -Y sign` (stdin to stdout). Raises SignerError."""
    proc = subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-q", "-f", str(key_path), "-n", namespace],
        input=data, capture_output=True,
    )
    if proc.returncode != 0 or b"BEGIN SSH SIGNATURE" not in proc.stdout:
        raise SignerError(proc.stderr.decode("utf-8", "replace").strip() or "ssh-keygen 签名失败")
    return proc.stdout.decode("ascii")


def sign_checked(data: bytes, key_path: Path, by: str, at: str, signers: list[Signer]) -> str:
    """Sign, then verify in-process before anything is written: the key must be
    `by`'s key in allowed_signers. Raises SignerError saying what to check."""
    try:
        signature = sign(data, key_path)
    except SignerError as exc:
        raise SignerError(f"签名失败：{exc}") from exc
    verdict = verify(data, signature, by, dates.parse_datetime(at), signers)
    if not verdict.ok:
        raise SignerError(f"签名无法通过验证，未写入：{verdict.reason}。"
                          f"请确认 keys/allowed_signers 中登记的 {by} 的公钥与 --key 对应")
    return signature


def approvals_block(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """The `approvals:` block as YAML lines (signature as a literal block)."""
    out = ["approvals:"]
    for e in entries:
        out.append(f"  - level: {json.dumps(e['level'], ensure_ascii=False)}")
        out.append(f"    by: {e['by']}")
        out.append(f"    at: '{e['at']}'")
        if e.get("path"):
            out.append(f"    path: {json.dumps(e['path'], ensure_ascii=False)}")
        if e.get("files"):
            out.append("    files:")
            out.extend(f"      - {json.dumps(f, ensure_ascii=False)}" for f in e["files"])
        out.append("    signature: |")
        out.extend(f"      {line}" for line in e["signature"].strip().splitlines())
    return out


def replace_block(item: Item, key: str, block: list[str]) -> str:
    """The item's text with top-level `key` replaced by `block`, placed last in
    the front matter. The canonical bytes do not change."""
    lines = item.text.split("\n")
    closing = item.body_line - 2          # index of the closing fence
    drop = {i for s, e in item.signed_spans.get(key, []) for i in range(s, e)}
    head = [line for i, line in enumerate(lines[:closing]) if i not in drop]
    return "\n".join(head + block + lines[closing:])


def save(item: Item, text: str) -> None:
    """Write the signed item in one rename: an interrupted write never leaves half a file."""
    import os
    import tempfile

    folder = item.path.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{item.path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
        os.chmod(tmp, item.path.stat().st_mode & 0o777)
        os.replace(tmp, item.path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def withdrawal_payload(canonical: bytes, by: str, at: str, mode: str, reason: str, subject_text: str) -> bytes:
    """What a withdrawal signs: the item's text and subject, then who, when, how and why."""
    trailer = (f"{WITHDRAWAL_TRAILER}{subject_text}by: {by}\nat: {at}\nmode: {mode}\n"
               f"reason: {json.dumps(reason, ensure_ascii=False)}\n")
    return canonical + trailer.encode("utf-8", "surrogatepass")


def withdrawal_block(entry: Mapping[str, Any]) -> list[str]:
    """The `withdrawal:` block as YAML lines (signature as a literal block)."""
    out = ["withdrawal:",
           f"  by: {entry['by']}",
           f"  at: '{entry['at']}'",
           f"  mode: {entry['mode']}",
           f"  reason: {json.dumps(entry['reason'], ensure_ascii=False)}",
           *([f"  path: {json.dumps(entry['path'], ensure_ascii=False)}"] if entry.get("path") else []),
           "  signature: |"]
    out.extend(f"    {line}" for line in entry["signature"].strip().splitlines())
    return out
