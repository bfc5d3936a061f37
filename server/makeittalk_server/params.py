"""Job parameters of the HTTP API and the command line, validated in one place."""

from __future__ import annotations

import json
import math
import unicodedata
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import BadInput

EMOTIONS = ("neutral", "happy", "sad", "surprised", "angry")
MAX_PARAMS_BYTES = 1024 * 1024
MAX_DEPTH = 16            # params are at most 3 deep (rest_landmarks); a deeper text is refused unread
MAX_COORD = 1e5           # pixels; portraits are at most 8192 wide, so this is far outside any of them


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
    # warp: "interior" paints a mouth made from the portrait's colours, "portrait" keeps the picture's own
    # open mouth, "auto" keeps it only when the portrait's mouth is already open
    mouth: Literal["auto", "interior", "portrait"] = "auto"


class JobParams(BaseModel):
    """Everything a job can be asked for. Amplitudes use MakeItTalk's scale (defaults 2, 2, 0.5)."""

    model_config = ConfigDict(extra="forbid")
    engine: str = Field("default", max_length=64)
    fps: float = Field(30.0, ge=1.0, le=240.0)
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
        if not all(math.isfinite(c) and abs(c) <= MAX_COORD for p in v for c in p):
            raise ValueError(f"must contain only finite numbers within +-{MAX_COORD:g} pixels")
        return v

    @field_validator("transcript")
    @classmethod
    def _text(cls, v):
        """Compatibility forms become plain letters and digits ('①' -> '1'); control characters go."""
        if v is None:
            return v
        v = unicodedata.normalize("NFKC", v)
        return "".join(" " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in v)

    @field_validator("checkpoints")
    @classmethod
    def _folder(cls, v):
        if v is not None and any(unicodedata.category(c)[0] == "C" for c in v):
            raise ValueError("must be a folder path without control characters")
        return v


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors()[:6]:
        where = ".".join(str(x)[:40] for x in e.get("loc", ())) or "params"
        parts.append(f"{where}: {str(e.get('msg', 'invalid'))[:200]}")
    return "; ".join(parts)


def _depth(text: str) -> int:
    """Deepest [ / { nesting of a JSON text, strings skipped; linear, no recursion."""
    depth = best = 0
    in_str = esc = False
    for c in text:
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "[{":
            depth += 1
            best = max(best, depth)
        elif c in "]}":
            depth -= 1
    return best


def _no_constants(name):
    raise ValueError(f"params must not contain {name}")


def parse_params_text(raw) -> JobParams:
    """The `params` form field (JSON text, bytes or None) -> JobParams; anything unreadable is BadInput."""
    return parse_params(loads_params(raw))


def loads_params(raw):
    """JSON text (or bytes, or None) -> its value, None when empty; anything unreadable is BadInput."""
    if raw is None or raw == "" or raw == b"":
        return None
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput("bad_params", "params must be UTF-8 text (JSON)") from None
    if len(raw) > MAX_PARAMS_BYTES:
        raise BadInput("bad_params", f"params is {len(raw) // 1024} KB of text; the limit is "
                       f"{MAX_PARAMS_BYTES // 1024} KB")
    if _depth(raw) > MAX_DEPTH:
        raise BadInput("bad_params", f"params is nested more than {MAX_DEPTH} levels deep")
    try:
        data = json.loads(raw, parse_constant=_no_constants)
    except json.JSONDecodeError as e:
        raise BadInput("bad_params", f"params is not valid JSON: {e.msg} at position {e.pos}") from None
    except ValueError as e:       # NaN/Infinity, or an integer of more than 4300 digits
        msg = str(e) if str(e).startswith("params") else "params contains a number too long to read"
        raise BadInput("bad_params", msg) from None
    except RecursionError:
        raise BadInput("bad_params", "params is nested too deeply") from None
    return data


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
    except (ValueError, TypeError, OverflowError, RecursionError):   # pydantic's own limits on odd input
        raise BadInput("bad_params", "invalid params: a value could not be read") from None
