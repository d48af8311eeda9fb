"""Which items a change affects (`govsite check --base REF`).

The changed files are those between the merge base of REF and HEAD and the
working tree (so, in a pull request, every commit of the branch; before a
commit, `--base HEAD`, what is staged). Each changed file affects:

  content/<site>/<column>/<slug>.md   that item; a deleted one every item (links to it)
  any other file in a column folder   every item of that column (its attachments)
  content/<site>/site.yaml            every item (columns, reviewers, syndication, links)
  keys/, policy/, themes/, plugins/, workflow/, pelicanconf.py, publishconf.py
                                      every item (keys, policy data, theme, code)
  anything else (README, tests, CI)   nothing
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workflow.errors import ChangeError as ChangeError  # re-exported: what changed_files raises

if TYPE_CHECKING:
    from workflow.model.sites import Group

# Inputs of every item's verdict or page.
GLOBAL = ("keys/", "policy/", "themes/", "plugins/", "workflow/")
GLOBAL_FILES = ("pelicanconf.py", "publishconf.py")


@dataclass
class Affected:
    items: list[Path] = field(default_factory=list)   # the items to check, unless `everything`
    everything: bool = False
    because: str | None = None                        # why everything (Chinese)
    files: list[str] = field(default_factory=list)    # the changed files


def changed_files(root: Path, base: str) -> list[str]:
    """Repository-relative paths changed since the merge base of `base` and HEAD."""
    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(root), "-c", "core.quotePath=false", *args],
                              capture_output=True, text=True, encoding="utf-8", errors="surrogateescape")

    merge_base = git("merge-base", base, "HEAD")
    since = merge_base.stdout.strip() if merge_base.returncode == 0 else base
    proc = git("diff", "--name-only", "--no-renames", "-z", since)
    if proc.returncode != 0:
        raise ChangeError(proc.stderr.strip() or f"git diff {since} 失败")
    return sorted(p for p in proc.stdout.split("\0") if p)


def affected(group: Group, files: list[str]) -> Affected:
    root = group.root
    result = Affected(files=files)
    found: set[Path] = set()
    for name in files:
        parts = name.split("/")
        if name.startswith(GLOBAL) or name in GLOBAL_FILES:
            return Affected(everything=True, because=f"{name} 影响所有信息", files=files)
        if parts[0] != "content" or len(parts) < 3:
            continue
        if len(parts) == 3:
            if parts[2] == "site.yaml":
                return Affected(everything=True, because=f"{name} 影响所有信息", files=files)
            continue
        path = root / name
        if name.endswith(".md"):
            if not path.exists() and not path.is_symlink():
                return Affected(everything=True, because=f"{name} 被删除或移动（其他信息可能链接到它）", files=files)
            found.add(path)
            continue
        column = root / "content" / parts[1] / parts[2]    # an attachment: the items of its column
        if column.is_dir():
            found.update(p for p in column.rglob("*.md"))
    result.items = sorted(found)
    return result
