"""Images of items (图片新闻, 专题横幅): `images: [{file, alt, caption}]` in front matter.

An image is a listed file like an attachment (workflow/attachments.py): the same
path checks, its bytes covered by every approval, its copy checked against the
approved hash. It is never published as uploaded: the build decodes the approved
bytes with Pillow and writes WebP and JPEG versions at a few widths (no upscaling),
EXIF orientation applied and every metadata block (EXIF, GPS, XMP, comments)
left behind. Versions are cached by the source's SHA-256 and the settings under
the output's .govsite-cache/images/, so an unchanged image is never re-encoded.

Policy (types, size and pixel limits, widths, quality, meaningless alt texts)
lives in workflow/data/images.yaml, or the repository's policy/images.yaml.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import unicodedata
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

import yaml

DEFAULTS = Path(__file__).parent / "data" / "images.yaml"
OVERRIDE = "policy/images.yaml"
FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
ENCODINGS = (("webp", "WEBP"), ("jpg", "JPEG"))     # what the page offers, best first
CACHE_FORMAT = 1
_CAMERA_NAME = re.compile(r"^(img|image|dsc|dscn|dcim|photo|pic|p|mmexport|wx_camera|微信图片)?[\s_\-.]*\d[\d\s_\-.]*$", re.I)
_PUNCT = re.compile(r"[\s\W_]+", re.U)


@dataclass(frozen=True)
class Policy:
    extensions: tuple[str, ...]
    max_bytes: int
    max_pixels: int
    widths: tuple[int, ...]
    quality: int
    meaningless: frozenset
    source: str                       # which file it came from, for messages

    def digest(self) -> str:
        """What the encoded versions depend on besides the source bytes."""
        from PIL import __version__ as pillow

        return hashlib.sha256(repr((CACHE_FORMAT, pillow, self.widths, self.quality)).encode()).hexdigest()[:16]


@lru_cache(maxsize=8)
def _policy(path: str, mtime: float) -> Policy:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return Policy(tuple(e.lower().lstrip(".") for e in data["extensions"]),
                  int(float(data["max_mb"]) * 1024 * 1024), int(data["max_pixels"]),
                  tuple(sorted(int(w) for w in data["widths"])), int(data["quality"]),
                  frozenset(_plain(str(a)) for a in data.get("meaningless_alt") or []), path)


def policy(root: Path) -> Policy:
    path = Path(root) / OVERRIDE
    if not path.is_file():
        path = DEFAULTS
    return _policy(str(path), path.stat().st_mtime)


def _plain(text: str) -> str:
    """Compared without spaces and punctuation, full-width letters folded, any case (ß = SS)."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).upper().casefold()


def alt_problem(alt, name: str, pol: Policy) -> str | None:
    """Why an alt text says nothing about the image (Chinese), or None when it does."""
    if not isinstance(alt, str) or not alt.strip():
        return "没有替代文字（alt）：看不见图片的读者（读屏软件）不知道图片的内容"
    plain = _plain(alt)
    stem = PurePosixPath(name).stem
    if plain in pol.meaningless:
        return f"替代文字“{alt.strip()}”没有说明图片的内容"
    if plain in (_plain(name), _plain(stem)) or _CAMERA_NAME.match(unicodedata.normalize("NFKC", alt).strip()):
        return f"替代文字“{alt.strip()}”是文件名或相机编号，没有说明图片的内容"
    if len(plain) < 2:
        return f"替代文字“{alt.strip()}”过短，没有说明图片的内容"
    return None


def inspect(path: Path, ext: str, pol: Policy) -> tuple[str | None, tuple[int, int] | None]:
    """(problem, (width, height) as shown, EXIF orientation applied) of an image file.
    Reads the header and decodes the pixels once, within the pixel limit."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            fmt, (w, h) = img.format, img.size
            if fmt != FORMATS.get(ext):
                return f"文件内容是 {fmt or '未知'} 格式，与扩展名 .{ext} 不符", None
            if w * h > pol.max_pixels:
                return f"图片为 {w}×{h} 像素，超过上限 {pol.max_pixels // 10000} 万像素", None
            img.load()                                    # a truncated or corrupt file fails here
            size = _oriented(img)
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        return f"无法识别为图片（{type(exc).__name__}）", None
    except (OSError, ValueError, SyntaxError) as exc:
        return f"图片文件已损坏或无法解码（{str(exc)[:80]}）", None
    return None, size


def _oriented(img) -> tuple[int, int]:
    w, h = img.size
    orientation = img.getexif().get(0x0112, 1)
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def sizes(width: int, height: int, pol: Policy) -> list[tuple[int, int]]:
    """(width, height) of every version: the policy's widths below the original, and the
    original width capped at the largest policy width (never upscaled)."""
    top = min(width, pol.widths[-1])
    widths = [w for w in pol.widths if w < top] + [top]
    return [(w, max(1, round(height * w / width))) for w in widths]


def version_name(name: str, width: int, ext: str) -> str:
    """photo.jpg at 960 px as WebP -> photo.960w.webp (beside the item, like attachments)."""
    pure = PurePosixPath(name)
    return str(pure.with_name(f"{pure.stem}.{width}w.{ext}"))


def described(item, root: Path) -> list[dict]:
    """The item's images for the theme: alt, caption, the largest version's size and
    each version's (URL-quoted) file names. Reads image headers only."""
    from PIL import Image

    out = []
    for entry in item.fields.get("images", []):
        name = entry["file"]
        try:
            with Image.open(item.path.parent / name) as img:
                width, height = _oriented(img)
        except Exception:  # noqa: BLE001 - a broken image refuses its item (rules/attachments.py)
            continue
        versions = [{"width": w, "height": h, **{ext: urllib.parse.quote(version_name(name, w, ext))
                                                  for ext, _ in ENCODINGS}}
                    for w, h in sizes(width, height, policy(root))]
        out.append({"file": name, "alt": entry.get("alt", ""), "caption": entry.get("caption", ""),
                    "width": versions[-1]["width"], "height": versions[-1]["height"], "versions": versions})
    return out


def encode(data: bytes, pol: Policy) -> dict[str, bytes]:
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
            version = base.resize((w, h), Image.LANCZOS) if (w, h) != base.size else base.copy()
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


def cached(data: bytes, pol: Policy, cache: Path | None) -> dict[str, bytes]:
    """The versions of an image, from the cache when these bytes and settings were encoded before."""
    if cache is None:
        return encode(data, pol)
    key = f"{hashlib.sha256(data).hexdigest()}-{pol.digest()}"
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


def publish(data: bytes, name: str, target: Path, pol: Policy, cache: Path | None) -> list[Path]:
    """Write the versions of one (already verified) image beside its item's page."""
    written = []
    for fname, blob in cached(data, pol, cache).items():
        width, ext = fname.split(".")
        dest = Path(target) / version_name(name, int(width), ext)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(blob)
        written.append(dest)
    return written
