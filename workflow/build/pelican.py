"""What the Pelican plugins share: the gate of the running build, and the
metadata an item hands to the theme. Plugins stay thin adapters over this."""
from __future__ import annotations

import datetime as dt
from markupsafe import Markup, escape
from pathlib import Path

from workflow.build.attachments import described
from workflow.model import dates
from workflow.gate.gate import Decision, Gate, gate_for


def gate_of(settings) -> Gate:
    as_of = settings.get("GOVSITE_AS_OF")
    return gate_for(Path(settings["GOVSITE_ROOT"]), dates.parse_datetime(as_of) if as_of else None)


def decision_of(content) -> Decision:
    return gate_of(content.settings).decide(Path(content.source_path))


def metadata_for(decision: Decision, site) -> dict:
    """Pelican metadata of an item; `govsite` carries everything the theme shows."""
    item = decision.item
    f = item.fields
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
            "attachments": described(item),
            "state": decision.state.value,
            "pending": list(decision.pending),      # review preview: the levels it awaits
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
