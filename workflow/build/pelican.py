"""What the Pelican plugins share: the run of the build (its gate), the
metadata an item hands to the theme, and every use of Pelican beyond its
documented API, in one place (tests/test_pelican_glue.py fails loudly when a
Pelican upgrade moves one). Plugins stay thin adapters over this."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from markupsafe import Markup, escape

from workflow.build import interaction
from workflow.build.attachments import described
from workflow.errors import BuildError
from workflow.gate import run as runs
from workflow.gate.gate import Decision, Gate
from workflow.model import dates, images
from workflow.model.item_schema import TYPES


def run_of(settings) -> runs.Run:
    return runs.of(settings)


def gate_of(settings) -> Gate:
    return runs.of(settings).gate


def decision_of(content) -> Decision:
    return gate_of(content.settings).decide(Path(content.source_path))


def metadata_for(decision: Decision, site, run=None) -> dict:
    """Pelican metadata of an item; `govsite` carries everything the theme shows.
    `run` (workflow/gate/run.py): the build's day (a survey's phase) and image policy."""
    item = decision.item
    f = item.fields
    kind = f.get("type")
    today = (run.as_of if run is not None else dates.now()).date()
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
            "images": images.described(item, run.gate.checker.image_limits) if f.get("images") and run else [],
            "type_label": TYPES.get(kind or "", ""),
            **({"status": interaction.letter_status(f)} if kind == "letter" else {}),
            **({"phase": interaction.survey_phase(f, today)} if kind == "survey" else {}),
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


# -- running Pelican ------------------------------------------------------------------------

class _ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(record.getMessage())


def run_pelican(settings: dict, site_id: str, jinja_cache: Path | None = None) -> None:
    """Pelican over one site's settings. Its errors (logged, not raised) fail the build;
    its own summary line is silenced (`pelican.log.console`, not a documented setting:
    tests/test_pelican_glue.py checks it is there)."""
    from pelican import Pelican
    from pelican.log import console

    if jinja_cache:                     # compiled templates, shared by every site and build
        from jinja2 import FileSystemBytecodeCache
        jinja_cache.mkdir(parents=True, exist_ok=True)
        settings["JINJA_ENVIRONMENT"] = {**settings["JINJA_ENVIRONMENT"],
                                         "bytecode_cache": FileSystemBytecodeCache(str(jinja_cache))}
    errors = _ErrorLog()
    log = logging.getLogger("pelican")
    log.addHandler(errors)
    console.quiet = True                # one progress line per site is ours to print
    try:
        Pelican(settings).run()
    except Exception as exc:
        raise BuildError(f"网站 {site_id} 构建失败：{exc}") from exc
    finally:
        log.removeHandler(errors)
        console.quiet = False
    if errors.records:
        raise BuildError(f"网站 {site_id} 构建出错：" + "；".join(errors.records[:5]))
