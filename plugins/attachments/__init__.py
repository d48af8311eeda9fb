"""Attachments are published at <column>/<slug>/<file>, only for published
items: a refused or withdrawn item's files never reach the output, and each
copy must have the bytes its approvals cover."""
from pelican import signals

from workflow.build import attachments
from workflow.build.pelican import decision_of


def copy_attachments(generator, writer):
    for article in generator.articles:          # published items only (the gate ran)
        decision = decision_of(article)
        if decision.published:
            attachments.publish(decision.item, generator.output_path, decision.files)


def register():
    signals.article_writer_finalized.connect(copy_attachments)
