"""Rules on where an item lives and what its front matter says."""
from __future__ import annotations

from workflow.model.findings import ERROR, Finding
from workflow.model.item_schema import DEFAULT_TYPE, schema_for
from workflow.model.items import SLUG_RE
from workflow.model.schema import BODY_PLACEHOLDER, MARKUP, PLACEHOLDERS, Context, is_blank, strings, validate


def location(item, ctx):
    """content/<site>/<column>/<slug>.md, site and column known, ASCII slug."""
    site = ctx.site(item)
    if site is None:
        yield Finding("schema.location", ERROR, item.relpath, None,
                      "文件不在任何网站目录下",
                      None, f"放到 content/<网站标识>/<栏目标识>/ 下，网站标识：{', '.join(ctx.group.sites)}")
        return
    parts = item.relpath.split("/")
    if len(parts) != 4 or item.column not in site.columns:
        yield Finding("schema.location", ERROR, item.relpath, None,
                      f"文件不在网站“{site.name}”的栏目目录下",
                      None, f"放到 content/{site.id}/<栏目标识>/ 下，栏目标识：{', '.join(site.columns)}")
        return
    if not SLUG_RE.match(item.slug):
        from pypinyin import lazy_pinyin  # 0.15 s to import: only for a bad file name

        suggestion = "-".join(lazy_pinyin(item.slug, errors="ignore")).lower() or "xinxi"
        yield Finding("schema.slug", ERROR, item.relpath, None,
                      f"文件名“{item.path.name}”不是稳定的英文网址名（只能用小写字母、数字、- 和 _）",
                      None, f"改名为例如 {suggestion}.md（网址由文件名决定，发布后不再改动）")


def fields(item, ctx):
    """Validate the front matter against the schema of the item's type."""
    site = ctx.site(item)
    column = site.columns[item.column]
    meta = item.meta
    item_type = meta.get("type") if isinstance(meta.get("type"), str) else None
    item_type = item_type or DEFAULT_TYPE[column.type]
    sc = Context(item.relpath, "schema", item.lines, raw=item.raw_values)
    item.fields = validate(meta, schema_for(item_type), sc)
    item.fields.setdefault("type", item_type)
    yield from sc.findings
    author = item.fields.get("author")
    editors = site.data.get("editors") or {}
    if author and editors and author not in editors:
        yield Finding("author.unknown", "warning", item.relpath, item.line_of("author"),
                      f"发布人 {author} 不在网站“{site.name}”的编辑名单中", "author",
                      f"在 content/{site.id}/site.yaml 的 editors 中登记，或改为：{', '.join(editors)}")


SIGNED = {"approvals", "withdrawal"}


def markup_in_fields(item, ctx):
    """Fields are text: a tag or an entity in one is refused (the site would show it as
    text, but it is an attempt to shape the page, or a paste from a web page)."""
    for key, value in item.fields.items():
        if key in SIGNED:
            continue
        for name, text in strings(value, key):
            m = MARKUP.search(text)
            if m:
                yield Finding("html.in-field", ERROR, item.relpath, item.line_of(key),
                              f"字段 {name} 含有 HTML 标记“{text[m.start():m.start() + 30]}”：字段只能是纯文本",
                              name, "删除标签和实体，只写文字；书名号请用《》，大于小于请用“大于”“小于”或全角＜＞")
                break


def confidentiality(item, ctx):
    """第十六条: information is published only after the confidentiality review."""
    if item.fields.get("confidentiality") == "pending":
        yield Finding("confidentiality.pending", ERROR, item.relpath, item.line_of("confidentiality"),
                      "保密审查尚未完成（pending），未经保密审查的信息不得上网", "confidentiality",
                      "保密审查通过后改为 `confidentiality: passed`，再请审核人重新审核签名")


def placeholders(item, ctx):
    """What `govsite new` wrote to be replaced is never published: a field whose value
    still holds （待填写） (a field left as just that is already schema.missing) and the
    body's （在此填写正文）."""
    for key, value in item.meta.items():
        if key in SIGNED:
            continue
        for name, text in strings(value, key):
            if not is_blank(text) and any(p in text for p in PLACEHOLDERS):
                yield Finding("placeholder.field", ERROR, item.relpath, item.line_of(key),
                              f"字段 {name} 还留有 govsite new 写入的“待填写”：{text[:40]!r}", name,
                              "把“（待填写）”换成实际内容")
                break
    pos = item.body.find(BODY_PLACEHOLDER)
    if pos >= 0:
        yield Finding("placeholder.body", ERROR, item.relpath, item.body_line + item.body.count("\n", 0, pos),
                      f"正文还是 govsite new 写入的占位文字“{BODY_PLACEHOLDER}”", "body",
                      f"删去“{BODY_PLACEHOLDER}”，写上正文")
