"""The landmark track file (DESIGN.md "Track"): read, check, write.

The add-on cannot import the server, so this keeps the same JSON format on its own: the server's
reference is server/makeittalk_server/track.py. head_pose entries are a 2-D similarity about the pivot
of the rest face (the mean of its 68 points):
    p_head(k) = pivot + scale * R(roll) @ (p_rest - pivot) + [tx, ty]
with roll in degrees (positive turns image-x towards image-y) and tx/ty in pixels.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

FORMAT = "makeittalk-track"
VERSION = 1
POSE_KEYS = ("roll_deg", "yaw_deg", "pitch_deg", "tx", "ty", "scale")
# Points that follow the head but hardly move with speech: used to fit a pose when a file has none.
STABLE_POINTS = np.r_[0:2, 15:17, 27:31, 36:48]


class TrackFileError(ValueError):
    """A track that cannot be used; the message says why in plain words."""


@dataclass
class TrackData:
    fps: float
    width: int
    height: int
    rest: np.ndarray                     # 68 x 3, pixels
    frames: np.ndarray                   # n x 68 x 3, pixels, head motion included
    head_pose: list = field(default_factory=list)
    engine: str = ""
    params: dict = field(default_factory=dict)
    duration_s: float = 0.0

    @property
    def n_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def pivot(self) -> np.ndarray:
        return self.rest[:, :2].mean(axis=0)


def _points(value, what: str) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TrackFileError(f"{what} must be numbers") from None
    if a.ndim != 2 or a.shape[0] != 68 or a.shape[1] not in (2, 3):
        raise TrackFileError(f"{what} must be 68 points of [x, y] or [x, y, z], got shape {a.shape}")
    if a.shape[1] == 2:
        a = np.concatenate([a, np.zeros((68, 1))], axis=1)
    return a


def validate(d) -> TrackData:
    """A parsed JSON object -> TrackData, or TrackFileError naming the first problem."""
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise TrackFileError("this is not a MakeItTalk track file (no 'format': 'makeittalk-track')")
    if d.get("version") != VERSION:
        raise TrackFileError(f"track version {d.get('version')!r} is not supported (this add-on reads {VERSION})")
    for key in ("fps", "width", "height", "rest", "frames"):
        if key not in d:
            raise TrackFileError(f"the track has no '{key}'")
    try:
        fps = float(d["fps"])
        width, height = int(d["width"]), int(d["height"])
    except (TypeError, ValueError):
        raise TrackFileError("fps, width and height must be numbers") from None
    if not (math.isfinite(fps) and fps > 0):
        raise TrackFileError("fps must be a positive number")
    if width <= 0 or height <= 0:
        raise TrackFileError("width and height must be positive")
    rest = _points(d["rest"], "rest")
    try:
        frames = np.asarray(d["frames"], dtype=np.float64)
    except (TypeError, ValueError):
        raise TrackFileError("frames must be n x 68 points of numbers") from None
    if frames.ndim != 3 or frames.shape[0] < 1 or frames.shape[1] != 68 or frames.shape[2] not in (2, 3):
        raise TrackFileError(f"frames must be n x 68 x 3, got shape {frames.shape}")
    if frames.shape[2] == 2:
        frames = np.concatenate([frames, np.zeros(frames.shape[:2] + (1,))], axis=2)
    if not (np.all(np.isfinite(rest)) and np.all(np.isfinite(frames))):
        raise TrackFileError("the track contains NaN or infinite coordinates")
    if "n_frames" in d and _number(d["n_frames"], "n_frames") != frames.shape[0]:
        raise TrackFileError(f"n_frames says {d['n_frames']} but the track has {frames.shape[0]} frames")
    pose = d.get("head_pose") or []
    if not isinstance(pose, list):
        raise TrackFileError("head_pose must be a list with one entry per frame")
    if not pose:
        pose = fit_head_pose(rest, frames)
    if len(pose) != frames.shape[0]:
        raise TrackFileError("head_pose must have one entry per frame")
    try:
        pose = [{k: float(p.get(k, 1.0 if k == "scale" else 0.0)) for k in POSE_KEYS} for p in pose]
    except (AttributeError, TypeError, ValueError):
        raise TrackFileError("head_pose entries must be objects of numbers") from None
    if any(not math.isfinite(v) for p in pose for v in p.values()) or any(p["scale"] <= 0 for p in pose):
        raise TrackFileError("head_pose has a non-finite value or a scale that is not positive")
    duration = d.get("duration_s")
    duration = _number(duration, "duration_s") if duration is not None else frames.shape[0] / fps
    params = d.get("params") or {}
    if not isinstance(params, dict):
        raise TrackFileError("params must be an object")
    return TrackData(fps=fps, width=width, height=height, rest=rest, frames=frames, head_pose=pose,
                     engine=str(d.get("engine") or ""), params=dict(params), duration_s=duration)


def _number(value, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TrackFileError(f"{what} must be a number") from None


def loads(text) -> TrackData:
    try:
        d = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise TrackFileError(f"the track is not valid JSON: {e}") from None
    return validate(d)


def load(path) -> TrackData:
    try:
        with open(path, "rb") as f:
            return loads(f.read())
    except OSError as e:
        raise TrackFileError(f"cannot read the track file: {e.strerror or e}") from None


def to_dict(t: TrackData) -> dict:
    return {
        "format": FORMAT, "version": VERSION, "fps": float(t.fps), "n_frames": t.n_frames,
        "duration_s": float(t.duration_s), "width": int(t.width), "height": int(t.height),
        "engine": t.engine, "params": t.params,
        "rest": np.round(t.rest, 4).tolist(), "frames": np.round(t.frames, 4).tolist(),
        "head_pose": [{k: float(p[k]) for k in POSE_KEYS} for p in t.head_pose],
    }


def dumps(t: TrackData) -> str:
    return json.dumps(to_dict(t), separators=(",", ":"))


def save(t: TrackData, path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps(t))


# ---- head pose (same convention as the server) -------------------------------------------------
def pose_matrix(pose: dict) -> np.ndarray:
    r = math.radians(pose.get("roll_deg", 0.0))
    s = pose.get("scale", 1.0)
    return s * np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])


def apply_pose(points: np.ndarray, pose: dict, pivot: np.ndarray) -> np.ndarray:
    out = np.array(points, dtype=np.float64, copy=True)
    shift = np.array([pose.get("tx", 0.0), pose.get("ty", 0.0)])
    out[..., :2] = (out[..., :2] - pivot) @ pose_matrix(pose).T + pivot + shift
    return out


def remove_pose(points: np.ndarray, pose: dict, pivot: np.ndarray) -> np.ndarray:
    out = np.array(points, dtype=np.float64, copy=True)
    shift = np.array([pose.get("tx", 0.0), pose.get("ty", 0.0)])
    out[..., :2] = (out[..., :2] - pivot - shift) @ np.linalg.inv(pose_matrix(pose)).T + pivot
    return out


def fit_head_pose(rest: np.ndarray, frames: np.ndarray) -> list:
    """Least-squares 2-D similarity from the rest face to each frame, on the stable points."""
    pivot = rest[:, :2].mean(axis=0)
    a = rest[STABLE_POINTS, :2] - pivot
    a = a - a.mean(axis=0)
    a_mean = (rest[STABLE_POINTS, :2] - pivot).mean(axis=0)
    norm = float((a * a).sum()) or 1.0
    out = []
    for f in frames:
        dst = f[STABLE_POINTS, :2] - pivot
        b = dst - dst.mean(axis=0)
        c = float((a * b).sum())
        s = float((a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum())
        pose = {"roll_deg": math.degrees(math.atan2(s, c)), "yaw_deg": 0.0, "pitch_deg": 0.0,
                "scale": math.hypot(c, s) / norm}
        t = dst.mean(axis=0) - pose_matrix(pose) @ a_mean
        pose["tx"], pose["ty"] = float(t[0]), float(t[1])
        out.append(pose)
    return out
