"""The batch from start to end: read the manifest, skip what is done, run the rest (locally or on Ray),
keep the report current after every line."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput
from . import manifest, plan, report
from .progress import Bar


@dataclass
class Options:
    workers: int | None = None          # local worker processes (None: one per core)
    ray: str | None = None              # None: local; "" : a local Ray instance or RAY_ADDRESS; else an address
    ray_gpus: float | None = None       # GPUs per Ray actor (None: 1 when the cluster has GPUs)
    checkpoints: str | None = None
    redo: bool = False                  # ignore earlier results
    quiet: bool = False


def run_batch(manifest_path, out_dir, opts: Options | None = None) -> dict:
    opts = opts or Options()
    out = Path(out_dir).resolve()
    lines = manifest.read(manifest_path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BadInput("unwritable_output", f"could not make the output folder {out_dir}: {e.strerror}") from None
    if opts.ray is None:
        from . import local

        local.start_early(lines, out, opts.workers, opts.redo)     # its warm-up overlaps the planning
    todo, earlier = plan.plan(lines, out, redo=opts.redo)
    planned = {line.id: _duration(line.audio) for line, _ in todo}
    bar = Bar(len(todo), sum(planned.values()), quiet=opts.quiet)
    results: dict[str, dict] = {}
    runner = "ray" if opts.ray is not None else "local"
    t0 = time.monotonic()

    def write(finished: bool) -> dict:
        rep = report.build(lines, results, earlier, str(Path(manifest_path).resolve()), time.monotonic() - t0,
                           runner, finished)
        report.write(out, rep)
        return rep

    last = {"at": 0.0, "cost": 0.0}

    def on_result(res: dict) -> None:
        results[res["id"]] = res
        bar.update(res, planned.get(res["id"], 0.0))
        # Rewriting the whole report after every line grows with the batch (2.5 ms a write at 100 lines,
        # ~25 ms at 1000): it is rewritten at most every 0.5 s, or less often when writing it would take
        # over 5 % of the time, and at once for a failed line. line.json (not the report) is what a
        # resumed run trusts, and the report is written complete at the end.
        now = time.monotonic()
        if res.get("status") != "done" or now - last["at"] >= max(0.5, 20 * last["cost"]):
            write(False)
            last["at"], last["cost"] = time.monotonic(), time.monotonic() - now

    write(False)
    complete = False
    try:
        if opts.ray is not None:
            from . import ray_runner

            ray_runner.run(todo, str(out), on_result, address=opts.ray or None, gpus=opts.ray_gpus,
                           actors=opts.workers, checkpoints=opts.checkpoints)
            complete = True
        else:
            from . import local

            workers = opts.workers or local.default_workers(len(todo))
            # longest lines first: the batch then ends on short lines, not on one long line with the
            # other cores idle (the report keeps the manifest's order)
            by_length = sorted(todo, key=lambda lk: -planned.get(lk[0].id, 0.0))
            local.run(by_length, str(out), on_result, workers=workers, checkpoints=opts.checkpoints)
            complete = True
    finally:
        bar.close()
        rep = write(complete)
    return rep


def _duration(path: str) -> float:
    try:
        import soundfile as sf

        return float(sf.info(path).duration)
    except Exception:      # unreadable: the line itself will say so
        return 0.0
