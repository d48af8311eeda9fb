"""What the Pelican plugins share: the gate of the running build, and the
metadata an item hands to the theme. Plugins stay thin adapters over this."""
from __future__ import annotations

import datetime as dt
from markupsafe import Markup, escape
from pathlib import Path

from . import attachments, dates, images, interaction
from .item_schema import TYPES
from .gate import Decision, Gate, gate_for


def gate_of(settings) -> Gate:
    as_of = settings.get("GOVSITE_AS_OF")
    return gate_for(Path(settings["GOVSITE_ROOT"]), dates.parse_datetime(as_of) if as_of else None)


def decision_of(content) -> Decision:
    return gate_of(content.settings).decide(Path(content.source_path))


def metadata_for(decision: Decision, site, as_of: dt.datetime | None = None) -> dict:
    """Pelican metadata of an item; `govsite` carries everything the theme shows."""
    item = decision.item
    f = item.fields
    kind = f.get("type")
    approvals = [{"level": lv, "by": decision.approvals[lv], "name": site.reviewer_name(decision.approvals[lv])}
                 for lv in site.review_levels if lv in decision.approvals]
    return {
        "title": f.get("title") or item.slug,
        "date": f.get("date") or dt.datetime(1970, 1, 1, tzinfo=dates.TZ),
        "slug": item.slug,
        "summary": Markup(escape(f.get("summary", ""))),
        **({"modified": f["modified"]} if "modified" in f else {}),
        "govsite": {
            **f,
            "attachments": attachments.described(item),
            "images": images.described(item, site.dir.parent.parent) if f.get("images") else [],
            "type_label": TYPES.get(kind, ""),
            **({"status": interaction.letter_status(f)} if kind == "letter" else {}),
            **({"phase": interaction.survey_phase(f, (as_of or dates.now()).date())} if kind == "survey" else {}),
            "state": decision.state.value,
            "path": item.relpath,
            "column": item.column,
            "author_name": site.editor_name(f.get("author", "")),
            "approvals": approvals,
            "warnings": [x.to_dict() for x in decision.findings],
        },
    }


def write_unlisted(generator, save_as: str, template: str, **extra) -> None:
    """Write a page no sitemap lists (Pelican's writer would announce it to the
    sitemap plugin): withdrawal notices, syndicated copies."""
    context = {**generator.context, **extra, "output_file": save_as}
    html = generator.get_template(template).render(context)
    path = Path(generator.output_path) / save_as
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
