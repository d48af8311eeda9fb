"""The city's tunable limits: which attachments may be published and how large
(attachments.yaml), and the deadlines and freshness thresholds (deadlines.yaml).
Each is read through the one policy loader (policy/data.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workflow.model.schema import Field, FieldOptions
from workflow.policy import data

ATTACHMENTS = {
    "extensions": Field("允许发布的附件类型", kind="list", required=True, item=Field("扩展名"), example="[pdf, docx]"),
    "max_mb": Field("单个附件大小上限（MB）", kind="number", required=True, example="20"),
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
