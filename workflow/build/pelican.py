"""What the Pelican plugins share: the run of the build (its gate), the
metadata an item hands to the theme, and every use of Pelican beyond its
documented API, in one place (tests/test_pelican_glue.py fails loudly when a
Pelican upgrade moves one). Plugins stay thin adapters over this."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from markupsafe import Markup, escape

from workflow.build import interaction
from workflow.build.attachments import described
from workflow.errors import BuildError
from workflow.gate import run as runs
from workflow.gate.gate import Decision, Gate
from workflow.model import dates, images
from workflow.model.item_schema import TYPES


def run_of(settings) -> runs.Run:
    return runs.of(settings)


def gate_of(settings) -> Gate:
    return runs.of(settings).gate


def decision_of(content) -> Decision:
    """The decision behind a page: its item's bytes and fields, not its front matter
    (workflow/model/items.restore)."""
    return gate_of(content.settings).decide(Path(content.source_path), front_matter=False)


def metadata_for(decision: Decision, site, run=None) -> dict:
    """Pelican metadata of an item; `govsite` carries everything the theme shows.
    `run` (workflow/gate/run.py): the build's day (a survey's phase) and image policy."""
    item = decision.item
    f = item.fields
    kind = f.get("type")
    today = (run.as_of if run is not None else dates.now()).date()
    approvals = [{"level": lv, "by": decision.approvals[lv], "name": site.reviewer_name(decision.approvals[lv])}
                 for lv in site.review_levels if lv in decision.approvals]
    return {
        "title": f.get("title") or item.slug,
        "date": f.get("date") or dt.datetime(1970, 1, 1, tzinfo=dates.TZ),
        "slug": item.slug,
        "summary": Markup(escape(f.get("summary", ""))),
        **({"modified": f["modified"]} if "modified" in f else {}),
        "govsite": {
            **f,
            "attachments": described(item),
            "images": images.described(item, run.gate.checker.image_limits) if f.get("images") and run else [],
            "type_label": TYPES.get(kind or "", ""),
            **({"status": interaction.letter_status(f)} if kind == "letter" else {}),
            **({"phase": interaction.survey_phase(f, today)} if kind == "survey" else {}),
            "state": decision.state.value,
            "pending": list(decision.pending),      # review preview: the levels it awaits
            "path": item.relpath,
            "column": item.column,
            "author_name": site.editor_name(f.get("author", "")),
            "approvals": approvals,
            "warnings": [x.to_dict() for x in decision.findings],
        },
    }


def write_page(generator, writer, save_as: str, template: str, **extra) -> None:
    """A page of our own (withdrawal notice, syndicated copy) through Pelican's Writer,
    which refuses to write a file twice: a page that would land on one Pelican wrote
    fails the build instead of silently replacing it."""
    writer.write_file(save_as, generator.get_template(template), generator.context,
                      generator.settings["RELATIVE_URLS"], **extra)


def write_paginated(generator, writer, save_as: str, url: str, template: str, articles: list, **extra) -> None:
    """A list page of ours paginated like Pelican's own (PAGINATED_TEMPLATES), replacing
    the pages Pelican wrote at the same addresses (override_output)."""
    writer.write_file(save_as, generator.get_template(template), generator.context,
                      generator.settings["RELATIVE_URLS"], paginated={"articles": articles},
                      template_name=template, override_output=True, url=url, articles=articles, **extra)


class FeedEntry:
    """An entry of a feed that is not a Pelican article (a syndicated item), with what
    Writer.write_feed reads of an article (title, url, date, summary, author,
    get_content; tests/test_pelican_glue.py checks the list)."""

    def __init__(self, title: str, url: str, date, summary: str, author: str, content: str | None):
        self.title, self.url, self.date, self.summary, self.author = title, url, date, summary, author
        self._content = content if content is not None else summary

    def get_content(self, siteurl):
        return self._content


def write_feed(writer, context: dict, entries: list, path: str, title: str) -> None:
    """An Atom feed of Pelican articles and FeedEntry objects, by Pelican's Writer."""
    writer.write_feed(entries, context, path, path, feed_title=title)


# Every list of an articles generator that can hold an article (Pelican's attributes,
# not a documented API: the glue test checks a real generator has each of them).
ARTICLE_LISTS = ("articles", "translations", "drafts", "drafts_translations",
                 "hidden_articles", "hidden_translations")


def set_categories(generator, ordered: list) -> None:
    """The columns a site lists, in order, as (Category, articles) pairs: where Pelican's
    category pages and its templates' `categories` read them."""
    generator.categories = ordered
    generator.context["categories"] = ordered


def new_category(name: str, settings):
    from pelican.urlwrappers import Category

    return Category(name, settings)


def keep_articles(generator, keep) -> None:
    """Drop from every list of the generator the articles `keep` refuses."""
    for name in ARTICLE_LISTS:
        setattr(generator, name, [a for a in getattr(generator, name) if keep(a)])


# -- running Pelican ------------------------------------------------------------------------

class _ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(record.getMessage())


def load() -> None:
    """Import Pelican and the theme's filters in this process, before it forks one
    process per site: each imported them again (0.14 CPU s a site here; 20 sites: 2.8 s
    of a cold build, 200 sites: 28 s). Not the group's plugins: Pelican imports and
    registers those in each site's run (their signals are connected per run)."""
    import pelican.settings  # noqa: F401  (pelican/__init__ imports its generators, readers, writers)

    from workflow.build import themefilters  # noqa: F401


PAGE_LISTS = ("pages", "translations", "hidden_pages", "hidden_translations",
              "draft_pages", "draft_translations")


def fix_urls(generators) -> None:
    """Pelican works out a page's url from its metadata on every read (copying the
    metadata, two abspaths and a relpath: 7 % of rendering an item page, read a dozen
    times a page by lists, links and the sitemap). Nothing it reads changes once every
    generator has its context, so each page keeps the url it has then, as Pelican's own
    `override_url` (never `override_save_as`: that would let a page overwrite another)."""
    for generator in generators:
        for name in ARTICLE_LISTS + PAGE_LISTS:
            for content in getattr(generator, name, ()):
                if not hasattr(content, "override_url"):
                    content.override_url = content.url


def run_pelican(settings: dict, site_id: str, jinja_cache: Path | None = None, written=None) -> None:
    """Pelican over one site's settings. Its errors (logged, not raised) fail the build;
    its own summary line is silenced (`pelican.log.console`, not a documented setting:
    tests/test_pelican_glue.py checks it is there). `written(path)` is called after each
    page is written (Pelican's content_written signal), for this run only."""
    from pelican import Pelican, signals
    from pelican.log import console

    if jinja_cache:                     # compiled templates, shared by every site and build
        from jinja2 import FileSystemBytecodeCache
        jinja_cache.mkdir(parents=True, exist_ok=True)
        settings["JINJA_ENVIRONMENT"] = {**settings["JINJA_ENVIRONMENT"],
                                         "bytecode_cache": FileSystemBytecodeCache(str(jinja_cache))}
    errors = _ErrorLog()
    log = logging.getLogger("pelican")
    log.addHandler(errors)
    console.quiet = True                # one progress line per site is ours to print

    def receiver(path, context=None):
        written(path)

    if written:
        signals.content_written.connect(receiver)
    signals.all_generators_finalized.connect(fix_urls)
    try:
        Pelican(settings).run()
    except BuildError:
        raise
    except Exception as exc:
        raise BuildError(f"网站 {site_id} 构建失败：{exc}") from exc
    finally:
        if written:
            signals.content_written.disconnect(receiver)
        signals.all_generators_finalized.disconnect(fix_urls)
        log.removeHandler(errors)
        console.quiet = False
    if errors.records:
        raise BuildError(f"网站 {site_id} 构建出错：" + "；".join(errors.records[:5]))
