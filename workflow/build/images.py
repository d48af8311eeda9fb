"""The versions of an item's image the pages show: the approved bytes decoded with
Pillow and written as WebP and JPEG at the policy's widths (never enlarged), EXIF
orientation applied and every metadata block (EXIF, GPS, XMP, comments) left
behind. The upload itself is never published. Versions are cached by the source's
SHA-256 and the settings under the output's .govsite-cache/images/, so an unchanged
image is never encoded twice.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from pathlib import Path

from workflow.model.images import ENCODINGS, sizes, version_name

CACHE_FORMAT = 1


def settings_digest(pol) -> str:
    """What the encoded versions depend on besides the source bytes."""
    from PIL import __version__ as pillow

    return hashlib.sha256(repr((CACHE_FORMAT, pillow, pol.widths, pol.quality)).encode()).hexdigest()[:16]


def encode(data: bytes, pol) -> dict[str, bytes]:
    """'<width>.<ext>' -> bytes of every version of an image, without any metadata."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as src:
        if src.size[0] * src.size[1] > pol.max_pixels:   # the rule refused it already; never decode it
            raise ValueError(f"image of {src.size} exceeds {pol.max_pixels} pixels")
        src.seek(0)                                      # an animation: its first frame
        img = ImageOps.exif_transpose(src)
        icc = src.info.get("icc_profile")                # colours, not about anyone: kept
    rgba = img.convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    out = {}
    for w, h in sizes(*img.size, pol):
        for ext, fmt in ENCODINGS:
            base = rgba if fmt == "WEBP" and img.mode in ("RGBA", "LA", "PA", "P") else flat
            version = base.resize((w, h), Image.Resampling.LANCZOS) if (w, h) != base.size else base.copy()
            version.info = {}                            # no EXIF, GPS, XMP or comments carried over
            buf = io.BytesIO()
            options = {"quality": pol.quality, **({"icc_profile": icc} if icc else {})}
            if fmt == "JPEG":
                options.update(optimize=True, progressive=True)
            else:
                options.update(method=4)
            version.save(buf, fmt, **options)
            out[f"{w}.{ext}"] = buf.getvalue()
    return out


def cached(data: bytes, pol, cache: Path | None) -> dict[str, bytes]:
    """The versions of an image, from the cache when these bytes and settings were encoded before."""
    if cache is None:
        return encode(data, pol)
    key = f"{hashlib.sha256(data).hexdigest()}-{settings_digest(pol)}"
    folder = Path(cache) / key[:2] / key
    if folder.is_dir():
        try:
            return {p.name: p.read_bytes() for p in folder.iterdir()}
        except OSError:
            pass
    versions = encode(data, pol)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    for fname, blob in versions.items():
        (tmp / fname).write_bytes(blob)
    try:
        os.rename(tmp, folder)                           # another build may have won: keep theirs
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    return versions


def publish(data: bytes, name: str, target: Path, pol, cache: Path | None) -> list[Path]:
    """Write the versions of one (already verified) image beside its item's page."""
    written = []
    for fname, blob in cached(data, pol, cache).items():
        width, ext = fname.split(".")
        dest = Path(target) / version_name(name, int(width), ext)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(blob)
        written.append(dest)
    return written
