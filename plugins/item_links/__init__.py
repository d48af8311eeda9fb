"""上一篇 / 下一篇 within the column and related items (same topic, then same
column) of every item page: a few links per item, worked out once per site."""
from pelican import signals

RELATED = 5


def link_items(generator):
    by_tag: dict[str, list] = {}
    for article in generator.articles:                  # newest first
        for tag in article.govsite.get("tags", []):
            by_tag.setdefault(tag, []).append(article)
    for _, articles in generator.categories:
        ordered = sorted(articles, key=lambda a: a.date, reverse=True)
        for i, article in enumerate(ordered):
            g = article.govsite
            g["newer"] = ordered[i - 1] if i else None                  # 上一篇
            g["older"] = ordered[i + 1] if i + 1 < len(ordered) else None   # 下一篇
            near = {id(article), id(g["newer"]), id(g["older"])}
            related = []
            for candidate in [a for t in g.get("tags", []) for a in by_tag[t][:RELATED + 3]] + ordered[:RELATED + 3]:
                if id(candidate) not in near:
                    near.add(id(candidate))
                    related.append(candidate)
            g["related"] = related[:RELATED]


def register():
    signals.article_generator_finalized.connect(link_items)
