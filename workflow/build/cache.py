"""What `govsite build` remembers between runs, in <output>/.govsite-cache/:
inside the output folder (a build writes nothing outside it) but in no site's
web root, so nothing here is ever deployed or served by a site.

    fingerprints.json   per site: the digest of every input of its pages, the
                        findings of its links that stay in it and the targets of
                        those into other sites; a site whose digest is unchanged
                        is not rebuilt
    deferred/<site>.json     every link of its pages into other sites (read when
                        one of its targets no longer resolves)
    pagelinks/<site>.pickle  the ids and links of its pages, by their bytes: a page
                        built again as it was is not parsed again (build/pagelinks.py)
    search/<site>.json  the name of each page's record in its search index, by what
                        pagefind was given of it: records of pages given the same
                        are not compressed and written again (build/search.py)
    decisions/<site>.pickle  the gate's decisions (workflow/gate/store.py)
    sites/<site>.pickle      what the build needs of a site's decisions as a whole,
                        and when that holds (workflow/build/summary.py)
    timings.json        the last build's wall time and CPU seconds by stage
                        (read, gate, pelican, search, links, manifest): for
                        benchmarks/run.py and an operator wondering where time goes

Every entry is keyed by what it was computed from, so a stale entry is never
used: it is simply not found.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from workflow.gate.store import (  # noqa: F401
    DecisionFiles,
    DecisionStore,
    code,
    decisions_keys,
    digest,
    entry,
    library_versions,
    tree,
)

CACHE_DIR = ".govsite-cache"
FORMAT = 1


def environment(group, mode: str) -> str:
    """What every page of every site is made with: code, theme, plugins, settings, libraries."""
    root = group.root
    parts = [*code(), mode]
    for name in ("themes", "plugins", "pelicanconf.py", "publishconf.py"):
        parts += [name, *tree(root / name)]
    return digest(parts)


def site_views(group) -> dict[str, str]:
    """Per site, the other sites its pages show: every site's name and address (the
    directory of the group, links to the portal and the parent, the group's search and
    CSP), and the entry points a site without its own takes from its parent."""
    briefs = [json.dumps([s.id, s.name, s.data.get("short_name"), s.type, s.domain, s.data.get("parent"),
                          s.data.get("services"), s.data.get("hotline"), s.data.get("interaction")],
                         ensure_ascii=False, default=str) for s in group.sites.values()]
    shown = digest(briefs)
    return {sid: shown for sid in group.sites}


def fingerprints(sites, group, sums: dict, env: str, today: dt.date | None = None) -> dict[str, str]:
    """Per site: everything its pages are made of — the environment, the sites it shows,
    its site.yaml and other files, the decisions of its own items and of the items other
    sites lend it (each feature declares where its items appear: workflow/build/lending.py),
    all from the sites' summaries (workflow/build/summary.py), and what the calendar alone
    changes on the pages (a survey opening or closing on `today`). A change elsewhere that
    leaves these alone does not rebuild the site; links into changed pages are checked
    again without rebuilding (workflow/build/pipeline.py)."""
    from workflow.build.interaction import survey_phase
    from workflow.build.summary import lent_digests

    lent = lent_digests(sums)
    views = site_views(group)
    calendar = sorted((path, survey_phase(fields, today)) for s in sums.values() for path, fields in s.surveys) \
        if today else []
    return {s.id: digest([env, views[s.id], s.id, sums[s.id].tree, sums[s.id].own, "lent",
                          *sorted(lent.get(s.id, [])), "calendar", *calendar]) for s in sites}


class BuildCache:
    def __init__(self, output: Path):
        output = Path(output)
        self.dir = output / CACHE_DIR
        self.decision_files = DecisionFiles(self.dir / "decisions")

    def decisions(self, keys: dict[str, str], content: Path | None = None) -> DecisionStore:
        """The remembered decisions of every site whose key (decisions_keys) is unchanged
        (with `content`: each site's read when first needed)."""
        return self.decision_files.load(keys, content)

    def summaries(self, sites) -> dict:
        from workflow.build.summary import SummaryFiles
        return SummaryFiles(self.dir / "sites").load(sites)

    def save_summaries(self, made: dict) -> None:
        from workflow.build.summary import SummaryFiles
        files = SummaryFiles(self.dir / "sites")
        for sid, summary in made.items():
            files.save(sid, summary)

    def save_decisions(self, keys: dict[str, str], decisions, known: DecisionStore | None = None) -> None:
        self.decision_files.save(keys, decisions, known)

    # -- fingerprints and link findings of the sites last built --------------
    def sites(self) -> dict:
        try:
            return json.loads((self.dir / "fingerprints.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def save_sites(self, entries: dict) -> None:
        write_file(self.dir / "fingerprints.json", json.dumps(entries, ensure_ascii=False).encode("utf-8"))

    def save_timings(self, result) -> None:
        timings = {"seconds": round(result.seconds, 3), "sites_built": [r.site for r in result.sites],
                   "stages_cpu_s": {k: round(v, 3) for k, v in sorted(result.cpu.items())}}
        write_file(self.dir / "timings.json", json.dumps(timings).encode("utf-8"))

    def deferred(self, sid: str) -> list[tuple]:
        """Every link of a site's pages into other sites, as (page, url, text, line)."""
        return read_deferred(self.dir / "deferred" / f"{sid}.json")

    def save_deferred(self, sid: str, deferred: list) -> None:
        write_deferred(self.dir / "deferred" / f"{sid}.json", deferred)

    def adopt_deferred(self, sid: str, path: Path) -> None:
        """A site's links as its worker wrote them (pipeline.deferred_file), now its last build's."""
        _adopt(path, self.dir / "deferred" / f"{sid}.json")

    def pagelinks(self, sid: str, key: str):
        """The ids and links of a site's pages as its last build read them (with the same `key`)."""
        from workflow.build.pagelinks import PageLinks
        return PageLinks.load(self.dir / "pagelinks" / f"{sid}.pickle", key)

    def adopt_pagelinks(self, sid: str, path: Path) -> None:
        _adopt(path, self.dir / "pagelinks" / f"{sid}.pickle")

    def search_fragments(self, sid: str, key: str) -> dict[bytes, str]:
        """The fragment of each page in the search index of a site's last build (same `key`)."""
        from workflow.build.search import load_fragments
        return load_fragments(self.dir / "search" / f"{sid}.json", key)

    def adopt_search_fragments(self, sid: str, path: Path) -> None:
        _adopt(path, self.dir / "search" / f"{sid}.json")


def _adopt(path: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)


def write_file(path: Path, data: bytes) -> None:
    """`data` as the file at `path`, whole or not at all (written beside it, then renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def read_deferred(path: Path) -> list[tuple]:
    try:
        found = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [tuple(d) for d in found if isinstance(d, list) and len(d) == 4]


def write_deferred(path: Path, deferred: list) -> None:
    write_file(path, json.dumps([list(d) for d in deferred], ensure_ascii=False).encode("utf-8"))
