"""The HTTP API v1 (DESIGN.md). Thin: validation and shapes here, work in pipeline/jobs."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__, audio, engines, image, landmarks, pipeline, renderers, security
from .landmarks import dlib_detector
from .config import Settings
from .errors import BadInput, TooLarge, UserError
from .jobs import JobManager
from .params import parse_params_text

MB = 1024 * 1024


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    warmed = threading.Event()
    warm_errors: dict[str, str] = {}

    def warm():
        """Load detectors and engines once so the first request is not slow; failures are reported."""
        try:
            dlib_detector.warm()
        except Exception as e:
            warm_errors["dlib"] = security.plain_failure("the face detector failed to load", e)
        for name in engines.REGISTRY:
            try:
                eng = engines.get(name, settings, pipeline.checkpoint_dir(settings))
                if eng.status()[0]:
                    eng.warm()
            except Exception as e:  # reported by /v1/health
                warm_errors[name] = security.plain_failure("warm-up failed", e)
        warmed.set()

    @asynccontextmanager
    async def lifespan(app):
        app.state.jobs = JobManager(settings, ready_event=warmed)
        if settings.warm:
            threading.Thread(target=warm, name="warm-up", daemon=True).start()
        else:
            warmed.set()
        yield
        app.state.jobs.shutdown()

    app = FastAPI(title="MakeItTalk for Blender server", version=__version__, lifespan=lifespan)
    app.state.settings = settings

    # ---- errors: always {"error": {code, message}}, never a bare 500 ----------------------------
    @app.exception_handler(UserError)
    async def _user_error(request, exc: UserError):
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request, exc: RequestValidationError):
        msgs = "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors())
        return error_response(422, "bad_request", msgs or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _internal(request, exc: Exception):
        return error_response(500, "internal", "the server hit an unexpected error; its log has the details")

    # ---- helpers ----------------------------------------------------------------------------------
    async def read_form(request: Request) -> dict:
        ctype = request.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            raise BadInput("bad_request", "send multipart/form-data (fields: audio, image, params)")
        try:
            form = await request.form(max_files=4, max_fields=8, max_part_size=4 * MB)
        except TooLarge:
            raise  # from BodyLimit while the body streams in: keep its 413
        except Exception as e:
            raise BadInput("bad_request", f"could not parse the multipart body: {e}") from None
        return form

    async def read_upload(form, field: str, limit_mb: float, required: bool = True) -> bytes | None:
        part = form.get(field)
        if part is None or (isinstance(part, str) and not part):
            if required:
                raise BadInput("missing_field", f"the '{field}' file is missing")
            return None
        if not isinstance(part, UploadFile):
            raise BadInput("bad_request", f"'{field}' must be a file upload")
        if part.size is not None and part.size > limit_mb * MB:
            raise TooLarge("too_large", f"{field} is {part.size / MB:.1f} MB; the limit is {limit_mb:.0f} MB")
        data = await part.read()
        if len(data) > limit_mb * MB:
            raise TooLarge("too_large", f"{field} is {len(data) / MB:.1f} MB; the limit is {limit_mb:.0f} MB")
        return data

    def job_or_404(request: Request, job_id: str):
        return request.app.state.jobs.get(job_id)  # NotFound (404) for unknown ids

    # ---- endpoints --------------------------------------------------------------------------------
    @app.get("/v1/health")
    async def health():
        def collect():
            ckpt = pipeline.checkpoint_dir(settings)
            engs = []
            for name in engines.REGISTRY:
                try:
                    ready, reason = engines.get(name, settings, ckpt).status()
                except Exception as e:
                    ready, reason = False, security.plain_failure("the engine could not be checked", e)
                if name in warm_errors:
                    ready, reason = False, warm_errors[name]
                elif ready and not warmed.is_set():
                    reason = "warming up; jobs wait until it is done"
                engs.append({"name": name, "ready": ready, "reason": reason})
            return {"status": "ok", "version": __version__, "device": settings.torch_device(),
                    "warm": warmed.is_set(), "engines": engs, "detectors": landmarks.detector_names(settings),
                    "renderers": renderers.available(settings)}

        return await run_in_threadpool(collect)

    @app.post("/v1/landmarks")
    async def detect_landmarks(request: Request):
        form = await read_form(request)
        data = await read_upload(form, "image", settings.max_image_mb)

        def work():
            img = image.decode(data)
            res = landmarks.detect(img, settings)
            return {"width": int(img.shape[1]), "height": int(img.shape[0]), "detector": res.detector,
                    "landmarks": [[round(float(v), 3) for v in p] for p in res.landmarks],
                    "faces_found": res.faces_found, "face_box": res.info()["face_box"], "notes": res.notes}

        return await run_in_threadpool(work)

    @app.post("/v1/jobs", status_code=202)
    async def create_job(request: Request):
        form = await read_form(request)
        raw_params = form.get("params")
        if isinstance(raw_params, UploadFile):
            raw_params = (await raw_params.read()).decode("utf-8", "replace")
        params = parse_params_text(raw_params)  # JSON text -> JobParams; every parser error a 422
        audio_bytes = await read_upload(form, "audio", settings.max_audio_mb)
        image_bytes = await read_upload(form, "image", settings.max_image_mb)

        def prepare():
            eng = engines.get(params.engine, settings, pipeline.checkpoint_dir(settings, params))
            engines.require_ready(eng)
            if params.render is not None:
                renderers.get(params.render.renderer, settings)
            img = image.decode(image_bytes)
            clip = audio.decode(audio_bytes)
            # Detect now, so "no face" is a 422 at once, not a failed job later.
            pts, rest_info = pipeline.rest_landmarks(img, params, settings)
            if params.rest_landmarks is None:
                params.rest_landmarks = pts.tolist()
            else:
                h, w = img.shape[:2]
                if (pts[:, 0] < -w).any() or (pts[:, 0] > 2 * w).any() or (pts[:, 1] < -h).any() or \
                        (pts[:, 1] > 2 * h).any():
                    raise BadInput("bad_params", "rest_landmarks lie far outside the image; they must be "
                                   "pixel coordinates of this image (origin top-left)")
            return request.app.state.jobs.submit(params, clip, img, rest_info)

        job = await run_in_threadpool(prepare)
        return JSONResponse({"job_id": job.id, "status": job.status}, status_code=202)

    @app.get("/v1/jobs/{job_id}")
    async def job_status(request: Request, job_id: str):
        return job_or_404(request, job_id).to_dict()

    @app.delete("/v1/jobs/{job_id}")
    async def cancel_job(request: Request, job_id: str):
        job = request.app.state.jobs.cancel(job_id)
        return job.to_dict()

    def finished_job(request, job_id):
        job = job_or_404(request, job_id)
        if job.status in ("queued", "running"):
            raise UserError("not_ready", f"job is {job.status} ({job.stage}); poll GET /v1/jobs/{job_id}", 409)
        if job.status != "done":
            msg = (job.error or {}).get("message", "")
            raise UserError("job_" + job.status, f"job {job.status}" + (f": {msg}" if msg else ""), 409)
        return job

    @app.get("/v1/jobs/{job_id}/track")
    async def job_track(request: Request, job_id: str, format: str = "json"):
        job = finished_job(request, job_id)
        if format not in ("json", "npz"):
            raise BadInput("bad_request", "format must be json or npz")
        if format == "npz":
            data = await run_in_threadpool(job.track.to_npz)
            return Response(data, media_type="application/octet-stream",
                            headers={"Content-Disposition": f'attachment; filename="{job_id}.npz"'})
        text = await run_in_threadpool(job.track.to_json)
        return Response(text, media_type="application/json")

    @app.get("/v1/jobs/{job_id}/frames")
    async def job_frames(request: Request, job_id: str):
        job = finished_job(request, job_id)
        if job.params.render is None or job.frames_dir is None:
            raise UserError("no_frames", "this job did not ask for rendered frames (params.render)", 404)
        # the files stay on disk until this download ends, even if the job is deleted meanwhile
        return StreamingResponse(request.app.state.jobs.frames_zip(job), media_type="application/zip",
                                 headers={"Content-Disposition": f'attachment; filename="{job_id}_frames.zip"'})

    security.install(app, settings)  # host, origin, token, body limit (security.py)
    return app
