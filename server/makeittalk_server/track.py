"""The landmark track: build it, check it, write and read JSON / npz (DESIGN.md "Track").

head_pose entries are a 2-D similarity about the pivot of the rest face (the mean of its 68 points):
    p_head(k) = pivot + scale * R(roll) @ (p_rest - pivot) + [tx, ty]
with roll in degrees (positive turns image-x towards image-y), tx/ty in pixels. yaw_deg and pitch_deg
are informative estimates. frames hold the absolute landmarks (head motion included), so
inverse(head_pose) @ frame is the expression alone.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field

import numpy as np

FORMAT = "makeittalk-track"
VERSION = 1
# Points that move with the head but hardly with speech: used to fit head pose.
STABLE_POINTS = np.r_[0:2, 15:17, 27:31, 36:48]


class TrackError(ValueError):
    pass


@dataclass
class Track:
    fps: float
    width: int
    height: int
    engine: str
    rest: np.ndarray                       # 68x3 float
    frames: np.ndarray                     # n x 68 x 3 float
    head_pose: list[dict] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    duration_s: float | None = None

    @property
    def n_frames(self) -> int:
        return int(self.frames.shape[0])

    def __post_init__(self):
        self.rest = as_68x3(self.rest)
        self.frames = np.asarray(self.frames, dtype=np.float64)
        if self.frames.ndim != 3 or self.frames.shape[1:] != (68, 3):
            raise TrackError(f"frames must be n x 68 x 3, got {self.frames.shape}")
        if not np.all(np.isfinite(self.frames)):
            raise TrackError("frames contain NaN or infinite values")
        if not (self.fps > 0 and math.isfinite(self.fps)):
            raise TrackError("fps must be a positive number")
        if not (int(self.width) > 0 and int(self.height) > 0):
            raise TrackError(f"width and height must be positive pixels, got {self.width}x{self.height}")
        if not self.head_pose:
            self.head_pose = fit_head_pose(self.rest, self.frames)
        if len(self.head_pose) != self.n_frames:
            raise TrackError("head_pose must have one entry per frame")
        if self.duration_s is None:
            self.duration_s = self.n_frames / self.fps

    # ---- serialisation -------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "fps": float(self.fps),
            "n_frames": self.n_frames,
            "duration_s": float(self.duration_s),
            "width": int(self.width),
            "height": int(self.height),
            "engine": self.engine,
            "params": self.params,
            "rest": np.round(self.rest, 4).tolist(),
            "frames": np.round(self.frames, 4).tolist(),
            "head_pose": self.head_pose,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    def save(self, path) -> None:
        path = str(path)
        if path.endswith(".npz"):
            with open(path, "wb") as f:
                f.write(self.to_npz())
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.to_json())

    def to_npz(self) -> bytes:
        meta = {k: v for k, v in self.to_dict().items() if k not in ("rest", "frames", "head_pose")}
        keys = sorted(self.head_pose[0]) if self.head_pose else []
        pose = np.array([[p[k] for k in keys] for p in self.head_pose], dtype=np.float64)
        buf = io.BytesIO()
        np.savez_compressed(buf, rest=self.rest.astype(np.float32), frames=self.frames.astype(np.float32),
                            head_pose=pose, head_pose_keys=np.array(keys), meta=np.array(json.dumps(meta)))
        return buf.getvalue()


def as_68x3(points) -> np.ndarray:
    """68x2 or 68x3 (any nesting of numbers) -> 68x3 float64; z = 0 when absent."""
    a = np.asarray(points, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != 68 or a.shape[1] not in (2, 3):
        raise TrackError(f"landmarks must be 68x2 or 68x3, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise TrackError("landmarks contain NaN or infinite values")
    if a.shape[1] == 2:
        a = np.concatenate([a, np.zeros((68, 1))], axis=1)
    return a


def from_dict(d: dict) -> Track:
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise TrackError("not a makeittalk-track file (missing 'format': 'makeittalk-track')")
    if d.get("version") != VERSION:
        raise TrackError(f"unsupported track version {d.get('version')!r} (this build reads {VERSION})")
    try:
        t = Track(fps=float(d["fps"]), width=int(d["width"]), height=int(d["height"]),
                  engine=str(d.get("engine", "")), rest=d["rest"], frames=np.asarray(d["frames"], float),
                  head_pose=list(d.get("head_pose") or []), params=dict(d.get("params") or {}),
                  duration_s=d.get("duration_s"))
    except KeyError as e:
        raise TrackError(f"track is missing the field {e.args[0]!r}") from None
    if "n_frames" in d and int(d["n_frames"]) != t.n_frames:
        raise TrackError(f"n_frames says {d['n_frames']} but the track has {t.n_frames} frames")
    return t


def load(path) -> Track:
    path = str(path)
    if path.endswith(".npz"):
        with open(path, "rb") as f:
            return from_npz(f.read())
    with open(path, encoding="utf-8") as f:
        try:
            d = json.load(f)
        except json.JSONDecodeError as e:
            raise TrackError(f"track file is not valid JSON: {e}") from None
    return from_dict(d)


def from_npz(data: bytes) -> Track:
    z = np.load(io.BytesIO(data), allow_pickle=False)
    meta = json.loads(str(z["meta"]))
    keys = [str(k) for k in z["head_pose_keys"]]
    pose = [dict(zip(keys, map(float, row))) for row in z["head_pose"]]
    meta.update(rest=z["rest"], frames=z["frames"], head_pose=pose)
    return from_dict(meta)


# ---- head pose --------------------------------------------------------------------------------
def head_pivot(rest) -> np.ndarray:
    return as_68x3(rest)[:, :2].mean(axis=0)


def pose_matrix(pose: dict) -> np.ndarray:
    """2x2 matrix scale*R(roll) of a head_pose entry."""
    r = math.radians(pose.get("roll_deg", 0.0))
    s = pose.get("scale", 1.0)
    return s * np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])


def apply_pose(points: np.ndarray, pose: dict, pivot: np.ndarray) -> np.ndarray:
    out = np.array(points, dtype=np.float64, copy=True)
    out[..., :2] = (out[..., :2] - pivot) @ pose_matrix(pose).T + pivot + [pose.get("tx", 0.0), pose.get("ty", 0.0)]
    return out


def remove_pose(points: np.ndarray, pose: dict, pivot: np.ndarray) -> np.ndarray:
    out = np.array(points, dtype=np.float64, copy=True)
    m_inv = np.linalg.inv(pose_matrix(pose))
    out[..., :2] = (out[..., :2] - pivot - [pose.get("tx", 0.0), pose.get("ty", 0.0)]) @ m_inv.T + pivot
    return out


def fit_head_pose(rest, frames) -> list[dict]:
    """Least-squares similarity (Umeyama) from the rest face to each frame on STABLE_POINTS."""
    rest = as_68x3(rest)
    frames = np.asarray(frames, dtype=np.float64)
    pivot = head_pivot(rest)
    src = rest[STABLE_POINTS, :2] - pivot
    src_c = src.mean(axis=0)
    a = src - src_c
    out = []
    for f in frames:
        dst = f[STABLE_POINTS, :2] - pivot
        dst_c = dst.mean(axis=0)
        b = dst - dst_c
        # closed form for 2-D similarity: [a,b] maps as complex multiplication
        sxx = float((a * b).sum())
        sxy = float((a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum())
        norm = float((a * a).sum()) or 1.0
        scale = math.hypot(sxx, sxy) / norm
        roll = math.atan2(sxy, sxx)
        m = scale * np.array([[math.cos(roll), -math.sin(roll)], [math.sin(roll), math.cos(roll)]])
        t = dst_c - m @ src_c
        out.append({"roll_deg": math.degrees(roll), "yaw_deg": 0.0, "pitch_deg": 0.0,
                    "tx": float(t[0]), "ty": float(t[1]), "scale": scale})
    return out


def resample(frames: np.ndarray, src_fps: float, dst_fps: float, duration_s: float) -> np.ndarray:
    """Linear resampling in time: frame k of the result is the face at k / dst_fps seconds."""
    frames = np.asarray(frames, dtype=np.float64)
    n_out = n_frames_for(duration_s, dst_fps)
    t_src = np.arange(frames.shape[0]) / src_fps
    t_dst = np.arange(n_out) / dst_fps
    flat = frames.reshape(frames.shape[0], -1)
    idx = np.clip(np.searchsorted(t_src, t_dst, side="right") - 1, 0, max(0, len(t_src) - 2))
    if len(t_src) < 2:
        return np.repeat(frames[:1], n_out, axis=0)
    w = np.clip((t_dst - t_src[idx]) / (t_src[idx + 1] - t_src[idx]), 0.0, 1.0)[:, None]
    out = flat[idx] * (1 - w) + flat[idx + 1] * w
    return out.reshape((n_out,) + frames.shape[1:])


def n_frames_for(duration_s: float, fps: float) -> int:
    """Number of frames covering the audio: frames at k/fps for k/fps < duration (at least 1)."""
    return max(1, int(math.ceil(duration_s * fps - 1e-9)))
