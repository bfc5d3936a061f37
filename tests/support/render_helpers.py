"""Shared inputs for the renderer tests: the Mona Lisa portrait, its dlib rest face, tracks built from it."""

from __future__ import annotations
from support.paths import ROOT, DATA

import json
import math

import numpy as np

from makeittalk_server import image
from makeittalk_server.track import Track, apply_pose, head_pivot

PORTRAIT = ROOT / "examples" / "monalisa.jpg"
SPEECH = ROOT / "examples" / "speech.wav"
REST = DATA / "render_monalisa_rest.json"
IDENTITY_POSE = {"roll_deg": 0.0, "yaw_deg": 0.0, "pitch_deg": 0.0, "tx": 0.0, "ty": 0.0, "scale": 1.0}


def portrait() -> np.ndarray:
    return image.decode(str(PORTRAIT))


def rest() -> np.ndarray:
    d = json.loads(REST.read_text())
    return np.asarray(d["landmarks"], dtype=np.float64)


def smooth_image(h: int = 256, w: int = 256) -> np.ndarray:
    """A smooth colourful image: bilinear sampling of it is almost exact, so colours predict positions."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / 23.0)
    g = 128 + 100 * np.cos(y / 19.0)
    b = 128 + 60 * np.sin((x + y) / 31.0)
    return np.clip(np.stack([r, g, b], axis=2), 0, 255).round().astype(np.uint8)


def open_mouth(rest_xy: np.ndarray, amount: float) -> np.ndarray:
    """68x2 landmarks with the lower lip and jaw lowered by `amount` pixels."""
    f = rest_xy.copy()
    f[[56, 57, 58, 65, 66, 67], 1] += amount
    f[[55, 59], 1] += 0.7 * amount
    f[6:11, 1] += 0.6 * amount
    return f


def track_of(frames_xy, rest_xy=None, poses=None, fps: float = 25.0, width: int = 256, height: int = 256) -> Track:
    rest_xy = rest() if rest_xy is None else rest_xy
    frames = np.asarray(frames_xy, dtype=np.float64)
    if frames.shape[-1] == 2:
        frames = np.concatenate([frames, np.zeros(frames.shape[:-1] + (1,))], axis=-1)
    poses = poses or [dict(IDENTITY_POSE) for _ in range(len(frames))]
    return Track(fps=fps, width=width, height=height, engine="test", rest=rest_xy, frames=frames,
                 head_pose=poses)


def talking_track(n: int = 12, fps: float = 25.0, head: bool = True) -> Track:
    """Mouth opening and closing, with (optionally) a head that turns and shifts."""
    r = rest()
    pivot = head_pivot(r)
    frames, poses = [], []
    for k in range(n):
        t = k / fps
        f = open_mouth(r, 12.0 * max(0.0, math.sin(2 * math.pi * 1.5 * t)))
        p = dict(IDENTITY_POSE)
        if head:
            p.update(roll_deg=3.0 * math.sin(2.0 * t), tx=4.0 * math.sin(1.3 * t), ty=-2.0 * math.sin(t),
                     scale=1.0 + 0.02 * math.sin(t))
        frames.append(apply_pose(np.c_[f, np.zeros(68)], p, pivot)[:, :2])
        poses.append(p)
    return track_of(frames, r, poses, fps=fps)
