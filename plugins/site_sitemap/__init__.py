"""sitemap.xml of the site: its home page, every column (first page), every
published item and topic page, and the directory and HTML sitemap. Each URL's
<lastmod> is the newest date of what it shows, so the file depends only on the
site's content (an unchanged site keeps the same sitemap). Not listed: error
pages, search, later pages of a column, withdrawal notices, syndicated copies
(they point to their originals)."""
from pelican import signals


def _moment(entry):
    return getattr(entry, "modified", None) or entry.date


def write_sitemap(generator, writer):
    ctx, settings = generator.context, generator.settings
    merged = ctx.get("merged_columns", {})
    urls: dict[str, object] = {}
    newest = None
    for category, articles in generator.categories:
        listed = merged.get(category.slug) or articles
        when = max((_moment(a) for a in listed), default=None)
        urls[category.url] = when
        newest = max(filter(None, (newest, when)), default=None)
    for article in generator.articles:
        urls[article.url] = _moment(article)
    for topic in ctx.get("topics", []):
        urls[topic.url] = max((e.date for e in topic.entries), default=None)
    for page in ("", settings["DIRECTORY_SAVE_AS"], settings["SITEMAP_HTML_SAVE_AS"]):
        urls[page] = newest
    entries = [{"loc": f"{settings['SITEURL']}/{url}", "lastmod": when.isoformat() if when else None}
               for url, when in sorted(urls.items())]
    writer.write_file("sitemap.xml", generator.get_template("sitemap_xml"), ctx, relative_urls=False,
                      sitemap_urls=entries)


def register():
    signals.article_writer_finalized.connect(write_sitemap)
