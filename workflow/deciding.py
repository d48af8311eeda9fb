"""Deciding many items at once: the gate in forked worker processes.

Used by `govsite build` (before it forks the site builders, so they inherit
every decision) and by `govsite check`. Workers return decisions without the
items' bytes; the parent reads each file again and must find the same hash.
"""
from __future__ import annotations

import gc
import multiprocessing
from pathlib import Path

from . import buildcache
from .buildcache import DecisionStore
from .gate import Decision, Gate
from .items import find_items


def decide(gate: Gate, jobs: int = 2, paths=None) -> list[Decision]:
    """The gate's decision for every item (or those under `paths`). Items not
    remembered are checked in forked workers, a site per task. `govsite check`
    decides the same way."""
    group = gate.group
    if gate.store is None:
        gate.store = DecisionStore({})
    todo: dict[str, list[Path]] = {}
    gc.freeze()     # the group, loaded once, is never garbage: no collection walks it (nor copies it into a fork)
    files = find_items(group, paths)
    for path in files:
        if not gate.recall(path):
            todo.setdefault(path.relative_to(group.content).parts[0], []).append(path)
    if jobs > 1 and sum(map(len, todo.values())) >= 2 * PARALLEL_MIN:
        global _DECIDING
        _DECIDING = gate
        order = sorted(todo.items(), key=lambda kv: -len(kv[1]))
        with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=1) as pool:   # memory of one site at a time
            for found in pool.imap_unordered(_decide_site, order):
                gate.store.add(found)
        _DECIDING = None
    return gate.decide_all(paths, files)


PARALLEL_MIN = 100      # below this many items a worker costs more than it saves
_DECIDING = None


def _decide_site(task):
    site_id, paths = task
    gate = _DECIDING
    found = [gate.decide(p) for p in paths]
    return [buildcache.entry(d) for d in found]     # the parent reads the bytes again
