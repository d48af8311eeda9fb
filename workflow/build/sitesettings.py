"""Per-site Pelican settings: pelicanconf.py (or publishconf.py) + site.yaml."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from workflow.build import assets
from workflow.model.sites import FAMILIES, Group, Site, site_url


def site_context(site: Site, group: Group, mode: str) -> dict:
    """What the theme knows about a site (GOVSITE in templates)."""
    url = site_url(site, mode)

    def brief(s: Site) -> dict:
        return {"id": s.id, "name": s.name, "short_name": s.short_name or s.name, "type": s.type,
                "type_label": s.type_label, "domain": s.domain, "url": site_url(s, mode)}

    columns = [{"id": c.id, "name": c.name, "type": c.type, "family": c.family,
                "summary": c.summary, "url": f"{url}/{c.id}/"} for c in site.columns.values()]
    families = [{"key": key, "name": label,
                 "columns": [c for c in columns if c["family"] == key]}
                for key, (label, _) in FAMILIES.items()]
    parent = group.sites.get(site.parent) if site.parent else None
    return {
        **brief(site),
        "sponsor": site.sponsor, "organizer": site.organizer, "site_code": site.site_code,
        "icp": site.icp, "police_record": site.police_record, "contact": site.contact,
        "is_portal": site.is_portal,
        "columns": columns,
        "columns_by_id": {c["id"]: c for c in columns},
        "families": [f for f in families if f["columns"]],
        "portal": brief(group.portal),
        "parent": brief(parent) if parent else None,
        "group": [brief(s) for s in group.sites.values()],
        "reviewers": {rid: r["name"] for rid, r in site.data["reviewers"].items()},
        "editors": dict(site.data.get("editors") or {}),
        "mode": mode,
        # Home page and entry points (workflow/sites.py: services, hotline, interaction, disclosure).
        "home": home_columns(site),
        "services": inherited(site, group, "services") or [],
        "hotline": inherited(site, group, "hotline"),
        "interaction": inherited(site, group, "interaction"),
        "disclosure": disclosure(site, url),
        # The search page's CSP lets it read the other sites' indexes (group search); every
        # other page connects to its own site only. Neither grows a page with the group.
        "csp": csp(group, frame_ancestors=False),
        "csp_own": CSP.replace("; frame-ancestors 'none'", ""),
    }


# Which column feeds which home-page block: the first column of each type, in site.yaml order.
HOME_BLOCKS = {"news": ("要闻", "动态"), "notice": ("通知公告",), "policy": ("政策文件",), "topic": ("专题",),
               "service": ("办事指南",), "letter": ("信件",), "interview": ("在线访谈",), "survey": ("调查",)}


def home_columns(site: Site) -> dict:
    """Block -> column id of the home page; `others`: every column no block shows."""
    out: dict = {}
    for block, types in HOME_BLOCKS.items():
        out[block] = next((c.id for t in types for c in site.columns.values() if c.type == t), None)
    used = set(out.values())
    out["others"] = [c.id for c in site.columns.values() if c.id not in used]
    return out


def inherited(site: Site, group: Group, key: str):
    """A site.yaml entry, else its parent's (the city's 12345 platform serves every site)."""
    seen: set[str] = set()
    current: Site | None = site
    while current is not None and current.id not in seen:
        if current.data.get(key):
            return current.data[key]
        seen.add(current.id)
        current = group.sites.get(current.parent) if current.parent else None
    return None


def disclosure(site: Site, url: str) -> dict:
    """The 政府信息公开 zone: URLs of the guide, rules and annual reports, and the columns of
    法定主动公开内容 (by default every column of a type the disclosure rules name)."""
    data = site.data.get("disclosure") or {}

    def target(value: str | None) -> str | None:
        if not value:
            return None
        column, _, slug = value.strip("/").removesuffix(".md").partition("/")
        return f"{url}/{column}/{slug}.html" if slug else f"{url}/{column}/"

    statutory = data.get("statutory") or [c.id for c in site.columns.values()
                                          if c.type in ("政策文件", "通知公告", "人事任免", "政府采购")]
    return {"guide": target(data.get("guide")), "rules": target(data.get("rules")),
            "annual": target(data.get("annual")), "statutory": statutory}


# The Content-Security-Policy of every page: no inline script or style (the theme loads
# every script and stylesheet from files); pagefind's search needs 'wasm-unsafe-eval'.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


def csp(group: Group, frame_ancestors: bool = True) -> str:
    """CSP of a group's pages, with connect-src also allowing the group's domains over https
    (the portal's group-wide search merges their search indexes). The theme's <meta> carries
    it without frame-ancestors (a meta cannot); workflow/publish/nginx.py sends it whole."""
    domains = " ".join(f"https://{s.domain}" for s in group.sites.values())
    policy = CSP.replace("connect-src 'self'", f"connect-src 'self' {domains}".rstrip())
    return policy if frame_ancestors else policy.replace("; frame-ancestors 'none'", "")


def settings_for(site: Site, group: Group, output: Path, mode: str, as_of: dt.datetime, run=None) -> dict:
    from pelican.settings import read_settings  # Pelican only where a site is built

    from workflow.build import themefilters

    conf = "publishconf.py" if mode == "production" else "pelicanconf.py"
    root = group.root
    url = site_url(site, mode)
    fingerprinted = assets.fingerprints(root / "themes" / "govsite" / "static")
    made = generated_assets(group)
    fingerprinted.update({rel: assets.fingerprinted_name(rel, data) for rel, data in made.items()})
    override = {
        "PATH": str(site.dir),
        "OUTPUT_PATH": str(output),
        "THEME": str(root / "themes" / "govsite"),
        "PLUGIN_PATHS": [str(root / "plugins")],
        "ARTICLE_PATHS": list(site.columns),
        "SITENAME": site.name,
        "SITEURL": url,
        "FEED_DOMAIN": f"https://{site.domain}",
        "GOVSITE": site_context(site, group, mode),
        "GOVSITE_ROOT": str(root),
        "GOVSITE_AS_OF": as_of.isoformat(),
        "GOVSITE_URL_MODE": mode,
        "CACHE_PATH": str(output.parent / ".cache" / site.id),
        "JINJA_FILTERS": themefilters.FILTERS,
        "GOVSITE_ASSETS": fingerprinted,
        "GOVSITE_GENERATED_ASSETS": made,
        "JINJA_GLOBALS": {"asset": assets.jinja_global(fingerprinted)},
        "GOVSITE_RUN": run,          # the build's run: its gate, for the plugins (workflow/gate/run.py)
    }
    return read_settings(str(root / conf), override=override)


def generated_assets(group: Group) -> dict[str, bytes]:
    """Theme files the build writes (fingerprinted like the others): js/group.js, the
    group's domains, to which site.js carries the 适老化 setting (localStorage is per
    domain). One cached file instead of a list on every page, which grew with the group."""
    hosts = json.dumps([s.domain for s in group.sites.values() if s.domain], ensure_ascii=False)
    return {"js/group.js": f"window.GOVSITE_GROUP = {hosts};\n".encode()}
