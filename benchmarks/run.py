"""Benchmark: plain Pelican against `govsite build`, on one synthetic corpus.

    python benchmarks/run.py [--items N] [--sites S] [--jobs J] [--out DIR] [--shards 1,2,4] [--no-plain]

Measures, in one run and on the same corpus (benchmarks/generate.py), every
govsite build at one fixed moment (--as-of):
  a  plain Pelican, no plugins, one process, over the same items (--no-plain: not run,
     and every ratio to it is null; at 100,000 items it takes longer than the rest, and
     the targets there are ratios to the 10,000-item run)
  b  `govsite build`, cold (no output, no cache); its CPU seconds by stage
     (read, gate, pelican, search, links, manifest; from the build's timings.json)
  c  one item edited (and approved again)    d  one new item (approved)
  e  one item deleted                         f  one item withdrawn (复查撤除)
  g  a scheduled item coming due (the hourly build an hour later)
  h  `govsite check` of every item, in a fresh process
  i  the internal link check of the built group (workflow.build.linkgraph.check_built)
  shards: `govsite index`, then N shards built one after another, each as its own
     process with --jobs J (as N CI runners would, one at a time here), then
     `govsite merge`; the simulated wall time of N runners is index + the slowest
     shard + merge, and the speed-up is the cold build's time over it.
Each stage runs in its own subprocess, after os.sync(): wall time, CPU time (user + system,
all processes), and peak RSS as ru_maxrss of that process tree (the largest
single process) and as the sampled sum over the tree. Prints a table, then as
its last line one JSON object.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

PY = sys.executable
LINKCHECK = """
import sys
from pathlib import Path
from workflow.build import linkgraph
from workflow.model.sites import load_group
group = load_group(Path(sys.argv[1]))
pages = linkgraph.check_built(Path(sys.argv[2]), group, list(group.sites), "preview")
print(sum(len(v) for v in pages.values()), "link findings")
"""


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants, now. It walks down from `pid`
    (/proc/<pid>/task/<tid>/children): reading every process on the machine each 50 ms
    took a share of a core from the two the build runs on."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, IndexError, ValueError):       # gone meanwhile
            pass
    return total


def measure(name: str, cmd: list[str], cwd: Path, env: dict | None = None, ok=(0,)) -> dict:
    # Each step starts on a settled disk: the gigabytes a cold build wrote are still being
    # written back when the next step starts, and that is not the next step's cost.
    os.sync()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        sys.stderr.write(output.decode("utf-8", "replace")[-3000:])
        raise SystemExit(f"{name}: exit {proc.returncode}: {' '.join(cmd)}")
    return {"stage": name, "seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024,
            "tree_rss_mb": peak[0] / 2**20, "tail": output.decode("utf-8", "replace").strip().splitlines()[-1:]}


AS_OF = dt.datetime(2026, 11, 25, 9, 0)             # every build judges at this moment
DUE = AS_OF + dt.timedelta(hours=1)                 # the scheduled item's date
LATER = AS_OF + dt.timedelta(hours=2)               # the hourly build that publishes it
CHANGES = [("c", "one_edit", "one item edited"), ("d", "new_item", "one new item"),
           ("e", "delete", "one item deleted"), ("f", "withdraw", "one item withdrawn"),
           ("g", "scheduled", "a scheduled item due")]


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def median_site(group: Path) -> tuple[str, list[Path]]:
    """The site with the median number of items and its items (a typical change)."""
    sizes = sorted((sum(1 for _ in d.rglob("*.md")), d.name) for d in (group / "content").iterdir() if d.is_dir())
    site = sizes[len(sizes) // 2][1]
    return site, sorted((group / "content" / site).rglob("*.md"))


def timings(output: Path) -> dict:
    return json.loads((output / ".govsite-cache" / "timings.json").read_text(encoding="utf-8"))


def sharded(out: Path, group: Path, govsite: list[str], env: dict, jobs: int, counts: list[int]) -> list[dict]:
    """Each N: index once, N shard builds (one after another), merge."""
    index = out / "shards" / "index.pickle"
    shutil.rmtree(out / "shards", ignore_errors=True)
    index.parent.mkdir(parents=True)
    made = measure("index", [*govsite, "index", "--as-of", stamp(LATER), "--output", str(index)], out, env)
    rows = []
    for n in counts:
        runs = []
        for k in range(1, n + 1):
            runs.append(measure(f"shard {k}/{n}", [*govsite, "build", "--jobs", str(jobs), "--shard", f"{k}/{n}",
                                                 "--index", str(index), "--output", str(out / "shards" / f"{n}-{k}")],
                                out, env))
        merged = measure(f"merge {n}", [*govsite, "merge", *(str(out / "shards" / f"{n}-{k}") for k in range(1, n + 1)),
                                        "--index", str(index), "--output", str(out / "shards" / f"{n}-merged")],
                         out, env)
        wall = made["seconds"] + max(r["seconds"] for r in runs) + merged["seconds"]
        rows.append({"n": n, "index_s": made["seconds"], "shard_s": [r["seconds"] for r in runs],
                     "merge_s": merged["seconds"], "wall_s": wall,
                     "rss_mb": max(r["rss_mb"] for r in [made, merged, *runs])})
        for k in range(1, n + 1):
            shutil.rmtree(out / "shards" / f"{n}-{k}", ignore_errors=True)
        shutil.rmtree(out / "shards" / f"{n}-merged", ignore_errors=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--sites", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2, help="govsite build --jobs")
    ap.add_argument("--out", type=Path, default=HERE / "corpus")
    ap.add_argument("--shards", default="1,2,4", help="shard counts to simulate, comma-separated ('' for none)")
    ap.add_argument("--no-plain", action="store_true", help="do not run plain Pelican (ratios to it are null)")
    args = ap.parse_args(argv)
    out = args.out.resolve()
    t = time.monotonic()
    generate.generate(out, args.items, args.sites, echo=lambda *_: None)
    group, plain, keys = out / "group", out / "plain", out / "keys"
    site, site_items = median_site(group)
    generate.new_item(group, keys, site, args.items + 2, date=DUE)     # scheduled: due between g's builds
    print(f"corpus: {args.items} items, {args.sites} sites in {out} ({time.monotonic() - t:.0f} s to generate)")
    # The code measured is a snapshot: an edit to workflow/ during the run would
    # (rightly) make the build after one edit rebuild every site.
    shutil.rmtree(out / "code", ignore_errors=True)
    shutil.copytree(generate.PROJECT / "workflow", out / "code" / "workflow",
                    ignore=shutil.ignore_patterns("__pycache__"))
    snap = {**os.environ, "PYTHONPATH": str(out / "code")}
    govsite = [PY, "-m", "workflow.cli", "--root", str(group)]
    env_out = group / "output"
    shutil.rmtree(plain / "output", ignore_errors=True)
    shutil.rmtree(env_out, ignore_errors=True)

    def build(name: str, at: dt.datetime = AS_OF) -> dict:
        row = measure(name, [*govsite, "build", "--jobs", str(args.jobs), "--as-of", stamp(at)], out, snap)
        row["built"] = timings(env_out)["sites_built"]
        return row

    rows = [] if args.no_plain else [
        measure("a plain Pelican (1 process, no plugins)",
                [PY, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output", "-q"], cwd=plain)]
    rows.append(build(f"b govsite build, cold (--jobs {args.jobs})"))
    cold = rows[-1]
    stages_cpu = timings(env_out)["stages_cpu_s"]
    generate.edit_item(site_items[0], keys)
    rows.append(build(f"c one item edited ({site})"))
    generate.new_item(group, keys, site, args.items + 1)
    rows.append(build(f"d one new item ({site})"))
    site_items[1].unlink()
    rows.append(build(f"e one item deleted ({site})"))
    generate.withdraw_item(site_items[2], keys)
    rows.append(build(f"f one item withdrawn ({site})"))
    rows.append(build(f"g a scheduled item due ({site}, an hour later)", LATER))
    rows.append(measure("h govsite check, every item (fresh process)", [*govsite, "check"], out, snap))
    rows.append(measure("i link check of the built group", [PY, "-c", LINKCHECK, str(group), str(env_out)],
                        out, snap))
    counts = [int(n) for n in args.shards.split(",") if n.strip()]
    shard_rows = sharded(out, group, govsite, snap, args.jobs, counts) if counts else []

    by = {r["stage"][0]: r for r in rows}
    plain_s = by["a"]["seconds"] if "a" in by else None

    def ratio(seconds: float) -> float | None:
        return None if plain_s is None else round(seconds / plain_s, 3)

    print(f"\n{'stage':58} {'wall s':>8} {'ratio':>7} {'CPU s':>8} {'RSS MB':>8} {'tree MB':>8}  sites built")
    for r in rows:
        built = r.get("built")
        shown = "" if built is None else f"{len(built)}: {' '.join(built[:6])}{' …' if len(built) > 6 else ''}"
        shown_ratio = "—" if plain_s is None else f"{r['seconds'] / plain_s:.3f}"
        print(f"{r['stage']:58} {r['seconds']:8.1f} {shown_ratio:>7} {r['cpu_s']:8.1f} "
              f"{r['rss_mb']:8.0f} {r['tree_rss_mb']:8.0f}  {shown}")
    other = cold["cpu_s"] - sum(stages_cpu.values())
    print("\ncold build, CPU seconds by stage: "
          + "  ".join(f"{k} {v:.1f}" for k, v in sorted(stages_cpu.items(), key=lambda kv: -kv[1]))
          + f"  other {other:.1f}  (total {cold['cpu_s']:.1f})")
    for r in shard_rows:
        print(f"{r['n']} shard(s): index {r['index_s']:.1f} s + slowest shard {max(r['shard_s']):.1f} s "
              f"+ merge {r['merge_s']:.1f} s = {r['wall_s']:.1f} s; speed-up over the cold build "
              f"{cold['seconds'] / r['wall_s']:.2f}")
    ours = [r for r in rows if r["stage"][0] != "a"]
    summary = {
        "items": args.items, "sites": args.sites, "jobs": args.jobs,
        "plain_pelican_s": None if plain_s is None else round(plain_s, 2),
        "plain_rss_mb": round(by["a"]["rss_mb"]) if "a" in by else None,
        "cold_s": round(by["b"]["seconds"], 2), "cold_ratio": ratio(by["b"]["seconds"]),
    }
    for letter, key, _ in CHANGES:
        summary[f"{key}_s"] = round(by[letter]["seconds"], 2)
        summary[f"{key}_ratio"] = ratio(by[letter]["seconds"])
        summary[f"{key}_sites_built"] = len(by[letter]["built"])
    summary.update({
        "check_s": round(by["h"]["seconds"], 2), "check_ratio": ratio(by["h"]["seconds"]),
        "linkcheck_s": round(by["i"]["seconds"], 2), "linkcheck_ratio": ratio(by["i"]["seconds"]),
        "cpu_s": {r["stage"][0]: round(r["cpu_s"], 2) for r in rows},
        "stages_cpu_s": {**{k: round(v, 2) for k, v in stages_cpu.items()}, "other": round(other, 2)},
        "peak_rss_mb": round(max(r["rss_mb"] for r in ours)),
        "peak_tree_rss_mb": round(max(r["tree_rss_mb"] for r in ours)),
        "shards": {str(r["n"]): {"wall_s": round(r["wall_s"], 2), "speedup": round(by["b"]["seconds"] / r["wall_s"], 2),
                                 "rss_mb": round(r["rss_mb"])} for r in shard_rows},
    })
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
