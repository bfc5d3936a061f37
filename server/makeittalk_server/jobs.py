"""Jobs: queued and run one at a time per device in a worker thread, cancellable, cleaned up later.

The queue is bounded (429 past it), a render is priced before it is queued (budget.py), the frames of a
finished job stay on disk while a download reads them, and job folders of a server that was killed are
removed when the next one starts.
"""

from __future__ import annotations

import io
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import budget, pipeline, probe
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
    readers: int = 0                     # frame downloads in progress; the files stay until they end
    free_pending: bool = False

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
        probe.configure(settings)
        self.work_dir = claim_work_dir(settings.work_dir)
        self._worker = threading.Thread(target=self._run_worker, name=f"jobs-{settings.torch_device()}",
                                        daemon=True)
        self._janitor = threading.Thread(target=self._run_janitor, name="jobs-janitor", daemon=True)
        self._worker.start()
        self._janitor.start()

    # ---- API used by the HTTP layer -------------------------------------------------------------
    def submit(self, params: JobParams, audio: AudioClip, image: np.ndarray, rest_info: dict | None = None) -> Job:
        if image is not None:
            budget.check_render(params, audio.duration_s, image.shape, self.settings, self.work_dir)
        job = Job(id=uuid.uuid4().hex, params=params, audio=audio, image=image, rest_info=rest_info)
        job.ctl = Progress(on_update=lambda stage, frac, j=job: self._on_progress(j, stage, frac))
        with self._lock:
            budget.check_queue([j for j in self._jobs.values() if j.status in ACTIVE], audio.duration_s,
                               self.settings)
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

    def frames_zip(self, job: Job) -> "FramesZip":
        """The rendered frames of a finished job as zip chunks; the files stay until the download ends."""
        with self._lock:
            files = sorted(Path(job.frames_dir).glob("frame_*.png")) if job.frames_dir else []
            if job.frames_dir is None or len(files) != job.n_frames_rendered or job.id not in self._jobs:
                raise UserError("frames_missing", "the rendered frames are no longer on the server", 410)
            job.readers += 1
        return FramesZip(files, lambda: self._release(job))

    def _release(self, job: Job) -> None:
        with self._lock:
            job.readers -= 1
            if job.readers <= 0 and job.free_pending:
                self._free(job)

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
        if stage == "render":      # stop before a full disk, rather than write broken frames
            budget.check_disk(self.work_dir, self.settings)

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
            except Exception:  # an engine bug must fail the job, not the server; details go to the log
                traceback.print_exc()
                with self._lock:
                    job.error = {"code": "internal", "message": f"the job failed unexpectedly while at "
                                 f"'{job.stage}'; the server's log has the details"}
                    self._finish(job, "failed")

    def _execute(self, job: Job) -> None:
        ctl = job.ctl
        ctl.stage("starting", 0.0)
        job.track = pipeline.make_track(job.audio, job.image, job.params, self.settings, ctl,
                                        rest_info=job.rest_info)
        if job.params.render is not None:
            job.frames_dir = self.work_dir / job.id
            budget.check_disk(self.work_dir, self.settings)
            job.n_frames_rendered = pipeline.render_frames(job.track, job.image, job.params, self.settings,
                                                           job.frames_dir, ctl)
            check_frames_written(job.frames_dir, job.n_frames_rendered)
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
        """Delete a finished job's rendered frames (its inputs went when it finished); called with the lock
        held. While a download reads them they stay, and the last reader deletes them."""
        if job.readers > 0:
            job.free_pending = True
            return
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


def check_frames_written(frames_dir: Path, n: int) -> None:
    """Every frame is on disk and not empty: a write that failed silently fails the job, not the download."""
    files = sorted(Path(frames_dir).glob("frame_*.png"))
    if len(files) != n or any(f.stat().st_size == 0 for f in files):
        raise UserError("disk_full", "some rendered frames could not be written on the server (is its disk "
                        "full?); free some space or render fewer or smaller frames", 422)


class FramesZip:
    """An iterator of zip chunks over frame files (stored, not deflated: PNGs are compressed already).
    `release` runs once, when the iteration ends, is closed, or the iterator is dropped."""

    def __init__(self, files: list[Path], release):
        self._release = release
        self._gen = _zip_chunks(files)      # not a method: no cycle, so dropping the iterator releases
        self._done = False

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._gen)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if not self._done:
            self._done = True
            self._gen.close()
            self._release()

    def __del__(self):
        self.close()


def _zip_chunks(files: list[Path]):
    buf = _ChunkBuffer()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for f in files:
            zf.write(f, arcname=f.name)   # a vanished file raises: the download breaks, never ends "ok"
            yield buf.take()
    yield buf.take()


class _ChunkBuffer(io.RawIOBase):
    """A write-only file for zipfile that hands out what was written since the last take()."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._pos = 0

    def writable(self):
        return True

    def write(self, b):
        self._chunks.append(bytes(b))
        self._pos += len(b)
        return len(b)

    def tell(self):
        return self._pos

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


# ---- job folders ------------------------------------------------------------------------------------
PREFIX = "makeittalk-jobs-"
OWNER = ".owner"


def _start_time(pid: int) -> str | None:
    """A process's start time (Linux), so a reused pid is not taken for the old owner; None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        pass
    if os.path.isdir("/proc"):
        return None
    try:
        os.kill(pid, 0)
        return "?"
    except ProcessLookupError:
        return None
    except OSError:
        return "?"


def _owner_alive(folder: Path) -> bool:
    try:
        pid_s, start = (folder / OWNER).read_text().split()
        now = _start_time(int(pid_s))
    except (OSError, ValueError):
        return time.time() - folder.stat().st_mtime < 24 * 3600   # no owner file: only old ones are orphans
    return now is not None and (now == start or "?" in (now, start))


def sweep_orphans(root: Path) -> int:
    """Remove job folders under root whose server is no longer running; returns how many."""
    n = 0
    try:
        entries = list(Path(root).glob(PREFIX + "*"))
    except OSError:
        return 0
    for d in entries:
        try:
            if d.is_dir() and not d.is_symlink() and not _owner_alive(d):
                shutil.rmtree(d, ignore_errors=True)
                n += 1
        except OSError:
            continue
    return n


def claim_work_dir(configured) -> Path:
    """This server's job folder, marked with its pid; stale folders of killed servers go first."""
    pid = os.getpid()
    if configured:
        d = Path(configured)
        if d.is_dir() and (d / OWNER).exists() and not _owner_alive(d):
            shutil.rmtree(d, ignore_errors=True)      # a killed server's leftovers in the same folder
        d.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.gettempdir())
        removed = sweep_orphans(root)
        if removed:
            print(f"makeittalk serve: removed {removed} job folder(s) left by servers that were killed",
                  file=sys.stderr)
        d = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
    (d / OWNER).write_text(f"{pid} {_start_time(pid) or '?'}")
    return d
