"""Pages of the site group: items syndicated to this site (网上采集), and the
portal's topic pages (栏目共建). The lists come from the gate's decisions of
the whole group (workflow.syndication, workflow.topics); this plugin only puts
them in the template context and writes the pages."""
from pelican import signals

from workflow import render, syndication, topics
from workflow.pelican_glue import decision_of, gate_of, write_unlisted


def add_context(generator):
    settings = generator.settings
    gate = gate_of(settings)
    group, decisions = gate.group, gate.decide_all()
    mode, site_id = settings["GOVSITE_URL_MODE"], settings["GOVSITE"]["id"]
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


def write_pages(generator, writer):
    ctx, settings = generator.context, generator.settings
    relative = settings["RELATIVE_URLS"]
    for topic in ctx["topics"]:
        writer.write_file(topic.url, generator.get_template("topic"), ctx, relative,
                          topic=topic, url=topic.url)
    checker = gate_of(settings).checker
    for column, entries in ctx["syndicated"].items():
        for e in entries:
            if e.copy:
                save_as = f"{column}/{e.slug}.html"
                body = checker.load(e.decision.item.path).body   # read again: cached decisions drop bodies
                # A copy points to its original (rel=canonical) and stays out of the sitemap.
                write_unlisted(generator, save_as, "syndicated", entry=e, body=render.to_html(body))


def register():
    signals.article_generator_finalized.connect(add_context)
    signals.article_writer_finalized.connect(write_pages)
