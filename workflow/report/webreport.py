"""The web office's report (第十九条): what each site and each source unit
published, what the gate refused and why, every deadline finding (late
disclosures, overdue letters, extension problems), stale and empty columns and
互动回应差 with the single-veto verdict, broken links, monthly counts, and (for
a year) the national 政府网站工作年度报表 (workflow/annual.py).

One rule set: every figure comes from workflow.gate.Gate decisions.
Writes report.json and a self-contained index.html (no external assets); for a
year also annual-<year>.csv and annual-<year>.xlsx (a sheet per site).
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from html import escape
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from workflow import DATA
from workflow.gate.gate import Gate
from workflow.model import dates
from workflow.policy import limits as policy_limits
from workflow.policy import workdays
from workflow.report import annual, freshness
from workflow.review.permissions import State
from workflow.rules import catalogue
from workflow.rules.deadlines import response_limit

TEMPLATE = DATA / "webreport.html"
NO_SOURCE = "（未注明来源）"
# Chinese names of the rules that most often refuse an item (others show their id).
RULE_NAMES = catalogue.NAMES


def collect(group, as_of: dt.date, year: int | None = None, output: Path | None = None) -> dict:
    """The report's figures (what report.json holds)."""
    moment = dt.datetime.combine(as_of, dt.time(23, 59, 59), tzinfo=dates.TZ)
    gate = Gate(group, moment)
    decisions = gate.decide_all()
    cal = gate.checker.calendar
    limits = policy_limits.deadlines(group.root)
    fresh = freshness.assess(group, decisions, as_of, limits)
    links = broken_links(group, Path(output or group.root / "output"))
    given = annual.read_input(group.root, year) if year else {}
    sites = []
    for site in group.sites.values():
        mine = [d for d in decisions if d.item.site_id == site.id]
        entry = site_figures(site, mine, as_of)
        entry["freshness"] = fresh[site.id].to_dict()
        entry["interaction"] = interaction(site, mine, as_of, limits["letter_response_months"])
        entry["veto"] = veto(entry)
        entry["broken_links"] = links.get(site.id, {"linkcheck": None, "build": None, "urls": []})
        if year:
            entry["annual"] = annual.site_rows(site, group, decisions, year,
                                               {**given.get("all", {}), **given.get(site.id, {})})
        sites.append(entry)
    provisional = sorted({y for d in decisions for f in d.findings for y in workdays.provisional_years_in(f.message)})
    return {
        "generated": dates.now().isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "year": year,
        "calendar": cal.describe(),
        "provisional_years": provisional,
        "thresholds": limits,
        "totals": totals(sites),
        "sites": sites,
        "site_names": {s.id: s.short_name or s.name for s in group.sites.values()},
        "units": unit_figures(group, decisions),
        "refused": [refused_entry(d) for d in decisions if d.state == State.REFUSED],
        "linkcheck_ran": links.get("_linkcheck", False),
    }


def _source(d) -> str:
    value = d.item.fields.get("source") or (d.item.meta or {}).get("source")
    return value.strip() if isinstance(value, str) and value.strip() else NO_SOURCE


def _title(d) -> str:
    value = d.item.fields.get("title") or (d.item.meta or {}).get("title")
    return str(value) if value else d.item.relpath


def _entry(d, rule: str) -> dict:
    f = next(f for f in d.findings if f.rule == rule)
    entry = {"path": d.item.relpath, "title": _title(d), "source": _source(d), "line": f.line,
             "message": f.message}
    if d.item.fields.get("reply_unit"):
        entry["reply_unit"] = d.item.fields["reply_unit"]
    return entry


EXTENSION_RULES = ("letter.extension-unapproved", "letter.extension-too-long")


def _counts(decisions) -> dict:
    published = [d for d in decisions if d.state == State.PUBLISHED]
    refused = [d for d in decisions if d.state == State.REFUSED]
    return {
        "published": len(published),
        "scheduled": sum(d.state == State.SCHEDULED for d in decisions),
        "withdrawn": sum(d.state == State.WITHDRAWN for d in decisions),
        "refused": len(refused),
        "refused_by_rule": dict(Counter(r for d in refused for r in sorted(
            {f.rule for f in d.findings if f.severity == "error"})).most_common()),
        "late_disclosures": [_entry(d, "disclosure.late") for d in published
                             if any(f.rule == "disclosure.late" for f in d.findings)],
        "overdue_letters": [_entry(d, "letter.overdue") for d in published
                            if any(f.rule == "letter.overdue" for f in d.findings)],
        "extension_problems": [_entry(d, rule) for d in published for rule in EXTENSION_RULES
                               if any(f.rule == rule for f in d.findings)],
    }


def interaction(site, decisions, as_of, months: int) -> dict:
    """互动回应差 (single veto): letters unanswered past the same day 3 months after receipt —
    still unanswered on `as_of`, or answered late within the 12 months before it."""
    window = freshness.months_before(as_of, 12)
    found = []
    for d in decisions:
        f = d.item.fields
        received = f.get("received")
        if d.state == State.WITHDRAWN or f.get("type") != "letter" or received is None or received > as_of:
            continue
        limit, replied = response_limit(received, months), f.get("replied")
        if replied is None or replied > as_of:
            if as_of > limit:
                found.append((d, f"来信 {received} 收到，截至 {as_of} 尚未答复，已超过 {months} 个月（{limit}）"))
        elif replied > limit and replied > window:
            found.append((d, f"来信 {received} 收到，{replied} 才答复，超过 {months} 个月（{limit}）"))
    letters = [{"path": d.item.relpath, "title": _title(d), "source": _source(d),
                "reply_unit": d.item.fields.get("reply_unit"), "message": message} for d, message in found]
    applicable = any(c.type == "信件" for c in site.columns.values())
    return {"applicable": applicable, "limit_months": months, "letters": letters,
            "verdict": freshness.FAIL if letters else freshness.PASS}


def veto(entry: dict) -> dict:
    """The site's single-veto verdict: 栏目/首页更新 (freshness) and 互动回应差."""
    reasons = list(entry["freshness"]["reasons"])
    if entry["interaction"]["letters"]:
        reasons.append(f"互动回应差：{len(entry['interaction']['letters'])} 件留言超过 "
                       f"{entry['interaction']['limit_months']} 个月未答复")
    return {"verdict": freshness.FAIL if reasons else freshness.PASS, "reasons": reasons}


def site_figures(site, decisions, as_of: dt.date) -> dict:
    published = [d for d in decisions if d.state == State.PUBLISHED]
    months = [freshness.months_before(as_of.replace(day=1), i).strftime("%Y-%m") for i in range(11, -1, -1)]
    by_month = Counter(d.item.fields["date"].strftime("%Y-%m") for d in published)
    return {"id": site.id, "name": site.name, "type": site.type_label, **_counts(decisions),
            "monthly": {m: by_month.get(m, 0) for m in months}}


def unit_figures(group, decisions) -> list[dict]:
    units: dict[str, list] = {}
    for d in decisions:
        units.setdefault(_source(d), []).append(d)
    out = []
    for source, mine in sorted(units.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        sites = Counter(d.item.site_id for d in mine)
        out.append({"source": source, **_counts(mine),
                    "sites": {sid: sites[sid] for sid in group.sites if sid in sites}})
    return out


def refused_entry(d) -> dict:
    return {"site": d.item.site_id, "path": d.item.relpath, "title": _title(d), "source": _source(d),
            "findings": [f.to_dict() for f in d.findings if f.severity == "error"]}


def totals(sites: list[dict]) -> dict:
    return {
        "sites": len(sites),
        "published": sum(s["published"] for s in sites),
        "scheduled": sum(s["scheduled"] for s in sites),
        "refused": sum(s["refused"] for s in sites),
        "late_disclosures": sum(len(s["late_disclosures"]) for s in sites),
        "overdue_letters": sum(len(s["overdue_letters"]) for s in sites),
        "extension_problems": sum(len(s["extension_problems"]) for s in sites),
        "unanswered_3_months": sum(len(s["interaction"]["letters"]) for s in sites),
        "failing_sites": [s["id"] for s in sites if s["veto"]["verdict"] == freshness.FAIL],
    }


def broken_links(group, output: Path) -> dict:
    """Broken links per site from output/linkcheck.json (`govsite linkcheck`) and the
    "pages" of output/report.json (`govsite build`); None where that step has not run."""
    found: dict = {}

    def site_of(path: str | None) -> str | None:
        parts = [p for p in str(path or "").replace("\\", "/").split("/") if p and p != "output"]
        return parts[0] if parts and parts[0] in group.sites else None

    def slot(sid):
        return found.setdefault(sid, {"linkcheck": 0, "build": 0, "urls": []})

    check = _read_json(output / "linkcheck.json")
    if isinstance(check, dict) and isinstance(check.get("broken"), list):
        found["_linkcheck"] = True
        for sid in group.sites:
            slot(sid)
        for row in check["broken"]:
            sid = site_of((row or {}).get("parentname") or (row or {}).get("url"))
            if sid:
                slot(sid)["linkcheck"] += 1
                slot(sid)["urls"].append({"url": row.get("url"), "page": row.get("parentname"),
                                          "result": row.get("result"), "by": "linkcheck"})
    else:
        for sid in group.sites:
            slot(sid)["linkcheck"] = None
    build = _read_json(output / "report.json")
    pages = build.get("pages") if isinstance(build, dict) else None
    if isinstance(pages, dict):
        for page, fs in pages.items():
            errors = [f for f in fs or [] if isinstance(f, dict) and f.get("severity") == "error"]
            sid = site_of(page)
            if sid and errors:
                slot(sid)["build"] += len(errors)
                slot(sid)["urls"].extend({"url": f.get("message"), "page": page, "result": f.get("rule"),
                                          "by": "build"} for f in errors)
    else:
        for sid in group.sites:
            slot(sid)["build"] = None
    return found


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- HTML ---------------------------------------------------------------------

def bar_chart(monthly: dict[str, int], label: str) -> Markup:
    """Monthly counts as an inline SVG bar chart (a table beside it carries the same figures)."""
    width, height, top, bottom, left = 640, 200, 20, 30, 8
    months = list(monthly)
    peak = max(monthly.values(), default=0) or 1
    step = (width - 2 * left) / max(len(months), 1)
    bars = []
    for i, month in enumerate(months):
        n = monthly[month]
        h = (height - top - bottom) * n / peak
        x = left + i * step
        y = height - bottom - h
        bars.append(f'<rect x="{x + step * 0.15:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="#1f5fa8"><title>{escape(month)}：{n} 条</title></rect>'
                    f'<text x="{x + step / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{n}</text>'
                    f'<text x="{x + step / 2:.1f}" y="{height - 10}" text-anchor="middle">'
                    f'{int(month[5:])}月</text>')
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
                  f'xmlns="http://www.w3.org/2000/svg"><line x1="{left}" y1="{height - bottom}" '
                  f'x2="{width - left}" y2="{height - bottom}" stroke="#595959"/>{"".join(bars)}</svg>')


def render_html(data: dict) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATE.parent), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(bar_chart=bar_chart, RULE_NAMES=RULE_NAMES, shown=annual.shown, ROWS=annual.ROWS)
    return env.get_template(TEMPLATE.name).render(r=data)


def write(data: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "report.json", out_dir / "index.html"
    texts = [(json_path, json.dumps(data, ensure_ascii=False, indent=1)), (html_path, render_html(data))]
    if data.get("year"):
        texts.append((out_dir / f"annual-{data['year']}.csv", annual.to_csv(data["sites"])))
        annual.write_xlsx(data["sites"], data["year"], out_dir / f"annual-{data['year']}.xlsx")
    for path, text in texts:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return html_path, json_path
