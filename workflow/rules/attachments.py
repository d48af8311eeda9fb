"""Rules on the files an item lists beside it: attachments and images exist beside
the item, of an allowed type and size, and their paths stay inside the item's
folder; an image is a real image of its type within the pixel limit, with alt
text that says what it shows."""
from __future__ import annotations

import re
from pathlib import PurePosixPath

from workflow.model import files as attachments
from workflow.model.findings import ERROR, Finding


def check(item, ctx):
    entries = item.fields.get("attachments", [])
    if not entries:
        return
    lim = ctx.limits
    for i, att in enumerate(entries):
        for rule, message, fix in attachments.problems(att["file"], item.path.parent, lim, "attachment"):
            yield Finding(rule, ERROR, item.relpath, item.line_of("attachments"), message,
                          f"attachments[{i}].file", fix)


def images(item, ctx):
    entries = item.fields.get("images", [])
    if not entries:
        return
    from workflow.model import images as img  # Pillow only for items with images

    pol = ctx.image_limits
    line = item.line_of("images")
    stems: dict[str, str] = {}
    others = set(attachments.listed(item))
    for i, entry in enumerate(entries):
        name = entry["file"]
        why = img.alt_problem(entry.get("alt"), name, pol)
        if why:
            yield Finding("image.alt", ERROR, item.relpath, line, f"图片“{name}”{why}", f"images[{i}].alt",
                          "写一句话说明图片内容，例如 `alt: 市政府常务会议现场`；不要写“图片”或文件名")
        found = attachments.problems(name, item.path.parent, pol, "image")
        for rule, message, fix in found:
            yield Finding(rule, ERROR, item.relpath, line, message, f"images[{i}].file", fix)
        if found:
            continue
        stem = str(PurePosixPath(name).with_suffix(""))
        version = re.compile(re.escape(stem) + r"\.\d+w\.(?:webp|jpg)")
        clash = stems.get(stem) or next((n for n in others if version.fullmatch(n)), None)
        if clash:
            yield Finding("image.name", ERROR, item.relpath, line,
                          f"图片“{name}”与“{clash}”重名（生成的网页图片 {stem}.宽度w.webp/.jpg 会互相覆盖）",
                          f"images[{i}].file", "给其中一个文件改个名字")
        stems.setdefault(stem, name)
        problem, _ = img.inspect(item.path.parent / name, PurePosixPath(name).suffix.lower().lstrip("."), pol)
        if problem:
            yield Finding("image.invalid", ERROR, item.relpath, line, f"图片“{name}”{problem}", f"images[{i}].file",
                          "用看图软件打开确认图片完好，另存为 JPG 或 PNG 后再上传")

