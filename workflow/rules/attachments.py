"""Rules on attachments: the file exists beside the item, of an allowed type
and size, and its path stays inside the item's folder."""
from __future__ import annotations

from workflow.model import files as attachments
from workflow.model.findings import ERROR, Finding


def check(item, ctx):
    entries = item.fields.get("attachments", [])
    if not entries:
        return
    lim = ctx.limits
    for i, att in enumerate(entries):
        for rule, message, fix in attachments.problems(att["file"], item.path.parent, lim):
            yield Finding(rule, ERROR, item.relpath, item.line_of("attachments"), message,
                          f"attachments[{i}].file", fix)
