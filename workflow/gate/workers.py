"""Work in forked processes, a fresh one per task, that can die without hanging us.

`multiprocessing.Pool` waits forever for a worker the kernel killed (the OOM
killer, a crash in a C library): here every task has its own process and pipe,
notes which file it is on in a slot of shared memory (read only if it dies: no
message per file), and a process that ends without a result raises WorkerDied
naming the task and that file. The gate (deciding many items) and
the build (a site per process) both run through `run`; `Started` forks tasks at
once and takes their results later, while this process works on (the stat of a
large group's files).
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar, cast

from workflow.errors import WorkerDied as WorkerDied  # re-exported: what `run` raises
from workflow.errors import WorkerFailed

_Task = TypeVar("_Task")
_Result = TypeVar("_Result")
Progress = Callable[[str], None]      # a worker says which file it is on


SLOT = 4096                           # bytes of the file name a worker notes it is on


@dataclass
class _Running(Generic[_Task]):
    proc: BaseProcess
    task: _Task
    slot: Any                         # shared memory: the file it last said it was on

    @property
    def last(self) -> str | None:
        return bytes(self.slot).partition(b"\0")[0].decode("utf-8", "replace") or None


def run(tasks: list[_Task], work: Callable[[_Task, Progress], _Result], jobs: int,
        on_result: Callable[[_Result], None], before_fork: Callable[[], None] = lambda: None) -> None:
    """`work(task, progress)` for every task, each in a fresh forked process, `jobs` at
    a time; `on_result` is called in this process with each result as it arrives;
    `before_fork` before each fork (the CLI freezes the garbage collector there).
    Raises WorkerDied, or the worker's own exception; the other workers are stopped."""
    ctx = multiprocessing.get_context("fork")
    pending = list(tasks)
    running: dict[Connection[Any, Any], _Running[_Task]] = {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                conn, worker = _fork(ctx, work, pending.pop(0), before_fork)
                running[conn] = worker
            for ready in multiprocessing.connection.wait(list(running)):
                conn = cast("Connection[Any, Any]", ready)     # wait() hands back what it was given
                on_result(_receive(conn, running.pop(conn)))
    finally:
        for conn, left in running.items():
            left.proc.kill()
            left.proc.join()
            conn.close()


class Started(Generic[_Task, _Result]):
    """Every task forked at once, each in its own process, while this process works on:
    `results()` waits for them (in the order of the tasks); `stop()` ends any still
    running (call it when the results are no longer wanted)."""

    def __init__(self, tasks: list[_Task], work: Callable[[_Task, Progress], _Result],
                 before_fork: Callable[[], None] = lambda: None):
        ctx = multiprocessing.get_context("fork")
        self._running: list[tuple[Connection[Any, Any], _Running[_Task]]] = []
        try:
            for task in tasks:
                self._running.append(_fork(ctx, work, task, before_fork))
        except BaseException:
            self.stop()
            raise

    def results(self) -> list[_Result]:
        try:
            return [_receive(conn, worker) for conn, worker in self._running]
        finally:
            self.stop()

    def stop(self) -> None:
        for conn, worker in self._running:
            if worker.proc.is_alive():
                worker.proc.kill()
            worker.proc.join()
            conn.close()
        self._running = []


def _fork(ctx: Any, work: Callable[[_Task, Progress], object], task: _Task,
          before_fork: Callable[[], None]) -> tuple[Connection[Any, Any], _Running[_Task]]:
    """`work(task, progress)` in a fresh forked process; its result comes down the pipe."""
    parent, child = ctx.Pipe(duplex=False)
    slot = ctx.RawArray("c", SLOT)
    # Before every fork, not once: what arrived from earlier workers (a large
    # group's decisions) is frozen too, so no child's collector walks it.
    before_fork()
    proc = ctx.Process(target=_child, args=(work, task, child, slot), daemon=True)
    proc.start()
    child.close()
    return parent, _Running(proc, task, slot)


def _receive(conn: Connection[Any, Any], worker: _Running[_Task]) -> Any:
    """A worker's result: its exception raised again here, WorkerDied when it ended without one."""
    try:
        kind, value = conn.recv()
    except (EOFError, OSError):
        worker.proc.join()
        conn.close()
        raise WorkerDied(worker.task, worker.last, worker.proc.exitcode) from None
    worker.proc.join()
    conn.close()
    if kind == "error":
        raise value
    return value


def _child(work: Callable[[_Task, Progress], object], task: _Task, conn: Connection[Any, Any], slot: Any) -> None:
    def progress(where: str) -> None:
        data = where.encode("utf-8", "replace")[:SLOT - 1]
        slot[:len(data) + 1] = data + b"\0"

    try:
        result = work(task, progress)
        conn.send(("result", result))
    except BaseException as exc:
        try:
            conn.send(("error", exc))
        except Exception:
            conn.send(("error", WorkerFailed("".join(traceback.format_exception(exc))[-2000:])))
    finally:
        conn.close()
