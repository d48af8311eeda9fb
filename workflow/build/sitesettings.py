"""Per-site Pelican settings: pelicanconf.py (or publishconf.py) + site.yaml."""
from __future__ import annotations

import datetime as dt
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
    }


def settings_for(site: Site, group: Group, output: Path, mode: str, as_of: dt.datetime, run=None) -> dict:
    from pelican.settings import read_settings  # Pelican only where a site is built

    conf = "publishconf.py" if mode == "production" else "pelicanconf.py"
    root = group.root
    url = site_url(site, mode)
    fingerprinted = assets.fingerprints(root / "themes" / "govsite" / "static")
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
        "GOVSITE_ASSETS": fingerprinted,
        "JINJA_GLOBALS": {"asset": assets.jinja_global(fingerprinted)},
        "GOVSITE_RUN": run,          # the build's run: its gate, for the plugins (workflow/gate/run.py)
    }
    return read_settings(str(root / conf), override=override)
