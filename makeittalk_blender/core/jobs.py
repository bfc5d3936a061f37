"""Background tasks and the poll step.

A Task runs its network work in a worker thread (never bpy) and keeps a small state under a lock.
`poll_step` is the one function the UI timer, the command line and the tests call on the main thread:
it copies the state out and, once, hands a finished task's result to `on_done` (where bpy is safe).
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, replace
from typing import Callable

from .client import Client, ClientError
from .wording import INTERNAL, plain

RUNNING = ("starting", "uploading", "queued", "running", "downloading")
FINISHED = ("done", "failed", "cancelled")


class TaskCancelled(Exception):
    pass


@dataclass
class TaskState:
    phase: str = "starting"         # starting/uploading/queued/running/downloading/done/failed/cancelled
    progress: float = 0.0
    stage: str = ""
    error: str = ""
    error_code: str = ""
    job_id: str | None = None

    @property
    def finished(self) -> bool:
        return self.phase in FINISHED


class Task:
    """fn(task) does the work and returns the result; it calls task.report(...) as it goes and
    task.check() where it may stop. Errors become the 'failed' phase with a plain message."""

    def __init__(self, name: str, fn: Callable[["Task"], object]):
        self.name = name
        self._fn = fn
        self._lock = threading.Lock()
        self._state = TaskState()
        self._cancel = threading.Event()
        self._result = None
        self._delivered = False
        self._thread = threading.Thread(target=self._run, name=f"makeittalk-{name}", daemon=True)

    def start(self) -> "Task":
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            result = self._fn(self)
        except TaskCancelled:
            self._set(phase="cancelled", stage="cancelled")
            return
        except ClientError as e:
            self._set(phase="failed", error=plain(e.message), error_code=e.code)
            return
        except Exception:  # a bug must still reach the panel (in plain words), its details the console
            traceback.print_exc()
            self._set(phase="failed", error=INTERNAL, error_code="internal")
            return
        with self._lock:
            self._result = result
            self._state = replace(self._state, phase="done", progress=1.0)

    def _set(self, **kw) -> None:
        with self._lock:
            self._state = replace(self._state, **kw)

    def report(self, phase: str | None = None, progress: float | None = None, stage: str | None = None,
               job_id: str | None = None) -> None:
        kw = {k: v for k, v in (("phase", phase), ("progress", progress), ("stage", stage),
                                 ("job_id", job_id)) if v is not None}
        self._set(**kw)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise TaskCancelled()

    def state(self) -> TaskState:
        with self._lock:
            return replace(self._state)

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def take_result(self):
        """The result, once (None afterwards), only when done."""
        with self._lock:
            if self._state.phase != "done" or self._delivered:
                return None, False
            self._delivered = True
            return self._result, True


def poll_step(task: Task | None, on_update: Callable[[TaskState], None] | None = None,
              on_done: Callable[[object], None] | None = None) -> bool:
    """Main-thread step: report the state, apply a finished result once. True while it should be
    called again."""
    if task is None:
        return False
    st = task.state()
    if st.phase == "done":
        result, fresh = task.take_result()
        if fresh and on_done is not None:
            try:
                on_done(result)
            except ValueError as e:  # a result that cannot be used: its message says why
                st = replace(st, phase="failed", error=f"could not build the take: {plain(e)}", error_code="apply")
            except Exception:        # a bug while applying: plain words here, the details in the console
                traceback.print_exc()
                st = replace(st, phase="failed", error=f"could not build the take: {INTERNAL}", error_code="apply")
    if on_update is not None:
        on_update(st)
    return not st.finished


# ---- the tasks --------------------------------------------------------------------------------
def health_task(client: Client) -> Task:
    def fn(task: Task):
        task.report(phase="running", stage="contacting server")
        return client.health()
    return Task("health", fn)


def landmarks_task(client: Client, image_path: str) -> Task:
    def fn(task: Task):
        task.report(phase="uploading", stage="detecting landmarks", progress=0.1)
        return client.landmarks(image_path)
    return Task("landmarks", fn)


def _run_job(task: Task, client: Client, audio_path: str, image_path: str | None, params: dict,
             want_frames: bool, poll_s: float, lo: float = 0.0, hi: float = 1.0, label: str = "") -> dict:
    """One job from upload to download; progress is mapped into lo..hi (several jobs share one bar)."""
    def at(x: float) -> float:
        return lo + (hi - lo) * x
    pre = f"{label}: " if label else ""
    task.report(phase="uploading", stage=pre + "uploading audio and portrait", progress=at(0.0))
    job_id = client.submit(audio_path, image_path, params)
    task.report(phase="queued", stage=pre + "queued", job_id=job_id)
    while True:
        if task.cancel_requested:
            try:
                client.cancel(job_id)
            except ClientError:
                pass  # the server may already be gone; the local task stops regardless
            raise TaskCancelled()
        st = client.job(job_id)
        status = st.get("status")
        if status == "failed":
            err = st.get("error") or {}
            if isinstance(err, dict):
                raise ClientError(str(err.get("code") or "job_failed"), str(err.get("message") or "the job failed"))
            raise ClientError("job_failed", str(err) or "the job failed")
        if status == "cancelled":
            raise TaskCancelled()
        task.report(phase="running" if status == "running" else "queued",
                    progress=at(0.95 * float(st.get("progress") or 0.0)), stage=pre + str(st.get("stage") or status))
        if status == "done":
            break
        time.sleep(poll_s)
    task.report(phase="downloading", stage=pre + "downloading the track", progress=at(0.96))
    track = client.track(job_id)
    frames = None
    if want_frames:
        task.check()
        task.report(stage=pre + "downloading rendered frames", progress=at(0.98))
        frames = client.frames(job_id)
    return {"job_id": job_id, "track": track, "frames": frames}


def job_task(client: Client, audio_path: str, image_path: str | None, params: dict, want_frames: bool = False,
             poll_s: float = 0.25) -> Task:
    """Submit a job, follow it to the end and download its track (and frames when asked).
    Result: {"job_id", "track", "frames" (zip bytes or None)}."""
    return Task("job", lambda task: _run_job(task, client, audio_path, image_path, params, want_frames, poll_s))


def jobs_task(client: Client, items: list, image_path: str | None, params: dict, poll_s: float = 0.25) -> Task:
    """Several jobs one after the other (one per sound strip): items are (label, audio_path) pairs.
    Result: a list of {"label", "job_id", "track", "frames"} in the same order."""
    def fn(task: Task):
        out = []
        n = max(len(items), 1)
        for k, (label, audio) in enumerate(items):
            task.check()
            res = _run_job(task, client, audio, image_path, params, False, poll_s, k / n, (k + 1) / n,
                           f"{label} ({k + 1} of {n})")
            res["label"] = label
            out.append(res)
        return out
    return Task("jobs", fn)


def wait(task: Task, on_update=None, on_done=None, interval: float = 0.1, timeout: float | None = None) -> TaskState:
    """Drive poll_step until the task ends (command line and tests)."""
    t0 = time.monotonic()
    while poll_step(task, on_update, on_done):
        if timeout is not None and time.monotonic() - t0 > timeout:
            task.cancel()
            raise TimeoutError(f"task {task.name} did not finish in {timeout} s")
        time.sleep(interval)
    return task.state()
