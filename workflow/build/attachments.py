"""Publishing an item's files: at <column>/<slug>/<file>, only for published items,
each copy checked against the SHA-256 its approvals cover."""
from __future__ import annotations

import shutil
from pathlib import Path

from workflow.errors import ChangedError
from workflow.model.files import listed, sha256_of, size_label


def described(item) -> list[dict]:
    """The item's attachments with size labels, for the theme."""
    out = []
    for att in item.fields.get("attachments", []):
        path = item.path.parent / att["file"]
        size = path.stat().st_size if path.is_file() else None
        out.append({**att, "size": size, "size_label": size_label(size) if size is not None else ""})
    return out


def publish(item, output: Path, expected: dict[str, str]) -> list[Path]:
    """Copy the attachments of a published item to <output>/<column>/<slug>/, each
    checked against the SHA-256 its approval covers (`expected`: name -> sha256)."""
    target = Path(output) / item.column / item.slug
    written = []
    for name in listed(item):
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(item.path.parent / name, dest, follow_symlinks=False)
        except OSError as exc:
            raise ChangedError(f"{item.relpath} 的附件 {name} 无法复制（{exc.strerror}）") from exc
        digest, _ = sha256_of(dest)
        if digest is None or digest != expected.get(name):
            dest.unlink(missing_ok=True)
            raise ChangedError(f"{item.relpath} 的附件 {name} 在构建过程中被改动（与审核时的文件不一致）")
        written.append(dest)
    return written
