"""Per-frame semantic channels measured from the landmarks (track v2, exports, Apply to character).

Everything is measured on the expression alone (the head pose taken out, trackformat.remove_pose) as
the motion of points away from the rest face, in units of D = the distance between the two eye
centres of the rest face (so a channel means the same on a small and a large portrait). Image y
points down, so "up" is -y. L / R are the subject's left / right (ARKit's convention): the
subject's left is image right (points 42-47, 22-26, corner 54).

| channel | 0 | 1 (or -1) | measured as |
|---|---|---|---|
| jaw_open | rest | inner-lip gap 0.28 D wider than at rest | 0.7 gap + 0.3 chin (8) drop of 0.3 D |
| mouth_corner_L/R | rest | corner 54 / 48 0.1 D outwards (-1: inwards) | horizontal corner motion |
| lip_upper_raise | rest | upper lip (50-52) 0.08 D up | |
| lip_lower_raise | rest | lower lip (56-58) 0.1 D up relative to the chin | F/V tuck |
| pucker | rest | mouth 25 % narrower | corner-to-corner width |
| funnel | rest | narrow and open (pucker x open) | |
| smile_L/R | rest | corner 54 / 48 0.06 D up | |
| blink_L/R | lids as at rest | lids closed | 1 - lid gap / rest lid gap |
| brow_L/R | rest | brows (22-26 / 17-21) 0.1 D up (-1: down) | |
| head_yaw/pitch/roll | straight | degrees (not normalised) | from head_pose |

Face channels are clipped to [0, 1] (corners and brows to [-1, 1]); names match the shape-key
basis of the scene (blender/face_rig) where they overlap.
"""

from __future__ import annotations

import numpy as np

NAMES = ("jaw_open", "mouth_corner_L", "mouth_corner_R", "lip_upper_raise", "lip_lower_raise", "pucker",
         "funnel", "smile_L", "smile_R", "blink_L", "blink_R", "brow_L", "brow_R",
         "head_yaw", "head_pitch", "head_roll")
SIGNED = frozenset({"mouth_corner_L", "mouth_corner_R", "brow_L", "brow_R"})
HEAD = {"head_yaw": "yaw_deg", "head_pitch": "pitch_deg", "head_roll": "roll_deg"}
_INNER_PAIRS = ((61, 67), (62, 66), (63, 65))
_LIDS_L, _LIDS_R = ((43, 47), (44, 46)), ((37, 41), (38, 40))


def expression(rest: np.ndarray, frames: np.ndarray, head_pose: list) -> np.ndarray:
    """n x 68 x 2: the frames with the head pose taken out (vectorised trackformat.remove_pose)."""
    rest = np.asarray(rest, dtype=np.float64)
    frames = np.asarray(frames, dtype=np.float64)
    pivot = rest[:, :2].mean(axis=0)
    roll = np.radians([p.get("roll_deg", 0.0) for p in head_pose])
    scale = np.array([p.get("scale", 1.0) for p in head_pose])
    shift = np.array([[p.get("tx", 0.0), p.get("ty", 0.0)] for p in head_pose])
    c, s = np.cos(roll) / scale, np.sin(roll) / scale
    q = frames[:, :, :2] - pivot - shift[:, None, :]
    # inverse of scale * R(roll): R(-roll) / scale
    x = c[:, None] * q[..., 0] + s[:, None] * q[..., 1]
    y = -s[:, None] * q[..., 0] + c[:, None] * q[..., 1]
    return np.stack([x, y], axis=-1) + pivot


def eye_unit(rest: np.ndarray) -> float:
    lm = np.asarray(rest, dtype=np.float64)[:, :2]
    d = float(np.linalg.norm(lm[42:48].mean(axis=0) - lm[36:42].mean(axis=0)))
    return d if d > 1e-6 else max(1.0, float(np.ptp(lm[:, 0])) / 2.5)


def lip_gap(points: np.ndarray) -> np.ndarray:
    """Mean vertical gap of the inner lips, pixels (... x 68 x 2 -> ...)."""
    p = np.asarray(points, dtype=np.float64)
    return np.mean([p[..., lo, 1] - p[..., up, 1] for up, lo in _INNER_PAIRS], axis=0)


def _lid_gap(p: np.ndarray, pairs) -> np.ndarray:
    return np.mean([p[..., lo, 1] - p[..., up, 1] for up, lo in pairs], axis=0)


def measure(rest, frames, head_pose) -> dict:
    """{name: n floats} for every name in NAMES."""
    rest = np.asarray(rest, dtype=np.float64)[:, :2]
    e = expression(rest, frames, head_pose)
    d = eye_unit(rest)
    dy = e[..., 1] - rest[:, 1]                          # + = down
    dx = e[..., 0] - rest[:, 0]
    gap = (lip_gap(e) - lip_gap(rest)) / (0.28 * d)
    chin = dy[:, 8] / (0.3 * d)
    out = {"jaw_open": np.clip(0.7 * gap + 0.3 * chin, 0, 1)}
    out["mouth_corner_L"] = np.clip(dx[:, 54] / (0.1 * d), -1, 1)
    out["mouth_corner_R"] = np.clip(-dx[:, 48] / (0.1 * d), -1, 1)
    out["lip_upper_raise"] = np.clip(-dy[:, 50:53].mean(axis=1) / (0.08 * d), 0, 1)
    out["lip_lower_raise"] = np.clip(-(dy[:, 56:59].mean(axis=1) - dy[:, 8]) / (0.1 * d), 0, 1)
    width0 = float(np.linalg.norm(rest[54] - rest[48])) or 1.0
    width = np.linalg.norm(e[:, 54] - e[:, 48], axis=1)
    out["pucker"] = np.clip((1.0 - width / width0) / 0.25, 0, 1)
    out["funnel"] = np.clip(out["pucker"] * np.clip(gap / 0.5, 0, 1), 0, 1)
    out["smile_L"] = np.clip(-dy[:, 54] / (0.06 * d), 0, 1)
    out["smile_R"] = np.clip(-dy[:, 48] / (0.06 * d), 0, 1)
    for name, pairs in (("blink_L", _LIDS_L), ("blink_R", _LIDS_R)):
        g0 = float(_lid_gap(rest, pairs))
        out[name] = np.clip(1.0 - _lid_gap(e, pairs) / g0, 0, 1) if g0 > 0.02 * d else np.zeros(len(e))
    out["brow_L"] = np.clip(-dy[:, 22:27].mean(axis=1) / (0.1 * d), -1, 1)
    out["brow_R"] = np.clip(-dy[:, 17:22].mean(axis=1) / (0.1 * d), -1, 1)
    for name, key in HEAD.items():
        out[name] = np.array([float(p.get(key, 0.0)) for p in head_pose])
    return {n: np.asarray(out[n], dtype=np.float64) for n in NAMES}
