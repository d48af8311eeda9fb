"""政策解读: `interprets` names a policy document of the group (workflow/build/interpretation.py)."""
from __future__ import annotations

from workflow.model import relations as interpretation
from workflow.model.findings import ERROR, Finding

FIX = "写成“栏目标识/文件名”（同一网站）或“网站标识/栏目标识/文件名”，不带 .md，例如 zcwj/nanfubanfa-2026-18-gaoxiao-banchen"


def interprets(item, ctx):
    f = item.fields
    value = f.get("interprets")
    if value is None:
        if "interpretation" in f:
            yield Finding("interpretation.target-missing", ERROR, item.relpath, item.line_of("interpretation"),
                          "写了解读形式（interpretation），但没有写明解读的是哪一份政策文件", "interprets",
                          "增加 `interprets: 栏目标识/文件名`，指向所解读的政策文件")
        return
    line = item.line_of("interprets")
    found = interpretation.target(item)
    if found is None:
        yield Finding("interpretation.invalid", ERROR, item.relpath, line,
                      f"interprets“{value}”不是信息的位置", "interprets", FIX)
        return
    site_id, column_id, slug = found
    site = ctx.group.sites.get(site_id)
    column = site.columns.get(column_id) if site else None
    if column is None:
        yield Finding("interpretation.target-missing", ERROR, item.relpath, line,
                      f"找不到 interprets 指向的栏目“{site_id}/{column_id}”", "interprets",
                      "核对网站标识和栏目标识；" + FIX)
    elif column.type != "政策文件":
        yield Finding("interpretation.not-policy", ERROR, item.relpath, line,
                      f"interprets 指向的“{column.name}”栏目不是政策文件栏目，政策解读应指向所解读的政策文件",
                      "interprets", "改为政策文件栏目中的信息")
    elif (site_id, column_id, slug) == (item.site_id, item.column, item.slug):
        yield Finding("interpretation.invalid", ERROR, item.relpath, line, "信息不能解读它自己", "interprets", FIX)
    elif not (site.dir / column_id / f"{slug}.md").is_file():
        yield Finding("interpretation.target-missing", ERROR, item.relpath, line,
                      f"找不到 interprets 指向的政策文件 content/{site_id}/{column_id}/{slug}.md", "interprets",
                      "核对文件名（区分大小写）；" + FIX)
