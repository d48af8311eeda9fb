"""Signed approvals: OpenSSH SSHSIG signatures bound to an item's exact text.

What is signed (the payload), documented in README "How approvals work":

    canonical bytes of the item        the file as UTF-8, CRLF/CR normalised to
                                       LF, with the top-level `approvals` and
                                       `withdrawal` blocks of the front matter
                                       removed (signatures cannot sign themselves)
    "\\n--- govsite approval ---\\n"
    "level: <level>\\nby: <reviewer>\\nat: <ISO time>\\n"

so an approval is bound to the text, to its level, to its signer and to its
time: an edit anywhere in the body or the front matter, a copy to another item,
or a changed level all void it. The namespace is `govsite-approval`.
"""
from __future__ import annotations

import datetime as dt
import json
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sshsig import InvalidSignature, check_signature
from sshsig.allowed_signers import load_allowed_signers_file
from sshsig.ssh_public_key import PublicKey

from . import dates

NAMESPACE = "govsite-approval"
SIGNED_BLOCKS = ("approvals", "withdrawal")   # front-matter blocks outside the signed bytes
ALLOWED_SIGNERS = "keys/allowed_signers"


def canonical_bytes(item) -> bytes:
    """The item's text without its signature blocks, LF line endings, UTF-8."""
    lines = item.text.split("\n")
    drop = set()
    for key in SIGNED_BLOCKS:
        span = item.block_span(key)
        if span:
            drop.update(range(*span))
    return "\n".join(l for i, l in enumerate(lines) if i not in drop).encode("utf-8")


def payload(canonical: bytes, level: str, by: str, at: str) -> bytes:
    trailer = f"\n--- govsite approval ---\nlevel: {level}\nby: {by}\nat: {at}\n"
    return canonical + trailer.encode("utf-8")


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


class SignerError(Exception):
    pass


def _ssh_time(value: str) -> dt.datetime:
    # allowed_signers times: YYYYMMDD[HHMM[SS]][Z]; local (here Asia/Shanghai) unless Z.
    utc = value.endswith("Z")
    digits = value.rstrip("Z")
    fmt = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}.get(len(digits))
    if not fmt:
        raise SignerError(f"无法识别的时间 {value}")
    moment = dt.datetime.strptime(digits, fmt)
    return moment.replace(tzinfo=dt.timezone.utc if utc else dates.TZ)


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
            (entry,) = load_allowed_signers_file(_Lines([line]))
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


class _Lines:
    def __init__(self, lines):
        self._lines = lines

    def readlines(self):
        return [l + "\n" for l in self._lines]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rule: str | None = None      # approval.invalid | approval.unknown-signer
    reason: str = ""


_VERIFIED: dict = {}   # (digest, signature, by, at, signers) -> Verdict


def verify(data: bytes, signature: str, by: str, at: dt.datetime, signers: list[Signer]) -> Verdict:
    """Verify one approval in-process; agrees with `ssh-keygen -Y verify`.

    Cached by content hash, so checking and building the same item pays once.
    """
    key = (hashlib.sha256(data).digest(), signature, by, at, id(signers))
    verdict = _VERIFIED.get(key)
    if verdict is None:
        verdict = _VERIFIED[key] = _verify(data, signature, by, at, signers)
    return verdict


def _verify(data, signature, by, at, signers) -> Verdict:
    try:
        key = check_signature(data, signature, NAMESPACE)
    except InvalidSignature as exc:
        detail = f"（{exc}）" if str(exc) else ""
        return Verdict(False, "approval.invalid", f"签名与当前内容不符或格式错误{detail}")
    except (ValueError, NotImplementedError) as exc:
        return Verdict(False, "approval.invalid", f"无法解析签名（{exc}）")
    entries = [s for s in signers if s.key == key]
    if not entries:
        return Verdict(False, "approval.unknown-signer", "签名所用的密钥不在 keys/allowed_signers 中")
    if not any(s.allows(by, NAMESPACE, at) for s in entries):
        owners = sorted({p for s in entries for p in s.principals})
        return Verdict(False, "approval.invalid",
                       f"签名密钥属于 {', '.join(owners)}，不是 {by}，或该密钥在审核时间不在有效期内")
    return Verdict(True)


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


def approvals_block(entries: list[dict]) -> list[str]:
    """The `approvals:` block as YAML lines (signature as a literal block)."""
    out = ["approvals:"]
    for e in entries:
        out.append(f"  - level: {json.dumps(e['level'], ensure_ascii=False)}")
        out.append(f"    by: {e['by']}")
        out.append(f"    at: '{e['at']}'")
        out.append("    signature: |")
        out.extend(f"      {line}" for line in e["signature"].strip().splitlines())
    return out


def replace_block(item, key: str, block: list[str]) -> str:
    """The item's text with top-level `key` replaced by `block`, placed last in
    the front matter. The canonical bytes do not change."""
    lines = item.text.split("\n")
    closing = item.body_line - 2          # index of the closing fence
    span = item.block_span(key)
    head = lines[:closing]
    if span:
        head = head[:span[0]] + head[span[1]:]
    return "\n".join(head + block + lines[closing:])


WITHDRAWAL_TRAILER = "\n--- govsite withdrawal ---\n"


def withdrawal_payload(canonical: bytes, by: str, at: str, mode: str, reason: str) -> bytes:
    """What a withdrawal signs: the item's text, then who, when, how and why."""
    trailer = f"{WITHDRAWAL_TRAILER}by: {by}\nat: {at}\nmode: {mode}\nreason: {reason}\n"
    return canonical + trailer.encode("utf-8")


def withdrawal_block(entry: dict) -> list[str]:
    """The `withdrawal:` block as YAML lines (signature as a literal block)."""
    out = ["withdrawal:",
           f"  by: {entry['by']}",
           f"  at: '{entry['at']}'",
           f"  mode: {entry['mode']}",
           f"  reason: {json.dumps(entry['reason'], ensure_ascii=False)}",
           "  signature: |"]
    out.extend(f"    {line}" for line in entry["signature"].strip().splitlines())
    return out
