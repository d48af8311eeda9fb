"""Shared Pelican settings: every site of the group starts from these.

Per-site values (PATH, OUTPUT_PATH, SITENAME, SITEURL, GOVSITE…) are derived
from content/<site>/site.yaml by workflow/build/sitesettings.py; nothing here is
copied per site. Markdown is rendered by workflow/model/render.py (the same code the
rule set uses), through the govsite_reader plugin.
"""

SITENAME = ""
SITEURL = ""
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh-CN"
LOCALE = ("C.UTF-8", "")   # never plain "C": it would make the process's text encoding ASCII
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

THEME = "themes/govsite"
THEME_STATIC_DIR = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["govsite_reader", "publish_gate", "site_columns", "item_links", "group_pages", "attachments", "withdrawal",
           "theme_assets", "site_sitemap"]

# Items live in content/<site>/<column>/; the column is the Pelican category.
USE_FOLDER_AS_CATEGORY = True
PAGE_PATHS = []
STATIC_PATHS = []          # attachments are published by the gate, only for published items
SLUGIFY_SOURCE = "basename"
READERS = {"html": None, "htm": None, "rst": None}
SUMMARY_MAX_LENGTH = None

ARTICLE_URL = "{category}/{slug}.html"
ARTICLE_SAVE_AS = "{category}/{slug}.html"
CATEGORY_URL = "{slug}/"
CATEGORY_SAVE_AS = "{slug}/index.html"
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/index_{number}.html", "{base_name}/index_{number}.html"),
)
DEFAULT_PAGINATION = 15
PAGINATED_TEMPLATES = {"category": None}

# Editor ids are not public pages; topics get their own pages from the portal's site.yaml.
AUTHOR_SAVE_AS = AUTHORS_SAVE_AS = ""
TAG_SAVE_AS = TAGS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ARCHIVES_SAVE_AS = ""
DRAFT_SAVE_AS = DRAFT_PAGE_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "search", "notfound", "forbidden", "sitemap_html", "directory", "gone"]
SEARCH_SAVE_AS = "search.html"
NOTFOUND_SAVE_AS = "404.html"
FORBIDDEN_SAVE_AS = "403.html"      # nginx: error_page 403 (denied backup files, folders without index)
GONE_SAVE_AS = "410.html"          # nginx answers items withdrawn with `mode: gone` with it
SITEMAP_HTML_SAVE_AS = "sitemap.html"
DIRECTORY_SAVE_AS = "sites.html"

# Feeds: one per site and one per column (Atom).
FEED_DOMAIN = None          # set per site to its https:// domain
FEED_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = None   # the group_pages plugin writes each column's feed (with what syndication adds)
GOVSITE_COLUMN_FEED_ATOM = "feeds/{slug}.atom.xml"
FEED_ALL_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
FEED_MAX_ITEMS = 50


# Every value a template prints is text unless the theme says otherwise: item and
# site.yaml fields can never add an element or attribute to a page. Markup the
# theme means (the rendered body, its own macros) is marked `|safe` / Markup.
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "extensions": [], "autoescape": True}

DELETE_OUTPUT_DIRECTORY = False   # the build writes into a fresh staging folder
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
RELATIVE_URLS = False

GOVSITE_URL_MODE = "preview"      # SITEURL = /<site-id>, so `govsite serve` can host the group
