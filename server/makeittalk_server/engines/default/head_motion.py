"""Speaker-aware head motion from prosody.

Nods follow syllable stress (rises in loudness), the head lifts a little on high pitch, drifts slowly
while talking and settles in pauses, with a small nod closing each phrase. How much and how fast it
moves is the speaker's style: a fixed projection of the resemblyzer voice embedding, so the same voice
always moves the same way. The seed picks the random drift. Angles in degrees, shifts in pixels.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import gaussian_filter1d

from makeittalk_blender.core import head_pose as hp

STYLE_DIMS = ("nod", "sway", "tilt", "tempo", "yaw_bias", "roll_bias")
_STYLE_SEED = 7201     # fixed: the projection must not change between runs or releases


def style_from_embedding(emb: np.ndarray | None) -> dict[str, float]:
    """Voice embedding (256, unit norm) -> style numbers around 1 (multipliers) or 0 (biases)."""
    if emb is None:
        z = np.zeros(len(STYLE_DIMS))
    else:
        e = np.asarray(emb, dtype=np.float64).ravel()
        e = (e - e.mean()) / (e.std() + 1e-9)
        w = np.random.default_rng(_STYLE_SEED).standard_normal((len(STYLE_DIMS), e.size)) / math.sqrt(e.size)
        z = np.tanh(w @ e)
    s = dict(zip(STYLE_DIMS, z))
    return {"nod": 1 + 0.4 * s["nod"], "sway": 1 + 0.4 * s["sway"], "tilt": 1 + 0.4 * s["tilt"],
            "tempo": 1 + 0.3 * s["tempo"], "yaw_bias": 2.0 * s["yaw_bias"], "roll_bias": 1.5 * s["roll_bias"]}


def _drift(times: np.ndarray, rng: np.random.Generator, period: float) -> np.ndarray:
    """Smooth random curve in about [-1, 1]: spline through random knots every `period` seconds."""
    end = (times[-1] if len(times) else 0.0) + 2 * period
    knots = np.arange(-period, end + period, period)
    vals = np.clip(rng.standard_normal(len(knots)) * 0.6, -1.5, 1.5)
    return _catmull_rom(knots[0], period, vals, times)


def _catmull_rom(t0: float, step: float, vals: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The Catmull-Rom curve through vals at t0 + k * step (C1, through every knot). numpy alone:
    scipy.interpolate costs a cold `makeittalk track` 0.3 s of imports for this one curve."""
    x = (np.asarray(times, dtype=np.float64) - t0) / step
    i = np.clip(np.floor(x).astype(int), 1, len(vals) - 3)
    u = x - i
    p0, p1, p2, p3 = (vals[i + d] for d in (-1, 0, 1, 2))
    return 0.5 * (2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u ** 2
                  + (3 * (p1 - p2) + p3 - p0) * u ** 3)


def prosody_100hz(db: np.ndarray, mask: np.ndarray, f0: np.ndarray | None) -> dict[str, np.ndarray]:
    """Loudness (0..1), stress accents and pitch height (-1..1) at 100 Hz."""
    ref = db[mask] if mask.any() else db
    lo, hi = np.percentile(ref, 10), np.percentile(ref, 97)
    level = np.clip((db - lo) / max(hi - lo, 1e-6), 0, 1) * mask
    env = gaussian_filter1d(level, 6)
    accent = gaussian_filter1d(np.clip(np.gradient(env) * 100, 0, None), 10)
    accent /= np.percentile(accent[mask], 95) + 1e-6 if mask.any() else 1.0
    pitch = np.zeros_like(level)
    if f0 is not None and len(f0):
        f0 = np.r_[f0, np.zeros(max(0, len(level) - len(f0)))][: len(level)]
        v = f0 > 0
        if v.sum() > 10:
            semis = 12 * np.log2(np.where(v, f0, 1.0) / np.median(f0[v]))
            pitch = np.where(v, np.clip(semis / 6, -1, 1), 0.0)
            pitch = gaussian_filter1d(pitch, 15)
    return {"level": gaussian_filter1d(level, 15), "accent": np.clip(accent, 0, 2), "pitch": pitch}


def head_pose(times: np.ndarray, pros: dict[str, np.ndarray], pauses: list[tuple[float, float]],
              style: dict[str, float], seed: int, amp: float, face_size: float) -> dict[str, np.ndarray]:
    """Per-frame roll/yaw/pitch (deg), tx/ty (px), scale at `times` (seconds)."""
    rng = np.random.default_rng([seed, 4242])
    t100 = np.arange(len(pros["level"])) * 0.01
    level = np.interp(times, t100, pros["level"])
    accent = np.interp(times, t100, pros["accent"])
    pitch_h = np.interp(times, t100, pros["pitch"])
    active = np.clip(level * 3, 0.25, 1.0)          # moves more while talking, settles in pauses
    active = gaussian_filter1d(active, max(1.0, 0.3 * _fps(times)))
    tempo = style["tempo"]
    yaw = (style["yaw_bias"] + 4.0 * style["sway"] * _drift(times, rng, 1.6 / tempo)) * active
    roll = (style["roll_bias"] + 2.2 * style["tilt"] * _drift(times, rng, 2.0 / tempo)) * active
    pitch = 2.5 * style["nod"] * accent - 1.5 * pitch_h + 1.2 * _drift(times, rng, 1.3 / tempo) * active
    for s, e in pauses:   # a small downward nod closing each phrase
        if s <= 0:
            continue
        # only the frames within 1 s (8 sigma; beyond it the bump is < 1e-15): linear cost on long clips
        lo, hi = np.searchsorted(times, [s + 0.15 - 1.0, s + 0.15 + 1.0])
        pitch[lo:hi] += 1.5 * style["nod"] * np.exp(-0.5 * ((times[lo:hi] - s - 0.15) / 0.12) ** 2)
    yaw, roll, pitch = (amp * x for x in (yaw, roll, pitch))
    radius = 0.9 * face_size     # pivot-to-face distance: turning shifts the face in the picture
    tx = radius * np.sin(np.radians(yaw)) + amp * 0.02 * face_size * _drift(times, rng, 3.0)
    ty = radius * np.sin(np.radians(pitch)) + amp * 0.015 * face_size * _drift(times, rng, 3.0)
    scale = 1.0 + amp * 0.012 * (level - level.mean())
    return {"roll_deg": roll, "yaw_deg": yaw, "pitch_deg": pitch, "tx": tx, "ty": ty, "scale": scale}


def _fps(times: np.ndarray) -> float:
    return 1.0 / (times[1] - times[0]) if len(times) > 1 else 30.0


def apply(points: np.ndarray, pose: dict[str, np.ndarray], pivot: np.ndarray, depth: np.ndarray,
          out=None) -> np.ndarray:
    """The head on n frames of face points (x, y change): pivot + scale*R(roll)(p - pivot) + t and the
    turn in depth by yaw and pitch at `depth` (68, the landmarks' depth), exactly as the Blender rig and
    the warp turn the face (core/head_pose.py), so the landmarks show the turn and taking the head out
    again gives the expression back. out=points transforms in place."""
    if out is None:
        out = points.copy()
    out[..., :2] = hp.apply(points[..., :2], hp.head_array(pose), depth, pivot)
    return out


def as_dicts(pose: dict[str, np.ndarray]) -> list[dict]:
    keys = ("roll_deg", "yaw_deg", "pitch_deg", "tx", "ty", "scale")
    cols = [np.round(pose[k], 5).tolist() for k in keys]
    return [dict(zip(keys, row)) for row in zip(*cols)]
