"""The HTTP API v1 (DESIGN.md) as a thin router: read the request, call `Serving`, shape the answer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..errors import BadInput
from ..params import parse_params
from ..serving import Serving
from . import protocol as P
from .uploads import read_form, read_params, read_upload

router = APIRouter(prefix="/v1")


def serving(request: Request) -> Serving:
    return request.app.state.serving


@router.get("/health", responses={200: {"model": P.HealthResponse}, **P.errors(401)})
async def health(request: Request):
    return await run_in_threadpool(serving(request).health)


@router.post("/landmarks", responses={200: {"model": P.LandmarksResponse}, **P.errors(401, 413, 422)},
             openapi_extra=P.multipart_body(P.LandmarksForm))
async def detect_landmarks(request: Request):
    s = serving(request)
    form = await read_form(request)
    data = await read_upload(form, "image", s.settings.max_image_mb)
    return await run_in_threadpool(s.detect_landmarks, data)


@router.post("/jobs", status_code=202, responses={202: {"model": P.JobCreated}, **P.errors(401, 409, 413, 422)},
             openapi_extra=P.multipart_body(P.JobForm))
async def create_job(request: Request):
    s = serving(request)
    form = await read_form(request)
    params = parse_params(await read_params(form))
    audio_bytes = await read_upload(form, "audio", s.settings.max_audio_mb)
    image_bytes = await read_upload(form, "image", s.settings.max_image_mb)
    job = await run_in_threadpool(s.create_job, params, audio_bytes, image_bytes)
    return JSONResponse({"job_id": job.id, "status": job.status}, status_code=202)


@router.get("/jobs/{job_id}", responses={200: {"model": P.JobStatus}, **P.errors(401, 404)})
async def job_status(request: Request, job_id: str):
    return serving(request).job(job_id).to_dict()


@router.delete("/jobs/{job_id}", responses={200: {"model": P.JobStatus}, **P.errors(401, 404)})
async def cancel_job(request: Request, job_id: str):
    return serving(request).cancel(job_id).to_dict()


_TRACK = {200: {"description": "the track: JSON, or npz with ?format=npz",
                "content": {"application/json": {}, "application/octet-stream": {}}}}


@router.get("/jobs/{job_id}/track", response_class=Response, responses={**_TRACK, **P.errors(401, 404, 409, 422)})
async def job_track(request: Request, job_id: str, format: str = "json"):
    job = serving(request).finished_job(job_id)
    if format not in ("json", "npz"):
        raise BadInput("bad_request", "format must be json or npz")
    if format == "npz":
        data = await run_in_threadpool(job.track.to_npz)
        return Response(data, media_type="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{job_id}.npz"'})
    text = await run_in_threadpool(job.track.to_json)
    return Response(text, media_type="application/json")


_ZIP = {200: {"description": "zip of frame_000001.png ...", "content": {"application/zip": {}}}}


@router.get("/jobs/{job_id}/frames", response_class=StreamingResponse,
            responses={**_ZIP, **P.errors(401, 404, 409, 410)})
async def job_frames(request: Request, job_id: str):
    # the files stay on disk until this download ends, even if the job is deleted meanwhile (jobs.py)
    return StreamingResponse(serving(request).frames_zip(job_id), media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="{job_id}_frames.zip"'})
