"""有效性: `superseded_by` names a policy document of the group that is not the item
itself, and only a document no longer in force (失效, 废止) is superseded."""
from __future__ import annotations

from workflow.model import relations
from workflow.model.findings import ERROR, WARNING, Finding

FIELD = "superseded_by"

FIX = "写成“栏目标识/文件名”（同一网站）或“网站标识/栏目标识/文件名”，不带 .md，例如 zcwj/nanfubanfa-2026-18-gaoxiao-banchen"


def superseded_by(item, ctx):
    f = item.fields
    value = f.get(FIELD)
    if value is None:
        return
    line = item.line_of(FIELD)
    found = relations.target(item, FIELD)
    if found is None:
        yield Finding("validity.invalid", ERROR, item.relpath, line, f"superseded_by“{value}”不是信息的位置",
                      "superseded_by", FIX)
        return
    site_id, column_id, slug = found
    site = ctx.group.sites.get(site_id)
    column = site.columns.get(column_id) if site else None
    if column is None or column.type != "政策文件":
        yield Finding("validity.target-missing", ERROR, item.relpath, line,
                      f"superseded_by 指向的“{site_id}/{column_id}”不是站群中的政策文件栏目", "superseded_by",
                      "替代本文件的应是政策文件栏目中的信息；" + FIX)
    elif (site_id, column_id, slug) == (item.site_id, item.column, item.slug):
        yield Finding("validity.invalid", ERROR, item.relpath, line, "文件不能被它自己替代", "superseded_by", FIX)
    elif not (site.dir / column_id / f"{slug}.md").is_file():
        yield Finding("validity.target-missing", ERROR, item.relpath, line,
                      f"找不到 superseded_by 指向的政策文件 content/{site_id}/{column_id}/{slug}.md", "superseded_by",
                      "核对文件名（区分大小写）；" + FIX)
    if f.get("validity") == "有效":
        yield Finding("validity.superseded-but-valid", WARNING, item.relpath, item.line_of("validity"),
                      "写了 superseded_by（已被替代），但有效性仍为“有效”", "validity",
                      "被替代的文件改为 `validity: 废止`（或 失效）")

