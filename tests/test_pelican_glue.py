"""Every use of Pelican beyond its plain plugin API lives in workflow/build/pelican.py.
These tests fail loudly, and by name, when a Pelican upgrade moves one of them: each
checks the Pelican part itself, on a real Pelican run where it needs one."""
import contextlib
import datetime
import inspect
import weakref
import xml.etree.ElementTree as ET
from pathlib import Path

import blinker
import pytest
from pelican import signals
from pelican.generators import ArticlesGenerator
from pelican.readers import MarkdownReader
from pelican.writers import Writer

from workflow.build import pelican as glue
from workflow.errors import BuildError

SIGNALS = ("initialized", "readers_init", "article_generator_pretaxonomy", "article_generator_finalized",
           "article_writer_finalized", "finalized")


def test_the_signals_the_plugins_connect_to_exist():
    missing = [name for name in SIGNALS if not hasattr(signals, name)]
    assert not missing, f"Pelican no longer has the signals {missing}: plugins/ must connect elsewhere"


def test_the_plugins_use_no_other_signal():
    used = set()
    for path in Path(__file__).resolve().parents[1].joinpath("plugins").glob("*/__init__.py"):
        used |= {line.split("signals.")[1].split(".")[0] for line in path.read_text(encoding="utf-8").splitlines()
                 if "signals." in line and ".connect(" in line}
    assert used <= set(SIGNALS), f"add {used - set(SIGNALS)} to SIGNALS above"


def test_the_writer_takes_what_the_glue_passes():
    params = inspect.signature(Writer.write_file).parameters
    for name in ("name", "template", "context", "relative_urls", "paginated", "template_name",
                 "override_output", "url"):
        assert name in params, f"Writer.write_file lost `{name}` (workflow/build/pelican.py passes it)"
    assert any(p.kind is p.VAR_KEYWORD for p in params.values()), "Writer.write_file no longer takes **kwargs"
    feed = inspect.signature(Writer.write_feed).parameters
    assert {"elements", "context", "path", "url", "feed_title"} <= set(feed)


def test_the_quiet_switch_of_pelicans_console_exists():
    from pelican.log import console

    assert hasattr(console, "quiet"), "pelican.log.console.quiet is gone: run_pelican silences Pelican by it"


@contextlib.contextmanager
def bare_pelican():
    """Pelican's signals are process-wide: builds earlier in this test process left our
    plugins connected. A bare Pelican run disconnects them, and connects them again after."""
    taken = []
    for sig in vars(signals).values():
        if isinstance(sig, blinker.Signal):
            for ref in list(sig.receivers.values()):
                receiver = ref() if isinstance(ref, weakref.ref) else ref
                if receiver is not None:
                    sig.disconnect(receiver)
                    taken.append((sig, receiver))
    try:
        yield
    finally:
        for sig, receiver in taken:
            sig.connect(receiver)


@pytest.fixture
def site(tmp_path):
    """A bare Pelican site of two articles (no govsite plugins), run once."""
    from pelican.settings import read_settings

    content = tmp_path / "content"
    content.mkdir()
    for n in (1, 2):
        (content / f"a{n}.md").write_text(f"Title: 文章{n}\nDate: 2026-11-0{n} 10:00\nCategory: col\n\n正文{n}。\n",
                                          encoding="utf-8")
    settings = read_settings(override={
        "PATH": str(content), "OUTPUT_PATH": str(tmp_path / "out"), "PLUGINS": [], "SITEURL": "https://x.example.cn",
        "TIMEZONE": "Asia/Shanghai", "DEFAULT_PAGINATION": 1, "FEED_ALL_ATOM": None, "CATEGORY_FEED_ATOM": None,
        "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False,
        "READERS": {"md": MarkdownReader}})     # not our reader, though this process has loaded it
    generators = {}

    def keep(generator):
        generators["articles"] = generator

    with bare_pelican():
        signals.article_generator_finalized.connect(keep)
        glue.run_pelican(settings, "glue")
        signals.article_generator_finalized.disconnect(keep)
    return generators["articles"], tmp_path / "out"


def test_every_article_list_the_gate_filters_is_on_a_real_generator(site):
    generator, _ = site
    assert isinstance(generator, ArticlesGenerator)
    missing = [name for name in glue.ARTICLE_LISTS if not isinstance(getattr(generator, name, None), list)]
    assert not missing, f"ArticlesGenerator lost {missing}: the gate would let a refused item through them"
    glue.keep_articles(generator, lambda a: a.title == "文章1")
    assert [a.title for a in generator.articles] == ["文章1"]


def test_the_columns_a_site_lists_are_the_generators_categories(site):
    generator, _ = site
    assert [c.slug for c, _ in generator.categories] == ["col"]
    assert generator.context["categories"] == generator.categories
    empty = glue.new_category("kong", generator.settings)
    glue.set_categories(generator, [*generator.categories, (empty, [])])
    assert generator.context["categories"][-1][0].save_as == "category/kong.html"


def test_each_page_keeps_the_url_pelican_works_out_and_its_own_save_as(site):
    generator, out = site
    for article in generator.articles:
        assert article.override_url == article._expand_settings("url")    # what Pelican would say now
        assert article.url == article.override_url
        assert not hasattr(article, "override_save_as"), "a kept save_as would let a page overwrite another"
        assert (out / article.url).is_file()
    assert glue.fix_urls not in [r() if isinstance(r, weakref.ref) else r
                                 for r in signals.all_generators_finalized.receivers.values()]


def test_a_url_the_item_sets_itself_is_not_replaced(tmp_path):
    from pelican.contents import Article

    own = Article("正文", metadata={"title": "t", "url": "own/place.html", "date": datetime.datetime(2026, 11, 1)},
                  settings={**_settings(tmp_path), "ARTICLE_URL": "{slug}.html"})
    plain = Article("正文", metadata={"title": "t", "slug": "s", "date": datetime.datetime(2026, 11, 1)},
                    settings={**_settings(tmp_path), "ARTICLE_URL": "{slug}.html"})

    class Generator:
        articles = [own, plain]

    glue.fix_urls([Generator()])
    assert (own.url, plain.url) == ("own/place.html", "s.html")
    plain.slug = "changed"                     # after the generators finish, nothing moves a page
    assert plain.url == "s.html"


def _settings(tmp_path):
    from pelican.settings import DEFAULT_CONFIG

    return {**DEFAULT_CONFIG, "PATH": str(tmp_path)}


def test_pages_through_the_writer_paginate_replace_and_refuse_to_overwrite(site):
    generator, out = site
    writer = Writer(str(out), settings=generator.settings)
    category, articles = generator.categories[0]
    before = (out / category.save_as).read_text(encoding="utf-8")
    glue.write_paginated(generator, writer, category.save_as, category.url, "category", list(articles) * 2,
                         category=category)
    assert (out / category.save_as).read_text(encoding="utf-8") != before          # page 1 replaced
    pages = sorted(p.name for p in (out / category.save_as).parent.glob(Path(category.save_as).stem + "*.html"))
    assert len(pages) == 4, pages                                                  # one article a page
    glue.write_page(generator, writer, "notice.html", "archives", dates=[])
    assert (out / "notice.html").is_file()
    with pytest.raises(RuntimeError):              # a second write of one file fails, never replaces it
        glue.write_page(generator, writer, "notice.html", "archives", dates=[])


def test_a_feed_of_articles_and_our_own_entries(site):
    generator, out = site
    writer = Writer(str(out), settings=generator.settings)
    own = glue.FeedEntry("采集的信息", "col/copy.html", generator.articles[0].date, "摘要", "编辑", "<p>正文</p>")
    glue.write_feed(writer, generator.context, [*generator.articles, own], "feeds/col.atom.xml", "栏目")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(out / "feeds/col.atom.xml").getroot()
    assert feed.find("a:title", ns).text.endswith("栏目")
    titles = [e.find("a:title", ns).text for e in feed.findall("a:entry", ns)]
    assert titles == ["文章2", "文章1", "采集的信息"]
    entry = feed.findall("a:entry", ns)[-1]
    assert entry.find("a:link", ns).get("href") == "https://x.example.cn/col/copy.html"
    assert entry.find("a:content", ns).text == "<p>正文</p>"
    assert entry.find("a:author/a:name", ns).text == "编辑"


def test_pelican_errors_fail_the_build(tmp_path):
    from pelican.settings import read_settings

    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "bad.md").write_text("Title: 坏\nDate: 不是日期\n\n正文\n", encoding="utf-8")
    settings = read_settings(override={"PATH": str(tmp_path / "content"), "OUTPUT_PATH": str(tmp_path / "out"),
                                       "PLUGINS": [], "CACHE_CONTENT": False, "READERS": {"md": MarkdownReader}})
    with bare_pelican(), pytest.raises(BuildError, match="网站 glue"):
        glue.run_pelican(settings, "glue")
