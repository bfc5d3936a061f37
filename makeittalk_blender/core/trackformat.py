"""The landmark track (DESIGN.md "Track"): the one definition, used by the add-on and the server alike.

Pure (numpy + stdlib): Blender's bundled Python imports it as `makeittalk_blender.core.trackformat`
(`core/trackfile.py` re-exports it) and the server as `makeittalk_server.track` (a re-export too).

Version 2 adds, beside the landmarks of version 1:
* `phones`: the timeline the engine heard, [{start, end, phone, conf, viseme}] in seconds; `phone` is
  ARPAbet without stress ("SIL" for silence), `conf` 0..1, `viseme` the Oculus viseme (core/phoneset).
* `words`: [{start, end, word, conf}] when a transcript or recogniser gave them.
* `channels`: {name: n floats}, the per-frame semantic channels measured from the landmarks
  (core/channels.py documents each one). Measured on load when a file has none (version 1).
Version-1 files load (empty timeline, measured channels); files of a newer version are refused
with a message that says to update.

head_pose entries are a 2-D similarity about the pivot of the rest face (the mean of its 68 points),
    p_head(k) = pivot + scale * R(roll) @ (p_rest - pivot) + [tx, ty]   (roll in degrees, t in pixels),
and a turn in depth by yaw_deg / pitch_deg at the landmarks' depth (core/head_pose.apply; 0 from engines
that do not estimate them). frames hold absolute landmarks (head motion included); core/channels.expression
takes the whole head out, remove_pose below the similarity only.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field

import numpy as np

from .phoneset import normalise_phone, viseme_of

FORMAT = "makeittalk-track"
VERSION = 2
READS = (1, 2)
POSE_KEYS = ("roll_deg", "yaw_deg", "pitch_deg", "tx", "ty", "scale")
# Points that move with the head but hardly with speech: used to fit head pose.
STABLE_POINTS = np.r_[0:2, 15:17, 27:31, 36:48]


class TrackError(ValueError):
    """A track that cannot be used; the message says why in plain words."""


TrackFileError = TrackError       # the add-on's name for it


class TrackReadError(TrackError, OSError):
    """The file cannot be read at all: a TrackError for the add-on, an OSError (with strerror) for the
    command line, which says 'could not open'."""

    __str__ = BaseException.__str__          # the message, not OSError's "[Errno n] ..."

    def __init__(self, message: str, err: OSError):
        super().__init__(message)
        self.errno, self.strerror = err.errno, err.strerror or str(err)


@dataclass
class Track:
    fps: float
    width: int
    height: int
    rest: np.ndarray                       # 68 x 3 pixels
    frames: np.ndarray                     # n x 68 x 3 pixels, head motion included
    head_pose: list = field(default_factory=list)
    engine: str = ""
    params: dict = field(default_factory=dict)
    duration_s: float | None = None
    phones: list = field(default_factory=list)
    words: list = field(default_factory=list)
    channels: dict = field(default_factory=dict)

    def __post_init__(self):
        self.fps = _positive(self.fps, "fps")
        self.width, self.height = _size(self.width, self.height)
        self.rest = as_68x3(self.rest, "rest")
        self.frames = _frames(self.frames)
        self.head_pose = _head_pose(self.head_pose, self.rest, self.frames)
        self.engine = str(self.engine or "")
        if not isinstance(self.params, dict):
            raise TrackError("params must be an object")
        self.duration_s = self.n_frames / self.fps if self.duration_s is None else _number(self.duration_s, "duration_s")
        self.phones = _timeline(self.phones, "phones", "phone")
        self.words = _timeline(self.words, "words", "word")
        self.channels = _channels(self)

    @property
    def n_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def pivot(self) -> np.ndarray:
        return self.rest[:, :2].mean(axis=0)

    # methods the server's callers use; the module functions below do the work
    def to_dict(self) -> dict:
        return to_dict(self)

    def to_json(self) -> str:
        return dumps(self)

    def to_npz(self) -> bytes:
        return to_npz(self)

    def save(self, path) -> None:
        save(self, path)


TrackData = Track                  # the add-on's name for it


# ---- checks ------------------------------------------------------------------------------------
def _number(value, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TrackError(f"{what} must be a number") from None
    if not math.isfinite(v):
        raise TrackError(f"{what} must be a finite number")
    return v


def _positive(value, what: str) -> float:
    v = _number(value, what)
    if v <= 0:
        raise TrackError(f"{what} must be a positive number")
    return v


def _size(width, height) -> tuple[int, int]:
    try:
        w, h = int(width), int(height)
    except (TypeError, ValueError):
        raise TrackError("width and height must be numbers") from None
    if w <= 0 or h <= 0:
        raise TrackError(f"width and height must be positive pixels, got {w}x{h}")
    return w, h


def as_68x3(points, what: str = "landmarks") -> np.ndarray:
    """68x2 or 68x3 (any nesting of numbers) -> 68x3 float64; z = 0 when absent."""
    try:
        a = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise TrackError(f"{what} must be numbers") from None
    if a.ndim != 2 or a.shape[0] != 68 or a.shape[1] not in (2, 3):
        raise TrackError(f"{what} must be 68 points of [x, y] or [x, y, z], got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise TrackError(f"{what} contain NaN or infinite coordinates")
    if a.shape[1] == 2:
        a = np.concatenate([a, np.zeros((68, 1))], axis=1)
    return a


def _frames(value) -> np.ndarray:
    try:
        f = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TrackError("frames must be n x 68 points of numbers") from None
    if f.ndim != 3 or f.shape[0] < 1 or f.shape[1] != 68 or f.shape[2] not in (2, 3):
        raise TrackError(f"frames must be n x 68 x 3, got shape {f.shape}")
    if not np.all(np.isfinite(f)):
        raise TrackError("frames contain NaN or infinite coordinates")
    if f.shape[2] == 2:
        f = np.concatenate([f, np.zeros(f.shape[:2] + (1,))], axis=2)
    return f


def _head_pose(pose, rest, frames) -> list:
    if pose is None:
        pose = []
    if not isinstance(pose, (list, tuple)):
        raise TrackError("head_pose must be a list with one entry per frame")
    if not pose:
        return fit_head_pose(rest, frames)
    if len(pose) != frames.shape[0]:
        raise TrackError("head_pose must have one entry per frame")
    try:
        out = [{k: float(p.get(k, 1.0 if k == "scale" else 0.0)) for k in POSE_KEYS} for p in pose]
    except (AttributeError, TypeError, ValueError):
        raise TrackError("head_pose entries must be objects of numbers") from None
    if any(not math.isfinite(v) for p in out for v in p.values()) or any(p["scale"] <= 0 for p in out):
        raise TrackError("head_pose has a non-finite value or a scale that is not positive")
    return out


def _timeline(items, what: str, label: str) -> list:
    """[{start, end, <label>, conf}] sorted by start; times in seconds, conf 0..1 (1 when absent)."""
    if items is None:
        return []
    if not isinstance(items, (list, tuple)):
        raise TrackError(f"{what} must be a list of {{start, end, {label}, conf}}")
    out = []
    for it in items:
        if not isinstance(it, dict) or label not in it:
            raise TrackError(f"each entry of {what} needs start, end and {label}")
        start, end = _number(it.get("start"), f"{what} start"), _number(it.get("end"), f"{what} end")
        conf = _number(it.get("conf", 1.0), f"{what} conf")
        if end < start or start < 0:
            raise TrackError(f"{what} has an entry that ends before it starts or starts before 0 s")
        e = {"start": start, "end": end, label: str(it[label]), "conf": min(1.0, max(0.0, conf))}
        if label == "phone":
            e["phone"] = normalise_phone(e["phone"])
            e["viseme"] = viseme_of(e["phone"])
        out.append(e)
    return sorted(out, key=lambda e: (e["start"], e["end"]))


def _channels(t: Track) -> dict:
    from . import channels as ch        # channels measures with this module's pose maths

    given = t.channels or {}
    if not isinstance(given, dict):
        raise TrackError("channels must be an object of per-frame lists")
    known = {}
    for name, values in given.items():
        try:
            v = np.asarray(values, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise TrackError(f"channel {name!s:.40} must be numbers") from None
        if v.shape[0] != t.n_frames or not np.all(np.isfinite(v)):
            raise TrackError(f"channel {name!s:.40} must have one finite number per frame")
        known[str(name)] = v
    missing = [n for n in ch.NAMES if n not in known]
    if missing:
        measured = ch.measure(t.rest, t.frames, t.head_pose)
        known.update({n: measured[n] for n in missing})
    return known


# ---- JSON / npz ----------------------------------------------------------------------------------
def validate(d) -> Track:
    """A parsed JSON object (version 1 or 2) -> Track, or TrackError naming the first problem."""
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise TrackError("this is not a MakeItTalk track file (no 'format': 'makeittalk-track')")
    version = d.get("version")
    if version not in READS:
        newer = isinstance(version, (int, float)) and version > VERSION
        raise TrackError(f"track version {version!r} is not supported (this build reads versions "
                         f"{', '.join(map(str, READS))})" + ("; update MakeItTalk to read it" if newer else ""))
    for key in ("fps", "width", "height", "rest", "frames"):
        if key not in d:
            raise TrackError(f"the track has no '{key}'")
    t = Track(fps=d["fps"], width=d["width"], height=d["height"], rest=d["rest"], frames=d["frames"],
              head_pose=d.get("head_pose") or [], engine=d.get("engine") or "", params=d.get("params") or {},
              duration_s=d.get("duration_s"), phones=d.get("phones") or [], words=d.get("words") or [],
              channels=d.get("channels") or {})
    if "n_frames" in d and _number(d["n_frames"], "n_frames") != t.n_frames:
        raise TrackError(f"n_frames says {d['n_frames']} but the track has {t.n_frames} frames")
    return t


from_dict = validate


def to_dict(t: Track) -> dict:
    return {
        "format": FORMAT, "version": VERSION, "fps": float(t.fps), "n_frames": t.n_frames,
        "duration_s": float(t.duration_s), "width": int(t.width), "height": int(t.height),
        "engine": t.engine, "params": t.params,
        "rest": np.round(t.rest, 4).tolist(), "frames": np.round(t.frames, 4).tolist(),
        "head_pose": [{k: float(p[k]) for k in POSE_KEYS} for p in t.head_pose],
        "phones": [dict(p) for p in t.phones], "words": [dict(w) for w in t.words],
        "channels": {k: np.round(v, 4).tolist() for k, v in t.channels.items()},
    }


def dumps(t: Track) -> str:
    return json.dumps(to_dict(t), separators=(",", ":"))


def loads(text) -> Track:
    try:
        d = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise TrackError(f"the track is not valid JSON: {e}") from None
    return validate(d)


_ARRAYS = ("rest", "frames", "head_pose", "channels")


def to_npz(t: Track) -> bytes:
    meta = {k: v for k, v in to_dict(t).items() if k not in _ARRAYS}
    names = list(t.channels)
    chans = np.array([t.channels[n] for n in names], dtype=np.float32).T.reshape(t.n_frames, len(names))
    pose = np.array([[p[k] for k in POSE_KEYS] for p in t.head_pose], dtype=np.float64)
    buf = io.BytesIO()
    np.savez_compressed(buf, rest=t.rest.astype(np.float32), frames=t.frames.astype(np.float32),
                        head_pose=pose, head_pose_keys=np.array(POSE_KEYS), channels=chans,
                        channel_names=np.array(names, dtype=str), meta=np.array(json.dumps(meta)))
    return buf.getvalue()


def from_npz(data: bytes) -> Track:
    try:
        z = np.load(io.BytesIO(data), allow_pickle=False)
        meta = json.loads(str(z["meta"]))
        keys = [str(k) for k in z["head_pose_keys"]]
        meta["head_pose"] = [dict(zip(keys, map(float, row))) for row in z["head_pose"]]
        meta.update(rest=z["rest"], frames=z["frames"])
        if "channel_names" in z.files:
            meta["channels"] = {str(n): z["channels"][:, i] for i, n in enumerate(z["channel_names"])}
    except (OSError, KeyError, ValueError, TypeError) as e:
        raise TrackError(f"the track is not a valid npz track file ({str(e)[:80]})") from None
    return validate(meta)


def load(path) -> Track:
    path = str(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise TrackReadError(f"cannot read the track file: {e.strerror or e}", e) from None
    return from_npz(data) if path.endswith(".npz") else loads(data)


def save(t: Track, path) -> None:
    path = str(path)
    if path.endswith(".npz"):
        with open(path, "wb") as f:
            f.write(to_npz(t))
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(dumps(t))


# ---- head pose -----------------------------------------------------------------------------------
def head_pivot(rest) -> np.ndarray:
    return as_68x3(rest)[:, :2].mean(axis=0)


def pose_matrix(pose: dict) -> np.ndarray:
    """2x2 matrix scale*R(roll) of a head_pose entry."""
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


def fit_head_pose(rest, frames) -> list:
    """Least-squares 2-D similarity from the rest face to each frame, on STABLE_POINTS (closed form:
    in 2-D a similarity is a complex multiplication)."""
    rest = as_68x3(rest, "rest")
    frames = np.asarray(frames, dtype=np.float64)
    pivot = head_pivot(rest)
    src = rest[STABLE_POINTS, :2] - pivot
    src_c = src.mean(axis=0)
    a = src - src_c
    norm = float((a * a).sum()) or 1.0
    out = []
    for f in frames:
        dst = f[STABLE_POINTS, :2] - pivot
        dst_c = dst.mean(axis=0)
        b = dst - dst_c
        c = float((a * b).sum())
        s = float((a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum())
        pose = {"roll_deg": math.degrees(math.atan2(s, c)), "yaw_deg": 0.0, "pitch_deg": 0.0,
                "scale": math.hypot(c, s) / norm}
        t = dst_c - pose_matrix(pose) @ src_c
        pose["tx"], pose["ty"] = float(t[0]), float(t[1])
        out.append({k: pose[k] for k in POSE_KEYS})
    return out


def resample(frames: np.ndarray, src_fps: float, dst_fps: float, duration_s: float) -> np.ndarray:
    """Linear resampling in time: frame k of the result is the face at k / dst_fps seconds."""
    frames = np.asarray(frames, dtype=np.float64)
    n_out = n_frames_for(duration_s, dst_fps)
    if frames.shape[0] < 2:
        return np.repeat(frames[:1], n_out, axis=0)
    t_src = np.arange(frames.shape[0]) / src_fps
    t_dst = np.arange(n_out) / dst_fps
    flat = frames.reshape(frames.shape[0], -1)
    idx = np.clip(np.searchsorted(t_src, t_dst, side="right") - 1, 0, len(t_src) - 2)
    w = np.clip((t_dst - t_src[idx]) / (t_src[idx + 1] - t_src[idx]), 0.0, 1.0)[:, None]
    out = flat[idx] * (1 - w) + flat[idx + 1] * w
    return out.reshape((n_out,) + frames.shape[1:])


def n_frames_for(duration_s: float, fps: float) -> int:
    """Number of frames covering the audio: frames at k/fps for k/fps < duration (at least 1)."""
    return max(1, int(math.ceil(duration_s * fps - 1e-9)))
