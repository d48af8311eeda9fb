"""Attachments are published at <column>/<slug>/<file>, only for published
items: a refused or withdrawn item's files never reach the output, and each
copy must have the bytes its approvals cover. Images become their WebP/JPEG
versions there (workflow/build/images.py), cached in the build's cache folder."""
from pathlib import Path

from pelican import signals

from workflow.build import attachments
from workflow.build.pelican import decision_of, gate_of


def copy_attachments(generator, writer):
    cache = generator.settings.get("GOVSITE_IMAGE_CACHE")
    images = gate_of(generator.settings).checker.image_limits
    for article in generator.articles:          # published items only (the gate ran)
        decision = decision_of(article)
        if decision.published:
            attachments.publish(decision.item, generator.output_path, decision.files, images,
                                Path(cache) if cache else None)


def register():
    signals.article_writer_finalized.connect(copy_attachments)
