"""What the HTTP API does, apart from HTTP: warm-up, health, landmarks, jobs and their results.

The routes (api/routes.py) read the request and call one method here (in a worker thread when it
computes); the job's preparation is prepare.py's, shared with the command line.
"""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

from . import __version__, engines, image, landmarks, prepare, renderers
from .errors import UserError
from .jobs import JobManager
from .landmarks import dlib_detector
from .params import JobParams


class Serving:
    def __init__(self, settings):
        self.settings = settings
        self.warmed = threading.Event()
        self.warm_errors: dict[str, str] = {}
        self.jobs: JobManager | None = None

    # ---- life ----------------------------------------------------------------------------------
    def start(self) -> None:
        self.jobs = JobManager(self.settings, ready_event=self.warmed)
        if self.settings.warm:
            threading.Thread(target=self.warm, name="warm-up", daemon=True).start()
        else:
            self.warmed.set()

    def stop(self) -> None:
        if self.jobs is not None:
            self.jobs.shutdown()

    def warm(self) -> None:
        """Load detectors and engines once so the first request is not slow; failures are reported."""
        try:
            dlib_detector.warm()
        except Exception as e:
            self.warm_errors["dlib"] = str(e)
        for name in engines.REGISTRY:
            try:
                eng = engines.get(name, self.settings, prepare.checkpoint_dir(self.settings))
                if eng.status()[0]:
                    eng.warm()
            except Exception as e:  # reported by /v1/health
                self.warm_errors[name] = f"warm-up failed: {type(e).__name__}: {e}"
        self.warmed.set()

    # ---- endpoints -----------------------------------------------------------------------------
    def health(self) -> dict:
        ckpt = prepare.checkpoint_dir(self.settings)
        engs = []
        for name in engines.REGISTRY:
            try:
                ready, reason = engines.get(name, self.settings, ckpt).status()
            except Exception as e:
                ready, reason = False, f"{type(e).__name__}: {e}"
            if name in self.warm_errors:
                ready, reason = False, self.warm_errors[name]
            elif ready and not self.warmed.is_set():
                reason = "warming up; jobs wait until it is done"
            engs.append({"name": name, "ready": ready, "reason": reason})
        return {"status": "ok", "version": __version__, "device": self.settings.torch_device(),
                "warm": self.warmed.is_set(), "engines": engs,
                "detectors": landmarks.detector_names(self.settings),
                "renderers": renderers.available(self.settings)}

    def detect_landmarks(self, image_bytes: bytes) -> dict:
        img = image.decode(image_bytes)
        res = landmarks.detect(img, self.settings)
        return {"width": int(img.shape[1]), "height": int(img.shape[0]), "detector": res.detector,
                "landmarks": [[round(float(v), 3) for v in p] for p in res.landmarks],
                "faces_found": res.faces_found, "face_box": res.info()["face_box"], "notes": res.notes}

    def create_job(self, params: JobParams, audio_bytes: bytes, image_bytes: bytes):
        """Prepared now, so a bad input or "no face" is a 4xx at once, not a failed job later."""
        prep = prepare.prepare(params, audio_bytes, image_bytes, self.settings)
        params.rest_landmarks = prep.rest.tolist()  # the worker uses these, it does not detect again
        return self.jobs.submit(params, prep.audio, prep.image, prep.rest_info)

    def job(self, job_id: str):
        return self.jobs.get(job_id)  # NotFound (404) for unknown ids

    def cancel(self, job_id: str):
        return self.jobs.cancel(job_id)

    def finished_job(self, job_id: str):
        job = self.job(job_id)
        if job.status in ("queued", "running"):
            raise UserError("not_ready", f"job is {job.status} ({job.stage}); poll GET /v1/jobs/{job_id}", 409)
        if job.status != "done":
            msg = (job.error or {}).get("message", "")
            raise UserError("job_" + job.status, f"job {job.status}" + (f": {msg}" if msg else ""), 409)
        return job

    def frame_files(self, job_id: str) -> list[Path]:
        job = self.finished_job(job_id)
        if job.params.render is None or job.frames_dir is None:
            raise UserError("no_frames", "this job did not ask for rendered frames (params.render)", 404)
        files = sorted(Path(job.frames_dir).glob("frame_*.png"))
        if len(files) != job.n_frames_rendered:
            raise UserError("frames_missing", "the rendered frames are incomplete on the server", 410)
        return files


def zip_stream(files: list[Path]):
    """The frames as a zip, built in chunks; PNGs are stored, not deflated (already compressed)."""
    buf = _ChunkBuffer()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for f in files:
            zf.write(f, arcname=f.name)
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
