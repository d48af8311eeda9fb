"""The gate inside the build: refused items are removed before taxonomy, so
they appear in no list, category, feed, sitemap or index. Decisions come from
the rule set (workflow.gate), the same code `govsite check` runs."""
from pelican import signals

from workflow.build.pelican import decision_of, keep_articles


def drop_unpublished(generator):
    keep_articles(generator, lambda a: decision_of(a).published)


def register():
    signals.article_generator_pretaxonomy.connect(drop_unpublished)
