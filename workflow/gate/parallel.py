"""Deciding many items at once: the gate in forked worker processes.

Used by `govsite build` (before it forks the site builders, so they inherit
every decision) and by `govsite check`. Workers return decisions without the
items' bytes, taken as decided now; whoever needs an item's bytes (a site's
builder) reads the file again and must find the same hash (Gate.decide).
A worker that dies (killed for memory, a crash in a library) is reported with
the file it was on, never waited for (workflow/workers.py).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from workflow.gate import store, workers
from workflow.gate.gate import Decision, Gate
from workflow.gate.store import DecisionStore
from workflow.model.items import find_items

PARALLEL_MIN = 100      # below this many items a worker costs more than it saves


def decide(gate: Gate, jobs: int = 2, paths: Sequence[str | os.PathLike[str]] | None = None,
           before_fork: Callable[[], None] = lambda: None, lean: bool = False) -> list[Decision]:
    """The gate's decision for every item (or those under `paths`). Items not
    remembered are checked in forked workers, a site per task. `govsite check`
    decides the same way. `lean`: the decisions without the items' bytes (Gate.lean)."""
    group = gate.group
    if gate.store is None:
        gate.store = DecisionStore({})
    known = gate.store
    todo: dict[str, list[Path]] = {}
    files = find_items(group, paths)
    nothing_known = known.empty()
    for path in files:
        if nothing_known or not gate.recall(path):
            todo.setdefault(path.relative_to(group.content).parts[0], []).append(path)
    if jobs > 1 and sum(map(len, todo.values())) >= 2 * PARALLEL_MIN:
        order = sorted(todo.items(), key=lambda kv: -len(kv[1]))

        def work(task: tuple[str, list[Path]], progress: Callable[[str], None]) -> tuple[list[store.Entry], dict[str, float]]:
            _, site_paths = task
            gate.cpu.clear()            # a fresh fork inherits what the parent counted so far
            found = []
            for p in site_paths:
                progress(str(p.relative_to(group.root)))
                found.append(gate.decide_anew(p))       # the store was asked already (above)
            return [store.entry(d) for d in found], dict(gate.cpu)

        def done(result: tuple[list[store.Entry], dict[str, float]]) -> None:
            entries, cpu = result
            known.add(entries)
            for _, decision in entries:
                gate.decided_elsewhere(decision)
            for stage, seconds in cpu.items():
                gate.cpu[stage] += seconds

        workers.run(order, work, jobs, done, before_fork)
    return gate.decide_all(paths, files, lean=lean)
