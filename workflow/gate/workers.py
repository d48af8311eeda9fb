"""Work in forked processes, a fresh one per task, that can die without hanging us.

`multiprocessing.Pool` waits forever for a worker the kernel killed (the OOM
killer, a crash in a C library): here every task has its own process and pipe,
reports which file it is on, and a process that ends without a result raises
WorkerDied naming the task and that file. The gate (deciding many items) and
the build (a site per process) both run through `run`.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import traceback
from collections.abc import Callable
from typing import Any

from workflow.errors import WorkerDied, WorkerFailed


def run(tasks: list, work: Callable[[Any, Callable[[str], None]], Any], jobs: int,
        on_result: Callable[[Any], None], before_fork: Callable[[], None] = lambda: None) -> None:
    """`work(task, progress)` for every task, each in a fresh forked process, `jobs` at
    a time; `on_result` is called in this process with each result as it arrives.
    Raises WorkerDied, or the worker's own exception; the other workers are stopped."""
    ctx = multiprocessing.get_context("fork")
    before_fork()
    pending = list(tasks)
    running: dict = {}        # connection -> [process, task, last progress]
    try:
        while pending or running:
            while pending and len(running) < jobs:
                task = pending.pop(0)
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(work, task, child), daemon=True)
                proc.start()
                child.close()
                running[parent] = [proc, task, None]
            for conn in multiprocessing.connection.wait(list(running)):
                proc, task, last = running[conn]
                try:
                    kind, value = conn.recv()
                except (EOFError, OSError):
                    proc.join()
                    del running[conn]
                    conn.close()
                    raise WorkerDied(task, last, proc.exitcode) from None
                if kind == "progress":
                    running[conn][2] = value
                    continue
                proc.join()
                del running[conn]
                conn.close()
                if kind == "error":
                    raise value
                on_result(value)
    finally:
        for conn, (proc, _, _) in running.items():
            proc.kill()
            proc.join()
            conn.close()


def _child(work, task, conn) -> None:
    try:
        result = work(task, lambda where: conn.send(("progress", where)))
        conn.send(("result", result))
    except BaseException as exc:
        try:
            conn.send(("error", exc))
        except Exception:
            conn.send(("error", WorkerFailed("".join(traceback.format_exception(exc))[-2000:])))
    finally:
        conn.close()
