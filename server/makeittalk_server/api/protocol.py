"""The HTTP API's shapes (DESIGN.md, API v1): request bodies, answers and errors, as pydantic models.

The routes are hand-parsed (multipart with our own limits and messages), so FastAPI cannot infer
their bodies; `multipart_body` and `errors` put them into the OpenAPI schema, which is what
schemathesis and client authors read.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, Field

from ..params import JobParams


class ErrorDetail(BaseModel):
    code: str = Field(..., description="stable machine-readable code, e.g. no_face, bad_params, too_large")
    message: str = Field(..., description="what went wrong, in plain words")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ComponentStatus(BaseModel):
    name: str
    ready: bool
    reason: str = ""


class HealthResponse(BaseModel):
    status: Literal["ok"]
    version: str
    device: str
    warm: bool
    engines: list[ComponentStatus]
    detectors: list
    renderers: list[ComponentStatus]


class LandmarksResponse(BaseModel):
    width: int
    height: int
    detector: str
    landmarks: list[list[float]] = Field(..., description="68 x [x, y, z] in pixels, origin top-left")
    faces_found: int
    face_box: list[float]
    notes: list[str]


class JobCreated(BaseModel):
    job_id: str
    status: str


class JobStatus(BaseModel):
    job_id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float
    stage: str
    error: Optional[ErrorDetail] = None
    engine: str
    render: bool
    created: float
    finished: Optional[float] = None


class LandmarksForm(BaseModel):
    image: bytes = Field(..., json_schema_extra={"format": "binary"}, description="the portrait (png, jpg, ...)")


class JobForm(BaseModel):
    audio: bytes = Field(..., json_schema_extra={"format": "binary"}, description="speech (wav, flac, ogg, mp3)")
    image: bytes = Field(..., json_schema_extra={"format": "binary"}, description="the portrait")
    params: Optional[str] = Field(None, description="JSON object of JobParams (schema JobParams)")


def multipart_body(form: type[BaseModel]) -> dict:
    """openapi_extra for a route that reads multipart/form-data itself."""
    schema = form.model_json_schema()
    for prop in schema.get("properties", {}).values():
        options = [o for o in prop.pop("anyOf", []) if o.get("type") != "null"]
        prop.update(options[0] if options else {})   # a form field is absent, never null
        if prop.get("format") == "binary":
            prop.pop("contentMediaType", None)
            prop["type"] = "string"
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


_WHEN = {
    401: "missing or wrong token",
    404: "no such job, or nothing of that kind for it",
    409: "the job is not finished, failed, or the engine is not ready",
    410: "the job's rendered frames are gone",
    413: "an upload over the server's size limits",
    422: "bad input: unreadable audio or image, no face, bad params",
}


def errors(*statuses: int) -> dict:
    """`responses=` for a route: each error status with the one error shape."""
    return {s: {"model": ErrorResponse, "description": _WHEN[s]} for s in statuses}


PARAMS_SCHEMA = JobParams.model_json_schema()
