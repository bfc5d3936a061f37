"""What the HTTP API does, apart from HTTP: warm-up, health, landmarks, jobs and their results.

The routes (api/routes.py) read the request and call one method here (in a worker thread when it
computes); the job's preparation is prepare.py's, shared with the command line.
"""

from __future__ import annotations

from . import __version__, engines, landmarks, prepare, renderers, security
from .errors import UserError
from .jobs import JobManager
from .params import JobParams
from .warmup import Warmup


class Serving:
    def __init__(self, settings):
        self.settings = settings
        self.warmup = Warmup(settings)          # loads the models in a thread; jobs wait for it
        self.jobs: JobManager | None = None

    # ---- life ----------------------------------------------------------------------------------
    def start(self) -> None:
        self.jobs = JobManager(self.settings, ready_event=self.warmup.ready)
        if self.settings.warm:
            self.warmup.start()
        else:
            self.warmup.skip()

    def stop(self) -> None:
        if self.jobs is not None:
            self.jobs.shutdown()

    # ---- endpoints -----------------------------------------------------------------------------
    def health(self) -> dict:
        """Quick while warming up (nothing heavy imported), the full answer once warm (warmup.py)."""
        return self.warmup.health(self._collect)

    def _collect(self) -> dict:
        ckpt = prepare.checkpoint_dir(self.settings)
        engs = []
        for name in engines.REGISTRY:
            try:
                ready, reason = engines.get(name, self.settings, ckpt).status()
            except Exception as e:
                ready, reason = False, security.plain_failure("the engine could not be checked", e)
            engs.append({"name": name, "ready": ready, "reason": reason})
        return {"status": "ok", "version": __version__, "device": self.settings.torch_device(),
                "engines": engs, "detectors": landmarks.detector_names(self.settings),
                "renderers": renderers.available(self.settings)}

    def detect_landmarks(self, image_bytes: bytes) -> dict:
        return prepare.portrait_landmarks(image_bytes, self.settings)

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

    def frames_zip(self, job_id: str):
        """The rendered frames as zip chunks; they stay on disk while the download reads them."""
        job = self.finished_job(job_id)
        if job.params.render is None or job.frames_dir is None:
            raise UserError("no_frames", "this job did not ask for rendered frames (params.render)", 404)
        return self.jobs.frames_zip(job)
