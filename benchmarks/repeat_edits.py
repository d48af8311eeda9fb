"""Repeated one-item edits on groups that benchmarks/run.py left built, alternated
between them: the median wall time of each and the ratio of the medians.

    python benchmarks/repeat_edits.py OUT_SMALL OUT_LARGE [--times N]

OUT_*: the --out folders of two runs of benchmarks/run.py (e.g. 10,000 and 100,000
items). A single run's first change after a cold build also measures the disk the cold
build left behind; this measures the change itself, several times, on the same machine
state for both groups.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import generate
from benchmarks.run import LATER, median_site, stamp


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outs", nargs=2, type=Path)
    ap.add_argument("--times", type=int, default=8)
    args = ap.parse_args(argv)
    seconds: dict[Path, list[float]] = {out: [] for out in args.outs}
    for k in range(args.times):
        for out in args.outs:
            group = out / "group"
            _, items = median_site(group)
            generate.edit_item(items[30 + k], out / "keys", words=f"（重复修改{k}）")
            os.sync()
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "workflow.cli", "--root", str(group), "build", "--jobs", "2",
                            "--as-of", stamp(LATER)], check=True, capture_output=True)
            seconds[out].append(time.monotonic() - started)
    for out, values in seconds.items():
        print(f"{out}: {' '.join(f'{v:.2f}' for v in values)}; median {statistics.median(values):.2f} s")
    small, large = (statistics.median(seconds[out]) for out in args.outs)
    print(f"ratio of the medians: {large / small:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
