"""Approve every demo item with demo reviewer keys (a maintainer's tool).

The demo reviewers' private keys are never committed. This script keeps them
outside the repository (default ~/.cache/govsite-demo-keys), creates any that
are missing, writes their public keys to keys/allowed_signers, and runs
`govsite approve` for every level each item still lacks. When the keys are
new, every earlier demo signature stops verifying and is replaced.

    python scripts/approve_demo.py [--keys DIR]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workflow import cli  # noqa: E402
from workflow.gate.gate import Gate  # noqa: E402
from workflow.model.sites import load_group  # noqa: E402
from workflow.review import approval  # noqa: E402


def ensure_key(keys: Path, rid: str) -> Path:
    key = keys / rid
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", rid, "-f", str(key)], check=True)
    return key


def write_allowed_signers(group, keys: Path) -> None:
    lines = ["# Reviewers' public keys: principal = reviewer id in site.yaml.",
             "# Add a line per key; see README \"Adding a reviewer\"."]
    rids = sorted({rid for s in group.sites.values() for rid in s.data["reviewers"]})
    for rid in rids:
        pub = Path(f"{ensure_key(keys, rid)}.pub").read_text().split()
        lines.append(f'{rid} namespaces="{approval.NAMESPACE}" {pub[0]} {pub[1]} {rid}')
    (group.root / approval.ALLOWED_SIGNERS).parent.mkdir(exist_ok=True)
    (group.root / approval.ALLOWED_SIGNERS).write_text("\n".join(lines) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=Path, default=Path.home() / ".cache" / "govsite-demo-keys")
    args = ap.parse_args()
    args.keys.mkdir(parents=True, exist_ok=True)
    group = load_group(ROOT)
    write_allowed_signers(group, args.keys)
    failures = 0
    for decision in Gate(load_group(ROOT)).decide_all():
        item = decision.item
        site = group.sites.get(item.site_id)
        if site is None or not decision.findings or decision.published:
            continue
        author = (item.meta or {}).get("author")
        used: set[str] = set()
        for level in site.required_levels(item.column):
            holder = next((r for r in site.holders(level) if r != author and r not in used), None)
            if holder is None:
                print(f"{item.relpath}: 没有可签署“{level}”的审核人", file=sys.stderr)
                failures += 1
                break
            used.add(holder)
            code = cli.main(["--root", str(ROOT), "approve", str(item.path), "--key",
                             str(args.keys / holder), "--as", holder, "--level", level])
            failures += code != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
