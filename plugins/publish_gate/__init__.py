"""The gate inside the build: refused items are removed before taxonomy, so
they appear in no list, category, feed, sitemap or index. Decisions come from
the rule set (workflow.gate), the same code `govsite check` runs."""
from pelican import signals

from workflow.build.pelican import decision_of

_LISTS = ("articles", "translations", "drafts", "drafts_translations",
          "hidden_articles", "hidden_translations")


def drop_unpublished(generator):
    for name in _LISTS:
        if hasattr(generator, name):
            setattr(generator, name, [a for a in getattr(generator, name) if decision_of(a).published])


def register():
    signals.article_generator_pretaxonomy.connect(drop_unpublished)
