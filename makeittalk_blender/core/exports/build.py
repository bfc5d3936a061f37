"""Imported performances (Rhubarb cues, ARKit weights) as tracks: channel values put on a rest face."""

from __future__ import annotations

import numpy as np

from .. import channels as ch
from .. import head_pose as hp
from ..mesh_layout import landmark_depth
from ..template_face import template_landmarks
from ..trackformat import Track, n_frames_for


class ExportError(ValueError):
    """An export or import that cannot be done; the message says why in plain words."""


def track_from_channels(values: dict, fps: float, duration_s: float, rest=None, width: int = 512,
                        height: int = 512, phones=None, head: dict | None = None, engine: str = "imported",
                        params: dict | None = None) -> Track:
    """values: {channel: n floats} at fps; head: {"yaw_deg", "pitch_deg", "roll_deg": n floats}.
    rest: 68 points in pixels of a width x height image (the template face when None)."""
    n = n_frames_for(duration_s, fps)
    values = {k: _fit(np.asarray(v, dtype=np.float64), n) for k, v in values.items()}
    rest = template_landmarks(width, height) if rest is None else np.asarray(rest, dtype=np.float64)
    if rest.shape[-1] == 2:
        rest = np.concatenate([rest, np.zeros((68, 1))], axis=1)
    frames = ch.synthesise(rest, values, n)
    pose = [{"roll_deg": 0.0, "yaw_deg": 0.0, "pitch_deg": 0.0, "tx": 0.0, "ty": 0.0, "scale": 1.0} for _ in range(n)]
    if head:
        pivot = rest[:, :2].mean(axis=0)
        for key, seq in head.items():
            seq = _fit(np.asarray(seq, dtype=np.float64), n)
            for k in range(n):
                pose[k][key] = float(seq[k])
        # turned in depth as the engine and the rig turn a face, so measuring takes the head out exactly
        frames[..., :2] = hp.apply(frames[..., :2], hp.pose_array(pose), landmark_depth(rest), pivot)
    return Track(fps=fps, width=width, height=height, rest=rest, frames=frames, head_pose=pose, engine=engine,
                 params=dict(params or {}), duration_s=duration_s, phones=list(phones or []))


def _fit(v: np.ndarray, n: int) -> np.ndarray:
    if len(v) >= n:
        return v[:n]
    return np.concatenate([v, np.full(n - len(v), v[-1] if len(v) else 0.0)])


def soften(one_hot: np.ndarray) -> np.ndarray:
    """A one-frame crossfade between shapes ([1/4, 1/2, 1/4] along time; rows still sum to 1)."""
    a = np.asarray(one_hot, dtype=np.float64)
    if a.shape[0] < 3:
        return a
    pad = np.concatenate([a[:1], a, a[-1:]])
    return 0.25 * pad[:-2] + 0.5 * pad[1:-1] + 0.25 * pad[2:]
