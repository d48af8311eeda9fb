"""The city's tunable limits: which attachments may be published and how large
(attachments.yaml), which images and how they are published (images.yaml), and the
deadlines and freshness thresholds (deadlines.yaml). Each is read through the one
policy loader (policy/data.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workflow.model.findings import ERROR, ConfigError, Finding
from workflow.model.schema import Field, FieldOptions
from workflow.policy import data

ATTACHMENTS = {
    "extensions": Field("允许发布的附件类型", kind="list", required=True, item=Field("扩展名"), example="[pdf, docx]"),
    "max_mb": Field("单个附件大小上限（MB）", kind="number", required=True, example="20"),
}

IMAGES = {
    "extensions": Field("允许的原图类型", kind="list", required=True, item=Field("扩展名"), example="[jpg, png]"),
    "max_mb": Field("单张原图大小上限（MB）", kind="number", required=True, example="10"),
    "max_pixels": Field("单张原图像素上限（宽×高）", kind="int", required=True, example="40000000"),
    "widths": Field("生成的宽度（像素）", kind="list", required=True, item=Field("宽度", kind="int"),
                    example="[480, 960, 1440]"),
    "quality": Field("WebP 和 JPEG 的压缩质量（1–95）", kind="int", required=True, example="80"),
    "meaningless_alt": Field("没有意义的替代文字", kind="list", item=Field("文字"), example="[图片, image]"),
}

_COUNT = FieldOptions(kind="int", required=True)
DEADLINES = {
    "disclosure_workdays": Field("信息公开期限（工作日，第十八条）", example="20", **_COUNT),
    "letter_reply_workdays": Field("留言答复期限（工作日，第二十四条）", example="7", **_COUNT),
    "letter_extension_workdays": Field("延期答复最长期限（工作日）", example="30", **_COUNT),
    "letter_response_months": Field("互动回应差的期限（月）", example="3", **_COUNT),
    "freshness": Field("栏目更新要求", kind="mapping", required=True, example="{home_days: 14, …}", fields={
        "home_days": Field("首页更新期限（天）", example="14", **_COUNT),
        "news_days": Field("要闻动态更新期限（天）", example="14", **_COUNT),
        "notice_months": Field("通知公告、政策文件更新期限（月）", example="6", **_COUNT),
        "news_types": Field("要闻动态类栏目", kind="list", required=True, item=Field("栏目类型"), example="[要闻, 动态]"),
        "notice_types": Field("通知公告类栏目", kind="list", required=True, item=Field("栏目类型"),
                              example="[通知公告, 政策文件]"),
        "stale_columns_veto": Field("不更新栏目单项否决数", example="5", **_COUNT),
        "empty_columns_veto": Field("空白栏目单项否决数", example="5", **_COUNT),
    }),
}


@dataclass(frozen=True)
class Limits:
    extensions: tuple[str, ...]
    max_bytes: int
    source: str                     # which file they came from, for messages


def attachments(root: Path | None) -> Limits:
    found, src = data.load(root, "attachments.yaml", ATTACHMENTS, "config.attachments")
    return Limits(tuple(str(e).lower().lstrip(".") for e in found["extensions"]),
                  int(float(found["max_mb"]) * 1024 * 1024), src.shown)


def deadlines(root: Path | None) -> dict:
    """The deadlines and freshness thresholds (numbers and lists, as the file gives them)."""
    return data.load(root, "deadlines.yaml", DEADLINES, "config.deadlines")[0]


@dataclass(frozen=True)
class ImagePolicy:
    extensions: tuple[str, ...]
    max_bytes: int
    max_pixels: int
    widths: tuple[int, ...]
    quality: int
    meaningless: tuple[str, ...]      # as written; workflow/model/images.py compares them folded
    source: str


def images(root: Path | None) -> ImagePolicy:
    """The image policy (workflow/data/images.yaml or the repository's policy/images.yaml)."""
    found, src = data.load(root, "images.yaml", IMAGES, "config.images")
    widths = tuple(sorted(set(found["widths"])))
    bad = [(name, why) for name, why in (
        ("widths", "每个宽度应在 16 到 8192 之间" if not widths or not all(16 <= w <= 8192 for w in widths) else None),
        ("quality", "应在 1 到 95 之间" if not 1 <= found["quality"] <= 95 else None),
        ("max_pixels", "应大于 0" if found["max_pixels"] <= 0 else None)) if why]
    if bad:
        raise ConfigError([Finding("config.images", ERROR, src.shown, None, f"{name} {why}", name,
                                   f"参照 workflow/data/images.yaml 填写 {name}") for name, why in bad])
    return ImagePolicy(tuple(str(e).lower().lstrip(".") for e in found["extensions"]),
                       int(float(found["max_mb"]) * 1024 * 1024), found["max_pixels"], widths, found["quality"],
                       tuple(str(a) for a in found.get("meaningless_alt") or []), src.shown)
