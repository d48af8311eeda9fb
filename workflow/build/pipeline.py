"""`govsite build`, one step a line (README.md, "Layout", names the stages).

load sites -> decide every item (the gate) -> build each changed site with
Pelican into a staging folder -> swap the staging folders in -> write report.json.
A failed build leaves the previous output untouched.

Fast by default: the gate's decisions and rendered Markdown are remembered by
content hash, a site whose inputs did not change is not rebuilt (its output
and link findings are kept), and sites are built in `jobs` processes forked
after the gate has decided. `jobs=1, incremental=False` is the plain serial
build; both produce the same files (tests/test_build_equivalence.py).
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import resource
import shutil
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from workflow.build import cache as buildcache
from workflow.build import linkgraph, manifest, search
from workflow.build import shard as shards
from workflow.build import summary as summaries
from workflow.build.cache import BuildCache
from workflow.build.pelican import load as load_pelican
from workflow.build.pelican import run_pelican
from workflow.build.sitesettings import settings_for
from workflow.errors import BuildError, BuildLocked, ManifestError
from workflow.gate import stages, store, workers
from workflow.gate.gate import Decision, Gate
from workflow.gate.parallel import decide
from workflow.gate.run import Run
from workflow.model import dates
from workflow.model.findings import ConfigError, Finding
from workflow.model.sites import Group, load_group, site_url
from workflow.policy import workdays
from workflow.review import history
from workflow.review.permissions import State


@dataclass
class SiteResult:
    site: str
    pages: int
    published: int
    refused: int
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)    # CPU seconds by stage (pelican, search, links, manifest)


@dataclass
class BuildResult:
    output: Path
    sites: list[SiteResult] = field(default_factory=list)
    decided: list[Decision] = field(default_factory=list)          # the items this build read and checked
    refused: list[Decision] = field(default_factory=list)          # every refused item of the group
    pages: dict[str, list[Finding]] = field(default_factory=dict)   # page -> link findings
    seconds: float = 0.0
    unchanged: list[str] = field(default_factory=list)              # sites kept as last built
    cpu: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))   # CPU seconds by stage
    gate: Gate | None = None

    @property
    def decisions(self) -> list[Decision]:
        """Every item's decision: those of sites the build did not read are recalled now."""
        return self.gate.decide_all() if self.gate is not None else self.decided


def build(root: Path, only: list[str] | None = None, output: Path | None = None,
          mode: str = "preview", as_of: dt.datetime | None = None, echo=print,
          jobs: int = 2, incremental: bool = True, before_fork=None, index: Path | None = None,
          shard: tuple[int, int] | None = None) -> BuildResult:
    """`before_fork`: called before worker processes are forked (the CLI freezes the
    garbage collector there: the group and the decisions live to the end). `index`: the
    group index every decision is taken from (`govsite index`); `shard` (K, N): build only
    the K-th of N shares of the sites (workflow/build/shard.py)."""
    started = time.monotonic()
    group = load_group(root, only)                      # ConfigError: nothing written
    if mode == "production" and history.is_shallow(group.root):
        raise BuildError("仓库是浅克隆（只有最近几次提交）：无法按 Git 历史核对审核人和撤除记录，不做生产构建。"
                         "请在 CI 中取完整历史（GitHub Actions：actions/checkout 的 fetch-depth: 0；GitLab：GIT_DEPTH: 0）")
    theme = [f for f in linkgraph.check_theme(group) if f.severity == "error"]
    if theme:
        raise ConfigError(theme)
    workdays.Calendar.load(group.root)                  # a malformed holiday file: ConfigError, nothing written
    output = Path(output or group.root / "output").resolve()
    taken = shards.read_index(index, group) if index else None
    if taken and as_of and as_of != taken.as_of:
        raise BuildError(f"--as-of 与站群索引的时刻（{taken.as_of.isoformat()}）不同：分片构建按索引的时刻判断")
    with locked(output):
        return _build(group, only, output, mode, as_of, echo, jobs, incremental, started, before_fork, taken, shard)


def _build(group: Group, only, output: Path, mode: str, as_of, echo, jobs: int, incremental: bool,
           started: float, before_fork, taken=None, shard=None) -> BuildResult:
    as_of = taken.as_of if taken else as_of or dates.now().replace(microsecond=0)
    cache = BuildCache(output)
    env = buildcache.environment(group, mode)
    keys = store.decisions_keys(group)
    remembered = shards.store_of(taken) if taken else cache.decisions(keys, group.content) if incremental else None
    gate = Gate(group, as_of, store=remembered)
    run = Run(group, as_of, mode, gate, **({"before_fork": before_fork} if before_fork else {}))
    # Sites whose decisions hold as remembered are not read (workflow/build/summary.py);
    # a review preview and a shard decide every item (from the index, for a shard).
    # A large group's files are stat'ed in other processes while this one reads the
    # summaries and loads Pelican (nearly always needed: a change rebuilds its site).
    scanning = summaries.Scanning(summaries.site_dirs(group), jobs, run.before_fork)
    try:
        last_sums = {} if taken or mode == "review" or not incremental else cache.summaries(group.sites)
        if scanning.forked:
            load_pelican()
        now = summaries.inputs_now(group, keys, gate.checker.history, scanning=scanning)
    finally:
        scanning.stop()
    kept = {sid: s for sid, s in last_sums.items() if s.holds(now[sid], as_of, group.root)}
    folders = summaries.folders(group)
    todo = [f for f in folders if f not in kept]
    try:
        decisions = decide(gate, jobs, paths=[group.content / f for f in todo], before_fork=run.before_fork,
                           lean=True) if todo else []
    except workers.WorkerDied as exc:
        raise BuildError(f"检查信息的进程中断：{exc}；原有输出未改动") from exc
    cache.save_decisions(keys, decisions, gate.store)
    if mode == "review":                                # remembered as decided; shown with what they await
        decisions = stages.admit_pending(gate, decisions)
    made = summaries.summarize_all(group, todo, decisions, now, run, lambda d: report_entry(group, d, mode), kept)
    cache.save_summaries({f: s for f, s in made.items() if f in group.sites})
    sums = {**kept, **made}
    run.lent = summaries.lent_to(sums)
    result = BuildResult(output, decided=decisions, gate=gate,
                         refused=[d for f in folders for d in sums[f].refused])
    report_refused(result.refused, echo)
    if shard:
        only = shards.assign(group, decisions, shard[1])[shard[0] - 1]
        echo(f"分片 {shard[0]}/{shard[1]}：{'、'.join(only) or '（无网站）'}")
    selected = [group.sites[s] for s in (only if only is not None else group.sites)]
    prints = buildcache.fingerprints(selected, group, sums, env, as_of.date())
    last = {sid: e for sid, e in cache.sites().items() if sid in group.sites and "targets" in e} \
        if incremental else {}
    stale = [s for s in selected if last.get(s.id, {}).get("fingerprint") != prints[s.id]
             or not (output / s.id).is_dir() or not manifest.path_for(output, s.id).is_file()]
    result.unchanged = [s.id for s in selected if s not in stale]
    staging = output / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    info = build_info(group, mode, as_of)
    try:
        built = build_sites(stale, run, staging, sums, cache, info, jobs, echo, env)
        result.sites = [b.result for b in built]
        entries = remember_sites(last, prints, built)
        # Links into other sites are resolved again when either end was rebuilt, whichever
        # site holds them: a page that appeared or went away elsewhere is found without
        # rebuilding who links to it; links between two sites as they were keep their verdict.
        pages = {page: [Finding(**f) for f in fs] for e in entries.values() for page, fs in e["pages"].items()}
        fresh = {b.result.site for b in built}
        if not shard:       # a shard has only its own sites: `govsite merge` resolves the links between sites
            verdicts: dict[str, list] = {}
            pages = linkgraph.resolve_targets(
                staging, group, {sid: [tuple(t) for t in e["targets"]] for sid, e in entries.items()},
                lambda sid: buildcache.read_deferred(deferred_file(staging, sid)) if sid in fresh
                else cache.deferred(sid), pages, mode,
                last={sid: e["broken"] for sid, e in entries.items() if "broken" in e}, rebuilt=fresh,
                verdicts=verdicts)
            for sid, e in entries.items():
                e["broken"] = verdicts.get(sid, [])
        swap_in(staging, output, [s.id for s in stale])
        for sid in fresh:
            cache.adopt_deferred(sid, deferred_file(staging, sid))
            cache.adopt_pagelinks(sid, pagelinks_file(staging, sid))
            cache.adopt_search_fragments(sid, fragments_file(staging, sid))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    cache.save_sites(entries)
    result.pages = pages
    for stage, seconds in [*gate.cpu.items(), *(kv for b in built for kv in b.result.cpu.items())]:
        result.cpu[stage] += seconds
    write_report_chunks(output / "report.json", [sums[f].report for f in folders], mode, as_of, pages)
    result.seconds = time.monotonic() - started
    cache.save_timings(result)
    total = sum(s.pages for s in result.sites)
    kept_text = f"，{len(result.unchanged)} 个网站无变化未重建" if result.unchanged else ""
    echo(f"完成：{len(result.sites)} 个网站，{total} 个页面{kept_text}，用时 {result.seconds:.1f} 秒；"
         f"拒绝发布 {len(result.refused)} 条（详见 {output / 'report.json'}）")
    return result


LOCK = ".govsite-build.lock"


@contextmanager
def locked(output: Path):
    """One build at a time per output folder (they would replace each other's staging)."""
    output.mkdir(parents=True, exist_ok=True)
    with open(output / LOCK, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip()
            raise BuildLocked(f"另一个构建正在使用输出目录 {output}（{holder or '进程未知'}），"
                              "请等它结束后再运行；两个构建同时写同一目录会互相破坏") from None
        f.seek(0)
        f.truncate()
        f.write(f"进程 {os.getpid()}，开始于 {dates.now().isoformat(timespec='seconds')}\n")
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)


def remember_sites(last: dict, prints: dict, built: list) -> dict:
    """What the cache keeps of each site: its fingerprint, the findings of its links
    that stay inside it, and the targets of its links into other sites (one per way
    they resolve; every such link is kept apart: BuildCache.deferred). A site not
    rebuilt keeps what its last build found."""
    entries = dict(last)
    for b in built:
        entries[b.result.site] = {"fingerprint": prints[b.result.site],
                                  "pages": {page: [f.to_dict() for f in fs] for page, fs in b.pages.items()},
                                  "targets": [list(t) for t in b.targets]}
    return entries


# -- building: a site per process, after the gate decided ---------------------

@dataclass
class Built:
    """What a site's worker hands back: its result, the findings for its links that
    stay inside it, and the targets of its links into other sites (resolved once all
    are built; every such link is in its file, `deferred_file`, read only when one of
    its targets breaks: a large group's are too many to hold)."""
    result: SiteResult
    pages: dict
    targets: list


def deferred_file(staging: Path, sid: str) -> Path:
    return staging / ".links" / f"{sid}.json"


def pagelinks_file(staging: Path, sid: str) -> Path:
    return staging / ".links" / f"{sid}.pages.pickle"


def fragments_file(staging: Path, sid: str) -> Path:
    return staging / ".links" / f"{sid}.search.json"


def last_index(cache: BuildCache, site_id: str, env: str) -> search.LastIndex | None:
    """What a site's last build (with the same environment) left for its search index:
    its folder, its manifest's files and each page's fragment; None without them."""
    known = cache.search_fragments(site_id, env)
    if not known:
        return None
    output = cache.dir.parent
    try:
        files = manifest.read(manifest.path_for(output, site_id))["files"]
    except ManifestError:
        return None
    return search.LastIndex(output / site_id, files, known)


def build_sites(sites, run: Run, staging: Path, sums: dict, cache: BuildCache, info: dict, jobs: int,
                echo, env: str) -> list[Built]:
    """`env`: what every page is made with (cache.environment): the pages' links read by
    the last build are used again only when it is unchanged (workflow/build/pagelinks.py)."""
    group, mode = run.group, run.mode
    order = sorted(sites, key=lambda s: -len(sums[s.id].digests))

    def one(site_id: str, progress=lambda where: None) -> Built:
        """Pelican, feeding pagefind (its own process) each item page it writes;
        the site's links while pagefind writes the index; the manifest of every file."""
        started = time.monotonic()
        site = group.sites[site_id]
        progress(f"content/{site_id}/")
        clock = StageClock()
        own = run.own(site_id)
        last = last_index(cache, site_id, env)
        with search.Indexer(staging / site_id, last) as index:     # fed page by page as Pelican writes
            result = build_site(site, run, staging / site_id, own, jinja_cache=cache.dir / "jinja",
                                written=index.page_written)
            clock.lap("pelican")
            index.write()
            read = cache.pagelinks(site_id, env)
            pages, deferred = linkgraph.check_site(staging, group, site_id, mode, read)
            read.save(pagelinks_file(staging, site_id))
            buildcache.write_deferred(deferred_file(staging, site_id), deferred)
            targets = linkgraph.targets(staging, group, deferred, mode)
            clock.lap("links")
            index.finish()
        search.save_fragments(fragments_file(staging, site_id), env, index.fragments)
        clock.lap("search", children=True)
        manifest.write_manifest(staging / site_id, manifest.path_for(staging, site_id), site, own, info)
        clock.lap("manifest")
        result.seconds = time.monotonic() - started
        result.cpu = clock.spent
        return Built(result, pages, targets)

    results: list[Built] = []
    if jobs > 1 and len(order) > 1:
        # A fresh process per site: memory stays that of one site (it grew site by site).
        load_pelican()
        try:
            workers.run([s.id for s in order], one, min(jobs, len(order)),
                        lambda built: results.append(_done(built, group, echo)), before_fork=run.before_fork)
        except workers.WorkerDied as exc:
            raise BuildError(f"网站 {exc.task} 的构建进程中断：{exc}") from exc
    else:
        results = [_done(one(s.id), group, echo) for s in order]
    position = {s.id: i for i, s in enumerate(sites)}
    return sorted(results, key=lambda b: position[b.result.site])


class StageClock:
    """CPU seconds of this process by stage; `children=True` also counts the children
    waited for since the last lap (pagefind runs beside the link check and is waited
    for after it). The benchmark's breakdown of a build."""

    def __init__(self):
        self.spent: dict[str, float] = {}
        self._own, self._children = time.process_time(), self._waited()

    @staticmethod
    def _waited() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def lap(self, stage: str, children: bool = False) -> None:
        own, waited = time.process_time(), self._waited()
        spent = own - self._own + (waited - self._children if children else 0.0)
        self.spent[stage] = self.spent.get(stage, 0.0) + spent
        self._own, self._children = own, waited


def _done(built: Built, group: Group, echo) -> Built:
    result = built.result
    echo(f"[{result.site}] {group.sites[result.site].name}：{result.pages} 个页面，发布 {result.published} 条，"
         f"拒绝 {result.refused} 条，{result.seconds:.1f} 秒")
    return built


def report_refused(decisions: list[Decision], echo) -> None:
    for d in decisions:
        if d.state == State.REFUSED:
            echo(f"拒绝发布 {d.item.relpath}：")
            for f in d.findings:
                if f.severity == "error":
                    echo(f"    {f.format()}")


def build_site(site, run: Run, out: Path, mine, jinja_cache: Path | None = None, written=None) -> SiteResult:
    """One site with Pelican (workflow/build/pelican.py), counted (`mine`: its items' decisions);
    `written` is told the path of every page Pelican writes."""
    started = time.monotonic()
    settings = settings_for(site, run.group, out, run.mode, run.as_of, run)
    if jinja_cache:                     # image versions by source hash, beside the compiled templates
        settings["GOVSITE_IMAGE_CACHE"] = str(jinja_cache.parent / "images")
    run_pelican(settings, site.id, jinja_cache, written)
    pages = sum(1 for _ in out.rglob("*.html"))
    return SiteResult(site.id, pages, sum(d.published for d in mine),
                      sum(d.state == State.REFUSED for d in mine), time.monotonic() - started)


def swap_in(staging: Path, output: Path, site_ids: list[str]) -> None:
    """Replace output/<site> by the freshly built staging/<site>, one rename each;
    then its manifest (kept outside the site folder, never served)."""
    for sid in site_ids:
        target = output / sid
        old = output / f".old-{sid}"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        (staging / sid).rename(target)
        shutil.rmtree(old, ignore_errors=True)
        manifest.path_for(output, sid).parent.mkdir(exist_ok=True)
        manifest.path_for(staging, sid).replace(manifest.path_for(output, sid))


def item_url(group: Group, decision: Decision, mode: str) -> str | None:
    item = decision.item
    site = group.sites.get(item.site_id) if item.site_id else None
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


def report_entry(group: Group, d: Decision, mode: str) -> dict:
    return {
        "site": d.item.site_id,
        "path": d.item.relpath,
        "url": item_url(group, d, mode),
        "status": "pending" if d.pending else d.state.value,
        **({"pending": list(d.pending)} if d.pending else {}),
        **({"withdrawal_mode": d.withdrawal["mode"]} if d.withdrawal else {}),
        "findings": [f.to_dict() for f in d.findings],
    }


def write_report(path: Path, group: Group, decisions: list[Decision], mode: str, as_of,
                 pages: dict | None = None) -> None:
    chunks: dict[str, list[str]] = {}
    for d in decisions:
        chunks.setdefault(d.item.site_id or "", []).append(json.dumps(report_entry(group, d, mode), ensure_ascii=False))
    write_report_chunks(path, [", ".join(c) for c in chunks.values()], mode, as_of, pages)


def write_report_chunks(path: Path, chunks: list[str], mode: str, as_of, pages: dict | None = None) -> None:
    """report.json from each site's part (its items' entries, JSON, comma-joined: summary.py):
    what json.dumps writes for the whole report (compact: the C encoder)."""
    head = {"generated": dates.now().isoformat(timespec="seconds"), "as_of": as_of.isoformat(),
            "mode": mode, **({"review_preview": True} if mode == "review" else {})}
    found = {page: [f.to_dict() for f in fs] for page, fs in (pages or {}).items()}
    text = (json.dumps(head, ensure_ascii=False)[:-1] + ', "items": [' + ", ".join(c for c in chunks if c)
            + '], "pages": ' + json.dumps(found, ensure_ascii=False) + "}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
