"""Benchmark: plain Pelican against `govsite build`, on one synthetic corpus.

    python benchmarks/run.py [--items N] [--sites S] [--jobs J] [--out DIR]

Measures, in one run and on the same corpus (benchmarks/generate.py):
  (a) plain Pelican, no plugins, one process, over the same items
  (b) `govsite build`, cold (no output, no cache)
  (c) `govsite build` after one item was edited (and approved again)
  (d) `govsite check` of every item, in a fresh process
  (e) the internal link check of the built group (workflow.build.linkgraph.check_built)
Each stage runs in its own subprocess: wall time, CPU time (user + system,
all processes), and peak RSS as ru_maxrss of that process tree (the largest
single process) and as the sampled sum over the tree. Prints a table, then as its last line one JSON object.
"""
from __future__ import annotations

import argparse
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
    """Resident bytes of `pid` and all its descendants, now."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(p, []))
    return total


def measure(name: str, cmd: list[str], cwd: Path, env: dict | None = None, ok=(0,)) -> dict:
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


def edited_item(group: Path) -> Path:
    """One item of the site with the median number of items (a typical edit)."""
    sizes = sorted((sum(1 for _ in d.rglob("*.md")), d.name) for d in (group / "content").iterdir() if d.is_dir())
    site = sizes[len(sizes) // 2][1]
    return sorted((group / "content" / site).rglob("*.md"))[0]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--sites", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2, help="govsite build --jobs")
    ap.add_argument("--out", type=Path, default=HERE / "corpus")
    args = ap.parse_args(argv)
    out = args.out.resolve()
    t = time.monotonic()
    generate.generate(out, args.items, args.sites, echo=lambda *_: None)
    print(f"corpus: {args.items} items, {args.sites} sites in {out} ({time.monotonic() - t:.0f} s to generate)")
    group, plain = out / "group", out / "plain"
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

    rows = [measure("a plain Pelican (1 process, no plugins)",
                    [PY, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output", "-q"], cwd=plain)]
    rows.append(measure(f"b govsite build, cold (--jobs {args.jobs})",
                        [*govsite, "build", "--jobs", str(args.jobs)], out, snap))
    edited = edited_item(group)
    generate.edit_item(edited, out / "keys")
    rows.append(measure(f"c govsite build, one item edited ({edited.parent.parent.name})",
                        [*govsite, "build", "--jobs", str(args.jobs)], out, snap))
    rows.append(measure("d govsite check, every item (fresh process)", [*govsite, "check"], out, snap))
    rows.append(measure("e link check of the built group", [PY, "-c", LINKCHECK, str(group), str(env_out)],
                        out, snap))

    plain_s = rows[0]["seconds"]
    print(f"\n{'stage':58} {'wall s':>8} {'ratio':>7} {'CPU s':>8} {'RSS MB':>8} {'tree MB':>8}")
    for r in rows:
        print(f"{r['stage']:58} {r['seconds']:8.1f} {r['seconds'] / plain_s:7.3f} {r['cpu_s']:8.1f} "
              f"{r['rss_mb']:8.0f} {r['tree_rss_mb']:8.0f}")
    ours = rows[1:]
    summary = {
        "items": args.items, "sites": args.sites, "jobs": args.jobs,
        "plain_pelican_s": round(plain_s, 2), "plain_rss_mb": round(rows[0]["rss_mb"]),
        "cold_s": round(rows[1]["seconds"], 2), "cold_ratio": round(rows[1]["seconds"] / plain_s, 3),
        "one_edit_s": round(rows[2]["seconds"], 2), "one_edit_ratio": round(rows[2]["seconds"] / plain_s, 3),
        "check_s": round(rows[3]["seconds"], 2), "check_ratio": round(rows[3]["seconds"] / plain_s, 3),
        "linkcheck_s": round(rows[4]["seconds"], 2), "linkcheck_ratio": round(rows[4]["seconds"] / plain_s, 3),
        "cpu_s": {k: round(r["cpu_s"], 2) for k, r in zip("abcde", rows)},
        "peak_rss_mb": round(max(r["rss_mb"] for r in ours)),
        "peak_tree_rss_mb": round(max(r["tree_rss_mb"] for r in ours)),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
