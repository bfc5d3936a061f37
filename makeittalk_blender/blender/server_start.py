"""Following a freshly started server until it is ready, with a progress that says what is happening:
first the process coming up (it imports torch: slow on a first start), then its warm-up, part by part
(the health of a warming server lists each part as waiting / warming / ready / failed)."""

from __future__ import annotations

import time

from ..core import jobs
from ..core.client import Client, ClientError
from . import server_process

_PART_NAMES = {"dlib": "face detector"}


def _part(name: str) -> str:
    return _PART_NAMES.get(name, f"{name} engine")


def warmup_progress(health: dict) -> tuple[float, str] | None:
    """(fraction, words) while the server warms up; None once it is warm (or does not say)."""
    if health.get("warm", True):
        return None
    parts = (health.get("warmup") or {}).get("parts") or {}
    done = [n for n, s in parts.items() if s in ("ready", "failed")]
    busy = [n for n, s in parts.items() if s == "warming"]
    frac = len(done) / len(parts) if parts else 0.0
    words = "the server is loading its models"
    if busy:
        words += f": {', '.join(_part(n) for n in busy)} ({len(done)} of {len(parts)} parts ready)"
    return frac, words


def wait_for_server_task(client: Client, proc_alive, timeout_s: float = 180.0) -> jobs.Task:
    """Health until the freshly started server answers and is warm."""
    def fn(task):
        task.report(phase="starting", stage="starting the server process")
        t0 = time.monotonic()
        while True:
            task.check()
            waited = time.monotonic() - t0
            try:
                health = client.health()
                warming = warmup_progress(health)
                if warming is None:
                    return health
                frac, words = warming
                task.report(phase="running", progress=0.3 + 0.65 * frac, stage=f"{words}, {waited:.0f} s")
            except ClientError as e:
                if e.code != "server_down" and e.code != "timeout":
                    raise
                if not proc_alive():
                    raise ClientError("server_exited", f"the server stopped while starting (exit code "
                                      f"{server_process.exit_code()}); see the log in the temporary folder "
                                      "(makeittalk-server.log)")
                task.report(progress=min(0.3, 0.3 * waited / 60.0),
                            stage=f"waiting for the server process to answer ({waited:.0f} s; the first start "
                                  "takes longest)")
            if waited > timeout_s:
                raise ClientError("timeout", f"the server did not get ready within {timeout_s:.0f} s")
            time.sleep(0.5)
    return jobs.Task("start-server", fn)
