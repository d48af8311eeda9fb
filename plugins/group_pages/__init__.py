"""Pages of the site group: items syndicated to this site (网上采集), the
portal's topic pages (栏目共建), and which 解读 interpret which policy. The lists come from the decisions
the site shows (its own and those lent to it: workflow/build/lending.py); this plugin only puts
them in the template context and writes the pages."""
from html import escape

from pelican import signals

from workflow.build import interpretation, supersession, syndication, topics
from workflow.build.pelican import FeedEntry, decision_of, gate_of, run_of, write_feed, write_page, write_paginated
from workflow.model import render


def add_context(generator):
    settings = generator.settings
    mode, site_id = settings["GOVSITE_URL_MODE"], settings["GOVSITE"]["id"]
    run = run_of(settings)
    group, decisions = run.group, run.shown(site_id)
    ctx = generator.context
    ctx["syndicated"] = syndicated = syndication.entries_for(site_id, decisions, group, mode)
    # A receiving column lists its own items and the syndicated ones, newest first.
    ctx["merged_columns"] = {
        column: sorted([syndication.entry(decision_of(a), group, mode, column)
                        for a in generator.articles if a.category.slug == column] + entries,
                       key=lambda e: e.date, reverse=True)
        for column, entries in syndicated.items()}
    ctx["topics"] = topics.topics(group, decisions, mode) if site_id == group.portal.id else []
    ctx["topic_by_intro"] = {t.intro: t for t in ctx["topics"] if t.intro}
    ctx["interpretations"], ctx["interpreted"] = interpretation.relations(group, decisions, mode)
    ctx["supersedes"], ctx["superseded"] = supersession.relations(group, decisions, mode)


def write_feeds(generator, writer, copies: dict):
    """Every column's Atom feed, titled with its name, lists what its page lists: its
    own items and those syndicated to it, newest first. A syndicated entry links where
    the column page links; its body only when the receiver republishes it (copy)."""
    ctx, settings = generator.context, generator.settings
    names = settings["GOVSITE"]["columns_by_id"]
    pattern = settings["GOVSITE_COLUMN_FEED_ATOM"]
    for category, own in generator.categories:
        column = category.slug
        received = [FeedEntry(e.title, f"{e.column}/{e.slug}.html" if e.copy else e.url, e.date,
                              escape(e.summary), e.author_name, copies.get((column, e.slug)))
                    for e in ctx["syndicated"].get(column, [])]
        entries = sorted(list(own) + received, key=lambda x: x.date, reverse=True)
        write_feed(writer, ctx, entries, pattern.format(slug=column), names[column]["name"])


def copy_bodies(generator) -> dict[tuple[str, str], str]:
    """(column, slug) -> the HTML body of each item this site republishes (copy: true),
    for its copy page and its column's feed."""
    checker = gate_of(generator.settings).checker
    return {(column, e.slug): render.to_html(checker.load(e.decision.item.path).body)  # cached decisions drop bodies
            for column, entries in generator.context["syndicated"].items() for e in entries if e.copy}


def write_pages(generator, writer):
    ctx, settings = generator.context, generator.settings
    copies = copy_bodies(generator)
    write_feeds(generator, writer, copies)
    relative = settings["RELATIVE_URLS"]
    for topic in ctx["topics"]:
        writer.write_file(topic.url, generator.get_template("topic"), ctx, relative,
                          topic=topic, url=topic.url)
        for section in topic.sections:         # sub-columns: in the sitemap like the topic
            writer.write_file(section.url, generator.get_template("topic_section"), ctx, relative,
                              topic=topic, section=section, url=section.url)
    for column, entries in ctx["syndicated"].items():
        for e in entries:
            if e.copy:
                # A copy points to its original (rel=canonical) and stays out of the sitemap.
                write_page(generator, writer, f"{column}/{e.slug}.html", "syndicated", entry=e,
                               body=copies[(column, e.slug)])
    write_merged_columns(generator, writer)


def write_merged_columns(generator, writer):
    """A receiving column's pages list its own and the syndicated items together,
    paginated like any column. Pelican wrote the column's pages from its own items
    (the template leaves them empty); these replace them, page for page, and add
    the pages the syndicated items need."""
    for category, _ in generator.categories:
        merged = generator.context["merged_columns"].get(category.slug)
        if merged is not None:
            write_paginated(generator, writer, category.save_as, category.url, "category", merged,
                            category=category, merged=True)


def register():
    signals.article_generator_finalized.connect(add_context)
    signals.article_writer_finalized.connect(write_pages)
