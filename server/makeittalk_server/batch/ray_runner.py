"""The same lines on a Ray cluster: Ray Data over the lines, an actor pool with one warm engine per actor
(and `num_gpus` per actor when the cluster has GPUs). Each actor runs the local batch's LineWorker, so
outputs, line.json state and resumability are the same; the driver keeps the report. Every node must
have this package installed and see the manifest's files and the output folder at the same paths.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

from ..errors import UserError
from .manifest import Line


class LineActor:
    """A Ray Data callable class: constructed once per actor, then called per batch of lines."""

    def __init__(self, out_dir: str, checkpoints: str | None = None):
        from .line import LineWorker

        self.out_dir = out_dir
        self.worker = LineWorker(checkpoints, side_by_side=True)     # one actor per CPU

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        results = [json.dumps(self.worker.run(json.loads(str(s)), self.out_dir, str(k)))
                   for s, k in zip(batch["line"], batch["key"])]
        return {"result": np.array(results, dtype=object)}


def run(todo: list[tuple[Line, str]], out_dir: str, on_result: Callable[[dict], None], address: str | None = None,
        gpus: float | None = None, actors: int | None = None, checkpoints: str | None = None) -> None:
    if not todo:
        return
    try:
        import ray
    except ImportError:
        raise UserError("ray_missing", "--ray needs Ray: pip install 'makeittalk-blender-server[ray]'") from None
    started = not ray.is_initialized()
    if started:
        _init(ray, address)
    _quiet(ray)
    try:
        res = ray.cluster_resources()
        per_actor = gpus if gpus is not None else (1.0 if res.get("GPU", 0) >= 1 else 0.0)
        n = actors or (int(res.get("GPU", 0) // per_actor) if per_actor else int(res.get("CPU", 1)))
        n = max(1, min(n, len(todo)))
        items = [{"line": json.dumps(line.to_dict()), "key": key} for line, key in todo]
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        ds = ds.map_batches(LineActor, batch_size=1, concurrency=n, num_gpus=per_actor, num_cpus=1,
                            fn_constructor_kwargs={"out_dir": out_dir, "checkpoints": checkpoints})
        seen = set()
        try:
            for row in ds.iter_rows():
                r = json.loads(row["result"])
                seen.add(r["id"])
                on_result(r)
        except Exception as e:  # the cluster failed (not a line): the lines not finished are failed, with why
            why = f"the Ray job stopped before this line finished ({str(e).splitlines()[0][:160] if str(e) else 'no reason given'})"
            for line, key in todo:
                if line.id not in seen:
                    on_result({"id": line.id, "row": line.row, "key": key, "status": "failed", "reason": why,
                               "outputs": {}, "audio_s": 0.0, "seconds": 0.0})
    finally:
        if started:
            ray.shutdown()


def _quiet(ray) -> None:
    """Our own bar shows the progress: no Ray Data bars or per-operator logs on the terminal."""
    import logging

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    for name in ("ray.data", "ray"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _init(ray, address: str | None) -> None:
    """Connect to ADDRESS (or RAY_ADDRESS), else start a local instance that sees this package."""
    local = not address and not os.environ.get("RAY_ADDRESS")
    kw = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    if local:
        pkg_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (pkg_root, os.environ.get("PYTHONPATH", "")) if p)
        kw["runtime_env"] = {"env_vars": {"PYTHONPATH": path}}
        cpus = os.environ.get("MAKEITTALK_RAY_CPUS")
        if cpus:
            kw["num_cpus"] = int(cpus)
    try:
        ray.init(address=address or None, **kw)
    except ConnectionError as e:
        raise UserError("ray_unreachable", f"could not reach the Ray cluster at {address or 'RAY_ADDRESS'}: {e}") from None
