"""Job parameters of the HTTP API and the command line, validated in one place."""

from __future__ import annotations

import math
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import BadInput

EMOTIONS = ("neutral", "happy", "sad", "surprised", "angry")


class Emotion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Literal["neutral", "happy", "sad", "surprised", "angry"] = "neutral"
    intensity: float = Field(0.5, ge=0.0, le=1.0)


class RenderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    renderer: Literal["warp", "neural"] = "warp"
    width: Optional[int] = Field(None, ge=16, le=4096)
    height: Optional[int] = Field(None, ge=16, le=4096)
    paste_back: bool = True          # neural: paste the 256 px face into the full portrait
    teeth: bool = True               # warp: draw teeth in the mouth cavity


class JobParams(BaseModel):
    """Everything a job can be asked for. Amplitudes use MakeItTalk's scale (defaults 2, 2, 0.5)."""

    model_config = ConfigDict(extra="forbid")
    engine: str = "default"
    fps: float = Field(30.0, gt=0.0, le=240.0)
    rest_landmarks: Optional[list[list[float]]] = None
    amp_lip_x: float = Field(2.0, ge=0.0, le=10.0)
    amp_lip_y: float = Field(2.0, ge=0.0, le=10.0)
    amp_pos: float = Field(0.5, ge=0.0, le=5.0)
    blink: bool = True
    emotion: Emotion = Field(default_factory=Emotion)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    transcript: Optional[str] = Field(None, max_length=20000)
    checkpoints: Optional[str] = Field(None, max_length=4096)
    render: Optional[RenderRequest] = None
    precision: Literal["exact", "fast"] = "exact"    # makeittalk engine: "fast" = engines/makeittalk/fast.py

    @field_validator("fps", "amp_lip_x", "amp_lip_y", "amp_pos")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @field_validator("rest_landmarks")
    @classmethod
    def _shape(cls, v):
        if v is None:
            return v
        if len(v) != 68 or any(len(p) not in (2, 3) for p in v) or len({len(p) for p in v}) != 1:
            raise ValueError("must be 68 points of [x, y] or [x, y, z] in pixels")
        if not all(math.isfinite(c) for p in v for c in p):
            raise ValueError("must contain only finite numbers")
        return v


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        where = ".".join(str(x) for x in e.get("loc", ())) or "params"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts)


def parse_params(data) -> JobParams:
    """Validate a dict (or None) into JobParams, raising BadInput with a readable message."""
    if data is None:
        return JobParams()
    if not isinstance(data, dict):
        raise BadInput("bad_params", "params must be a JSON object")
    try:
        return JobParams.model_validate(data)
    except ValidationError as err:
        raise BadInput("bad_params", "invalid params: " + _describe(err)) from None
