"""`govsite build`: the flow of DESIGN.md, one step a line.

load sites -> decide every item (the gate) -> build each site with Pelican
into a staging folder -> swap the staging folders in -> write report.json.
A failed build leaves the previous output untouched.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import dates, links, manifest, search
from .findings import ConfigError, Finding
from .gate import Decision, Gate, register
from .policy import State
from .sites import Group, load_group
from .sitesettings import settings_for, site_url


class BuildError(Exception):
    pass


@dataclass
class SiteResult:
    site: str
    pages: int
    published: int
    refused: int
    seconds: float


@dataclass
class BuildResult:
    output: Path
    sites: list[SiteResult] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    pages: dict[str, list[Finding]] = field(default_factory=dict)   # page -> link findings
    seconds: float = 0.0

    @property
    def refused(self) -> list[Decision]:
        return [d for d in self.decisions if d.state == State.REFUSED]


def build(root: Path, only: list[str] | None = None, output: Path | None = None,
          mode: str = "preview", as_of: dt.datetime | None = None, echo=print) -> BuildResult:
    started = time.monotonic()
    group = load_group(root, only)                      # ConfigError: nothing written
    theme = [f for f in links.check_theme(group) if f.severity == "error"]
    if theme:
        raise ConfigError(theme)
    output = Path(output or group.root / "output").resolve()
    as_of = as_of or dates.now().replace(microsecond=0)
    gate = Gate(group, as_of)
    register(gate, group.root, as_of)                   # the plugins share this gate
    decisions = gate.decide_all()
    report_refused(decisions, echo)
    selected = [group.sites[s] for s in (only or group.sites)]
    staging = output / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    result = BuildResult(output, decisions=decisions)
    info = build_info(group, mode, as_of)
    try:
        for site in selected:
            result.sites.append(build_site(site, group, staging / site.id, mode, as_of, decisions, echo))
            search.index_site(staging / site.id)
        pages = links.check_built(staging, group, [s.id for s in selected])
        for site in selected:
            manifest.write_manifest(staging / site.id, site,
                                    [d for d in decisions if d.item.site_id == site.id], info)
        swap_in(staging, output, [s.id for s in selected])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.pages = pages
    write_report(output / "report.json", group, decisions, mode, as_of, pages)
    result.seconds = time.monotonic() - started
    pages = sum(s.pages for s in result.sites)
    echo(f"完成：{len(result.sites)} 个网站，{pages} 个页面，用时 {result.seconds:.1f} 秒；"
         f"拒绝发布 {len(result.refused)} 条（详见 {output / 'report.json'}）")
    return result


def report_refused(decisions: list[Decision], echo) -> None:
    for d in decisions:
        if d.state == State.REFUSED:
            echo(f"拒绝发布 {d.item.relpath}：")
            for f in d.findings:
                if f.severity == "error":
                    echo(f"    {f.format()}")


class _ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(record.getMessage())


def build_site(site, group: Group, out: Path, mode: str, as_of, decisions, echo) -> SiteResult:
    from pelican import Pelican
    from pelican.log import console
    from pelican.plugins.sitemap import sitemap

    started = time.monotonic()
    sitemap.generator.__init__()        # the sitemap plugin keeps module state between runs
    settings = settings_for(site, group, out, mode, as_of)
    errors = _ErrorLog()
    log = logging.getLogger("pelican")
    log.addHandler(errors)
    console.quiet = True                # one progress line per site is ours to print
    try:
        Pelican(settings).run()
    except Exception as exc:  # noqa: BLE001 - report any engine failure as a build error
        raise BuildError(f"网站 {site.id} 构建失败：{exc}") from exc
    finally:
        log.removeHandler(errors)
        console.quiet = False
    if errors.records:
        raise BuildError(f"网站 {site.id} 构建出错：" + "；".join(errors.records[:5]))
    mine = [d for d in decisions if d.item.site_id == site.id]
    pages = sum(1 for _ in out.rglob("*.html"))
    result = SiteResult(site.id, pages, sum(d.published for d in mine),
                        sum(d.state == State.REFUSED for d in mine), time.monotonic() - started)
    echo(f"[{site.id}] {site.name}：{result.pages} 个页面，发布 {result.published} 条，"
         f"拒绝 {result.refused} 条，{result.seconds:.1f} 秒")
    return result


def swap_in(staging: Path, output: Path, site_ids: list[str]) -> None:
    """Replace output/<site> by the freshly built staging/<site>, one rename each."""
    for sid in site_ids:
        target = output / sid
        old = output / f".old-{sid}"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        (staging / sid).rename(target)
        shutil.rmtree(old, ignore_errors=True)


def item_url(group: Group, decision: Decision, mode: str) -> str | None:
    item = decision.item
    site = group.sites.get(item.site_id)
    if site is None or item.column is None:
        return None
    return f"{site_url(site, mode)}/{item.column}/{item.slug}.html"


def build_info(group: Group, mode: str, as_of) -> dict:
    """Which commit, when and how: recorded in every manifest and the report."""
    import subprocess

    proc = subprocess.run(["git", "-C", str(group.root), "rev-parse", "HEAD"], capture_output=True, text=True)
    commit = proc.stdout.strip() if proc.returncode == 0 else None
    return {"commit": commit, "built_at": dates.now().isoformat(timespec="seconds"),
            "as_of": as_of.isoformat(), "mode": mode}


def write_report(path: Path, group: Group, decisions: list[Decision], mode: str, as_of,
                 pages: dict | None = None) -> None:
    entries = [{
        "site": d.item.site_id,
        "path": d.item.relpath,
        "url": item_url(group, d, mode),
        "status": d.state.value,
        "findings": [f.to_dict() for f in d.findings],
    } for d in decisions]
    report = {"generated": dates.now().isoformat(timespec="seconds"), "as_of": as_of.isoformat(),
              "mode": mode, "items": entries,
              "pages": {page: [f.to_dict() for f in fs] for page, fs in (pages or {}).items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
