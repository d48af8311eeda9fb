"""Every column of site.yaml gets its page, in site.yaml order, even when empty."""
from pelican import signals

from workflow.build.pelican import new_category, set_categories


def all_columns(generator):
    columns = generator.settings["GOVSITE"]["columns"]
    have = dict(generator.categories)
    by_slug = {c.slug: (c, arts) for c, arts in have.items()}
    ordered = []
    for col in columns:
        if col["id"] in by_slug:
            ordered.append(by_slug[col["id"]])
        else:
            ordered.append((new_category(col["id"], generator.settings), []))
    set_categories(generator, ordered)


def register():
    signals.article_generator_finalized.connect(all_columns)
