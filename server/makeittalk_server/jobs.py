"""Jobs: queued and run one at a time per device in a worker thread, cancellable, cleaned up later."""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import pipeline
from .audio import AudioClip
from .errors import Cancelled, NotFound, UserError
from .params import JobParams
from .progress import Progress
from .track import Track

ACTIVE = ("queued", "running")


@dataclass
class Job:
    id: str
    params: JobParams
    audio: AudioClip | None
    image: np.ndarray | None
    status: str = "queued"
    stage: str = "queued"
    progress: float = 0.0
    error: dict | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None
    track: Track | None = None
    frames_dir: Path | None = None
    n_frames_rendered: int = 0
    ctl: Progress = field(default_factory=Progress)
    rest_info: dict | None = None        # how the server found rest_landmarks (detector, faces, notes)

    def to_dict(self) -> dict:
        return {"job_id": self.id, "status": self.status, "progress": round(self.progress, 4),
                "stage": self.stage, "error": self.error, "engine": self.params.engine,
                "render": self.params.render is not None, "created": self.created, "finished": self.finished}

    def free_inputs(self) -> None:
        self.audio = None
        self.image = None


class JobManager:
    def __init__(self, settings, ready_event: threading.Event | None = None):
        self.settings = settings
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._ready = ready_event or threading.Event()
        if ready_event is None:
            self._ready.set()
        self._stop = threading.Event()
        base = Path(settings.work_dir) if settings.work_dir else Path(tempfile.mkdtemp(prefix="makeittalk-jobs-"))
        base.mkdir(parents=True, exist_ok=True)
        self.work_dir = base
        self._worker = threading.Thread(target=self._run_worker, name=f"jobs-{settings.torch_device()}",
                                        daemon=True)
        self._janitor = threading.Thread(target=self._run_janitor, name="jobs-janitor", daemon=True)
        self._worker.start()
        self._janitor.start()

    # ---- API used by the HTTP layer -------------------------------------------------------------
    def submit(self, params: JobParams, audio: AudioClip, image: np.ndarray, rest_info: dict | None = None) -> Job:
        job = Job(id=uuid.uuid4().hex, params=params, audio=audio, image=image, rest_info=rest_info)
        job.ctl = Progress(on_update=lambda stage, frac, j=job: self._on_progress(j, stage, frac))
        with self._lock:
            self._jobs[job.id] = job
        self._queue.put(job.id)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound("unknown_job", f"no job '{job_id}' on this server (finished jobs are kept for "
                           f"{self.settings.job_ttl_s / 60:.0f} min; a restarted server forgets its jobs)")
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued or running job; a finished job is removed and its files freed."""
        job = self.get(job_id)
        with self._lock:
            if job.status == "queued":
                self._finish(job, "cancelled")
            elif job.status == "running":
                job.ctl.cancel()  # the worker stops at the next progress check
            else:
                self._jobs.pop(job.id, None)
                self._free(job)
        return job

    def shutdown(self) -> None:
        self._stop.set()
        with self._lock:
            for job in self._jobs.values():
                job.ctl.cancel()
        self._queue.put(None)
        self._worker.join(timeout=10)
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def counts(self) -> dict:
        with self._lock:
            out: dict[str, int] = {}
            for j in self._jobs.values():
                out[j.status] = out.get(j.status, 0) + 1
            return out

    # ---- worker ---------------------------------------------------------------------------------
    def _on_progress(self, job: Job, stage: str, frac: float) -> None:
        job.stage, job.progress = stage, frac

    def _run_worker(self) -> None:
        while not self._stop.is_set():
            job_id = self._queue.get()
            if job_id is None:
                return
            with self._lock:
                job = self._jobs.get(job_id)
                if job is None or job.status != "queued":
                    continue
                job.status, job.stage = "running", "starting"
            self._ready.wait()  # models warm before the first job runs
            try:
                self._execute(job)
                with self._lock:
                    self._finish(job, "done")
            except Cancelled:
                with self._lock:
                    self._finish(job, "cancelled")
            except UserError as e:
                with self._lock:
                    job.error = {"code": e.code, "message": e.message}
                    self._finish(job, "failed")
            except MemoryError:
                with self._lock:
                    job.error = {"code": "out_of_memory", "message": "the server ran out of memory; try a "
                                 "shorter clip or a smaller render size"}
                    self._finish(job, "failed")
            except Exception as e:  # an engine bug must fail the job, not the server
                traceback.print_exc()
                with self._lock:
                    job.error = {"code": "internal", "message": f"the job failed: {type(e).__name__}: {e}"}
                    self._finish(job, "failed")

    def _execute(self, job: Job) -> None:
        ctl = job.ctl
        ctl.stage("starting", 0.0)
        job.track = pipeline.make_track(job.audio, job.image, job.params, self.settings, ctl,
                                        rest_info=job.rest_info)
        if job.params.render is not None:
            job.frames_dir = self.work_dir / job.id
            job.n_frames_rendered = pipeline.render_frames(job.track, job.image, job.params, self.settings,
                                                           job.frames_dir, ctl)
        ctl.stage("done", 1.0)

    def _finish(self, job: Job, status: str) -> None:
        """Called with the lock held."""
        job.status = status
        job.stage = status
        if status == "done":
            job.progress = 1.0
        job.finished = time.time()
        job.free_inputs()
        if status != "done":
            job.track = None
            self._free(job)

    @staticmethod
    def _free(job: Job) -> None:
        """Delete a finished job's rendered frames (its inputs went when it finished)."""
        if job.frames_dir is not None:
            shutil.rmtree(job.frames_dir, ignore_errors=True)
            job.frames_dir = None

    def _run_janitor(self) -> None:
        while not self._stop.wait(5.0):
            self.cleanup()

    def cleanup(self, now: float | None = None) -> None:
        now = now or time.time()
        with self._lock:
            finished = sorted((j for j in self._jobs.values() if j.status not in ACTIVE),
                              key=lambda j: j.finished or 0)
            expired = [j for j in finished if now - (j.finished or now) > self.settings.job_ttl_s]
            excess = finished[: max(0, len(finished) - self.settings.max_jobs_kept)]
            for j in {id(x): x for x in expired + excess}.values():
                self._jobs.pop(j.id, None)
                j.track = None
                self._free(j)
