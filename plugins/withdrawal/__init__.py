"""A withdrawn item (复查撤除) leaves every list through the gate; with mode
`notice` its address then serves a notice page (withdrawn on, reason) instead
of a 404. Mode `gone` writes nothing: the nginx configuration answers 410."""
from pelican import signals

from workflow.build.pelican import run_of, write_page
from workflow.review.permissions import State


def write_notices(generator, writer):
    settings = generator.settings
    site_id = settings["GOVSITE"]["id"]
    for d in run_of(settings).own(site_id):
        item = d.item
        if d.state != State.WITHDRAWN or d.withdrawal["mode"] != "notice":
            continue
        save_as = f"{item.column}/{item.slug}.html"
        write_page(generator, writer, save_as, "withdrawn",
                   withdrawn={"title": item.fields.get("title") or item.slug, "column": item.column,
                              **d.withdrawal})


def register():
    signals.article_writer_finalized.connect(write_notices)
