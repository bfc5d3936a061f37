"""Lines on this machine: one LineWorker in this process, or one per worker process (all cores).

Short clips keep one core busy each (the default engine decodes clips under 6 s in-process), so lines
run side by side in worker processes, each with its own warm engine. A worker that dies (out of
memory, a crash in a native library) fails only its own lines: they are tried once more in a fresh pool.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

from .line import LineWorker
from .manifest import Line

_worker: LineWorker | None = None
_started: list = []          # the fork server's context once start_early has started it
CRASHED = "the worker process running this line stopped unexpectedly (out of memory, or a crash)"


def default_workers(n_lines: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, 8, n_lines))


def run(todo: list[tuple[Line, str]], out_dir: str, on_result: Callable[[dict], None], workers: int = 1,
        checkpoints: str | None = None) -> None:
    if not todo:
        return
    if workers <= 1:
        w = LineWorker(checkpoints)
        for line, key in todo:
            on_result(w.run(line, out_dir, key))
        return
    pending = list(todo)
    for attempt in range(2):
        pending = _pool(pending, out_dir, on_result, workers, checkpoints)
        if not pending:
            return
    for line, key in pending:
        on_result({"id": line.id, "row": line.row, "key": key, "status": "failed", "reason": CRASHED,
                   "outputs": {}, "audio_s": 0.0, "seconds": 0.0})


def _pool(todo, out_dir, on_result, workers, checkpoints) -> list:
    """Run `todo` in a process pool; returns the lines lost to a broken pool."""
    threads = max(1, (os.cpu_count() or 1) // workers)
    lost = []
    ex = ProcessPoolExecutor(min(workers, len(todo)), mp_context=_context(todo),
                             initializer=_init, initargs=(checkpoints, threads))
    try:
        futs = {ex.submit(_run_line, line.to_dict(), out_dir, key): (line, key) for line, key in todo}
        for fut in as_completed(futs):
            try:
                on_result(fut.result())
            except BrokenProcessPool:
                lost.append(futs[fut])
    except BaseException:
        _stop(ex)
        raise
    ex.shutdown(wait=True)
    return lost


def start_early(lines: list[Line], out_dir, workers: int | None, redo: bool) -> None:
    """Start the fork server now, right after the manifest is read: its start (imports and a warm
    engine, ~2.5 s on one core) then overlaps the caller's hashing and planning on the other core
    instead of following it. Only when at least two lines will surely run (no line.json yet, or
    redo), so a resumed batch with nothing or one line left starts no server for nothing."""
    if _started or "forkserver" not in mp.get_all_start_methods():
        return
    from .plan import STATE

    valid = [ln for ln in lines if not ln.error]
    sure = valid if redo else [ln for ln in valid if not (Path(out_dir) / ln.id / STATE).is_file()]
    if min(workers or default_workers(len(sure)), len(sure)) <= 1:
        return
    from multiprocessing import forkserver

    ctx = _preloading(valid)
    forkserver.ensure_running()
    _started.append(ctx)


def _context(todo):
    """A fork server that has imported the libraries these lines need (preload.py): workers fork from
    it, ready. torch and dlib's model are loaded there only when some line will use them."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    if _started:         # started by start_early, for these lines or more
        return _started[0]
    return _preloading([line for line, _ in todo])


def _preloading(lines):
    from . import preload_plan

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(preload_plan.modules(lines))
    return ctx


def _stop(ex: ProcessPoolExecutor) -> None:
    """Ctrl-C / kill of the batch: stop the workers now rather than after their current lines."""
    procs = list(getattr(ex, "_processes", {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()


def _init(checkpoints: str | None, threads: int) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # the parent handles Ctrl-C and stops us
    _die_with_parent()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    _worker = LineWorker(checkpoints, side_by_side=True)


def _run_line(line: dict, out_dir: str, key: str) -> dict:
    return _worker.run(line, out_dir, key)


def _die_with_parent() -> None:
    """Linux: a killed batch takes its workers with it (no orphans holding an engine's memory)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)        # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            os._exit(1)
    except (OSError, AttributeError):
        pass
