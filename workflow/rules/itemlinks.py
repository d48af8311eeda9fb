"""Links between items (workflow/model/itemlinks.py): every .md, {filename} and item-page
link of the body names an item that exists, reported at the .md line."""
from __future__ import annotations

import urllib.parse

from workflow.model import html as tags
from workflow.model import itemlinks
from workflow.model.findings import ERROR, Finding
from workflow.rules.links import _may_link, cmark_urls, line_of, parsed

FIX = ("链接到另一条信息时写它的文件：同一网站 ../栏目/文件名.md，其他网站 ../../网站/栏目/文件名.md"
       "（构建时换成该信息的网址）；请核对文件名")


def check(item, ctx):
    if not _may_link(item.body) or ctx.site(item) is None:
        return
    targets = []
    urls = cmark_urls(item, ctx)
    if urls is not None and all(itemlinks.resolve(u, item.relpath, ctx.group) is None for u in urls):
        item.links = ()         # no link to judge: its HTML need not be parsed (most bodies)
        return
    for found in tags.urls_in(parsed(item, ctx).elements):
        target = itemlinks.resolve(found.url, item.relpath, ctx.group)
        if target is None:
            continue
        line = line_of(item, found.url, found.text)
        shown = urllib.parse.unquote(found.url)[:120]
        if target.problem:
            yield Finding("link.internal", ERROR, item.relpath, line,
                          f"站内链接 {shown!r} 无效：{target.problem}", "body", FIX)
            continue
        targets.append(target.relpath)
        if not (ctx.group.root / target.relpath).is_file():
            yield Finding("link.internal", ERROR, item.relpath, line,
                          f"站内链接 {shown!r} 指向的信息 {target.relpath} 不存在", "body", FIX)
    item.links = tuple(dict.fromkeys(targets))     # what its decision depends on besides itself (Gate.inputs)
