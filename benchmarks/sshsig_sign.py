"""In-process OpenSSH SSHSIG signing with ed25519 keys made by ssh-keygen.

`ssh-keygen -Y sign` costs one process per signature (minutes for 10,000
items); this writes the same armored format (PROTOCOL.sshsig) with
`cryptography`, so `workflow.approval.verify` and `ssh-keygen -Y verify`
accept it. Benchmark tooling only; `govsite approve` keeps using ssh-keygen.
"""
from __future__ import annotations

import base64
import hashlib
import struct
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

MAGIC = b"SSHSIG"


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class Signer:
    def __init__(self, key_path: Path):
        key = serialization.load_ssh_private_key(Path(key_path).read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{key_path}: only ed25519 keys are supported")
        self._key = key
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self._public_blob = _string(b"ssh-ed25519") + _string(raw)

    def sign(self, data: bytes, namespace: str) -> str:
        """The armored SSH signature of `data` (hash sha512), as ssh-keygen writes it."""
        digest = hashlib.sha512(data).digest()
        signed = MAGIC + _string(namespace.encode()) + _string(b"") + _string(b"sha512") + _string(digest)
        sig_blob = _string(b"ssh-ed25519") + _string(self._key.sign(signed))
        blob = (MAGIC + struct.pack(">I", 1) + _string(self._public_blob) + _string(namespace.encode())
                + _string(b"") + _string(b"sha512") + _string(sig_blob))
        text = base64.b64encode(blob).decode("ascii")
        lines = [text[i:i + 70] for i in range(0, len(text), 70)]
        return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"
