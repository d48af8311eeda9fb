"""Signed release manifests: the reference the web root cannot rewrite.

`govsite deploy` signs each site's manifest of a release with the deploy key
(`ssh-keygen -Y sign`, namespace `govsite-manifest`) and keeps manifest and
signature in TARGET/manifests/<release>/, outside every served folder.
`govsite verify` and `govsite rollback` trust a manifest only if its
signature verifies against keys/allowed_signers, by a key whose line there
is restricted to this namespace (`namespaces="govsite-manifest"`): so a
reviewer's key (restricted to govsite-approval) can never sign a release,
and the deploy key can never approve an item.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sshsig import InvalidSignature, check_signature

from workflow.errors import SigningError
from workflow.model import dates
from workflow.review import approval

NAMESPACE = "govsite-manifest"


def signers(path: Path) -> list[approval.Signer]:
    """The allowed_signers lines that may sign release manifests."""
    try:
        every = approval.load_signers(path)
    except approval.SignerError as exc:
        raise SigningError(str(exc)) from exc
    return [s for s in every if s.namespaces and NAMESPACE in s.namespaces]


def check(data: bytes, signature: str, allowed: list[approval.Signer], when: dt.datetime) -> str:
    """The principal whose deploy key signed `data`. Raises SigningError saying why not."""
    try:
        key = check_signature(data, signature, NAMESPACE)
    except InvalidSignature as exc:
        raise SigningError(f"签名与清单内容不符或格式错误（{exc}）" if str(exc) else "签名与清单内容不符") from exc
    except (ValueError, NotImplementedError, TypeError) as exc:
        raise SigningError(f"无法解析签名（{exc}）") from exc
    for signer in allowed:
        if signer.key == key:
            for principal in signer.principals:
                if signer.allows(principal, NAMESPACE, when):
                    return principal
            raise SigningError(f"签名密钥（{', '.join(signer.principals)}）在 {when.isoformat()} 不在有效期内")
    raise SigningError(f"签名所用的密钥不是 keys/allowed_signers 中限定 namespaces=\"{NAMESPACE}\" 的部署密钥")


def sign(data: bytes, key: Path, allowed: list[approval.Signer]) -> tuple[str, str]:
    """Sign with the deploy key and check the result before anything is written:
    (signature, principal). Raises SigningError saying what to fix."""
    try:
        signature = approval.sign(data, key, NAMESPACE)
    except approval.SignerError as exc:
        raise SigningError(f"用部署密钥 {key} 签名失败：{exc}") from exc
    try:
        principal = check(data, signature, allowed, dates.now())
    except SigningError as exc:
        raise SigningError(f"部署密钥 {key} 的签名无法通过验证（{exc}）。请在 keys/allowed_signers 中登记它的公钥，"
                           f"例如：deploy namespaces=\"{NAMESPACE}\" ssh-ed25519 AAAA… deploy") from exc
    return signature, principal
