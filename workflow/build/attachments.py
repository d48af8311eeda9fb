"""Publishing an item's files: at <column>/<slug>/<file>, only for published items,
each copy checked against the SHA-256 its approvals cover. An image is never
copied as uploaded: its bytes, read once and checked the same way, become the
WebP and JPEG versions its pages show (workflow/build/images.py)."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from workflow.errors import ChangedError
from workflow.model.files import entries, read_regular, sha256_of, size_label


def described(item) -> list[dict]:
    """The item's attachments with size labels, for the theme."""
    out = []
    for att in item.fields.get("attachments", []):
        path = item.path.parent / att["file"]
        size = path.stat().st_size if path.is_file() else None
        out.append({**att, "size": size, "size_label": size_label(size) if size is not None else ""})
    return out


def publish(item, output: Path, expected: dict[str, str], image_policy=None,
            image_cache: Path | None = None) -> list[Path]:
    """Copy the attachments of a published item to <output>/<column>/<slug>/, each
    checked against the SHA-256 its approval covers (`expected`: name -> sha256),
    and write its images' versions there (`image_policy`: workflow/policy/limits.py)."""
    target = Path(output) / item.column / item.slug
    written = []
    for name, kind in entries(item):
        if kind == "image":
            written += _publish_image(item, name, target, expected, image_policy, image_cache)
            continue
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


def _publish_image(item, name: str, target: Path, expected: dict[str, str], pol, cache) -> list[Path]:
    from workflow.build import images

    data = read_regular(item.path.parent / name)
    if data is None or hashlib.sha256(data).hexdigest() != expected.get(name):
        raise ChangedError(f"{item.relpath} 的图片 {name} 在构建过程中被改动（与审核时的文件不一致）")
    return images.publish(data, name, target, pol, cache)
