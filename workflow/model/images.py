"""Images of items (图片新闻, 专题横幅): `images: [{file, alt, caption}]` in front matter.

An image is a listed file like an attachment (workflow/model/files.py): the same
path checks, its bytes covered by every approval, its copy checked against the
approved hash. Here: what the rules ask of an image beyond that (a real image of its
type within the pixel limit, alt text that says what it shows) and the sizes of the
versions the build writes (workflow/build/images.py). The policy (types, limits,
widths, meaningless alt texts) is workflow/policy/limits.py's ImagePolicy.
"""
from __future__ import annotations

import re
import unicodedata
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PIL.Image import Image

    from workflow.model.items import Item


class Policy(Protocol):
    """What the checks read of the city's image policy (workflow/policy/limits.py ImagePolicy)."""

    @property
    def max_pixels(self) -> int: ...

    @property
    def widths(self) -> tuple[int, ...]: ...

    @property
    def meaningless(self) -> tuple[str, ...]: ...

FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
ENCODINGS = (("webp", "WEBP"), ("jpg", "JPEG"))     # what the page offers, best first
_CAMERA_NAME = re.compile(r"^(img|image|dsc|dscn|dcim|photo|pic|p|mmexport|wx_camera|微信图片)?[\s_\-.]*\d[\d\s_\-.]*$", re.I)
_PUNCT = re.compile(r"[\s\W_]+", re.U)


def _plain(text: str) -> str:
    """Compared without spaces, punctuation or accents, full-width letters folded, any
    case (ß = SS; ẖ upper-cases to H and a combining mark, so marks are dropped on both sides)."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).upper().casefold())
    return _PUNCT.sub("", "".join(c for c in folded if not unicodedata.combining(c)))


def alt_problem(alt: object, name: str, pol: Policy) -> str | None:
    """Why an alt text says nothing about the image (Chinese), or None when it does."""
    if not isinstance(alt, str) or not alt.strip():
        return "没有替代文字（alt）：看不见图片的读者（读屏软件）不知道图片的内容"
    plain = _plain(alt)
    stem = PurePosixPath(name).stem
    if plain in {_plain(a) for a in pol.meaningless}:
        return f"替代文字“{alt.strip()}”没有说明图片的内容"
    if plain in (_plain(name), _plain(stem)) or _CAMERA_NAME.match(unicodedata.normalize("NFKC", alt).strip()):
        return f"替代文字“{alt.strip()}”是文件名或相机编号，没有说明图片的内容"
    if len(plain) < 2:
        return f"替代文字“{alt.strip()}”过短，没有说明图片的内容"
    return None


def inspect(path: Path, ext: str, pol: Policy) -> tuple[str | None, tuple[int, int] | None]:
    """(problem, (width, height) as shown, EXIF orientation applied) of an image file.
    Reads the header, then decodes the pixels once, within the pixel limit."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            fmt, (w, h) = img.format, img.size
            if fmt != FORMATS.get(ext):
                return f"文件内容是 {fmt or '未知'} 格式，与扩展名 .{ext} 不符", None
            if w * h > pol.max_pixels:
                return f"图片为 {w}×{h} 像素，超过上限 {pol.max_pixels // 10000} 万像素", None
            img.load()                                    # a truncated or corrupt file fails here
            size = oriented(img)
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        return f"无法识别为图片（{type(exc).__name__}）", None
    except (OSError, ValueError, SyntaxError) as exc:
        return f"图片文件已损坏或无法解码（{str(exc)[:80]}）", None
    return None, size


def oriented(img: Image) -> tuple[int, int]:
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


def described(item: Item, pol: Policy) -> list[dict[str, Any]]:
    """The item's images for the theme: alt, caption, the largest version's size and
    each version's (URL-quoted) file names. Reads image headers only."""
    from PIL import Image

    out = []
    for entry in item.fields.get("images", []):
        name = entry["file"]
        try:
            with Image.open(item.path.parent / name) as img:
                width, height = oriented(img)
        except Exception:   # a broken image refuses its item (rules/attachments.py)
            continue
        versions = [{"width": w, "height": h, **{ext: urllib.parse.quote(version_name(name, w, ext))
                                                  for ext, _ in ENCODINGS}}
                    for w, h in sizes(width, height, pol)]
        out.append({"file": name, "alt": entry.get("alt", ""), "caption": entry.get("caption", ""),
                    "width": versions[-1]["width"], "height": versions[-1]["height"], "versions": versions})
    return out
