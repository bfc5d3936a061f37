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
| upper_lip_raise | rest | upper lip (50-52) 0.08 D up | |
| lower_lip_raise | rest | lower lip (56-58) 0.08 D up relative to the chin | F/V tuck |
| pucker | rest | lips 25 % narrower | width at 49-53 and 59-55 |
| funnel | rest | narrow and open (pucker x open) | |
| smile_L/R | rest | corner 54 / 48 0.06 D up | |
| blink_L/R | lids as at rest | lids closed | 1 - lid gap / rest lid gap |
| brow_L/R | rest | brows (22-26 / 17-21) 0.1 D up (-1: down) | |
| head_yaw/pitch/roll | straight | degrees (not normalised) | from head_pose |

Face channels are clipped to [0, 1] (corners and brows to [-1, 1]). Names and units match the scene's
shape basis (core/face_rig.py) where they overlap: jaw_open, upper_lip_raise, lower_lip_raise, pucker,
blink_L/R, brow_L/R; its lip_corner_L.width is mouth_corner_L here, and lip_corner_L.height (0.1 D up)
is smile_L x 0.6.
"""

from __future__ import annotations

import numpy as np

from . import head_pose as hp
from .mesh_layout import landmark_depth

NAMES = ("jaw_open", "mouth_corner_L", "mouth_corner_R", "upper_lip_raise", "lower_lip_raise", "pucker",
         "funnel", "smile_L", "smile_R", "blink_L", "blink_R", "brow_L", "brow_R",
         "head_yaw", "head_pitch", "head_roll")
SIGNED = frozenset({"mouth_corner_L", "mouth_corner_R", "brow_L", "brow_R"})
HEAD = {"head_yaw": "yaw_deg", "head_pitch": "pitch_deg", "head_roll": "roll_deg"}
# The channels landmarks can drive one at a time (funnel is pucker x open; head channels are pose).
LINEAR = ("jaw_open", "mouth_corner_L", "mouth_corner_R", "upper_lip_raise", "lower_lip_raise", "pucker",
          "smile_L", "smile_R", "blink_L", "blink_R", "brow_L", "brow_R")
_INNER_PAIRS = ((61, 67), (62, 66), (63, 65))
_LIDS_L, _LIDS_R = ((43, 47), (44, 46)), ((37, 41), (38, 40))


def expression(rest: np.ndarray, frames: np.ndarray, head_pose: list) -> np.ndarray:
    """n x 68 x 2: the frames with the head pose taken out, its turn in depth (yaw, pitch) included at
    the landmarks' depth (head_pose.remove; without yaw and pitch it is trackformat.remove_pose)."""
    rest = np.asarray(rest, dtype=np.float64)
    frames = np.asarray(frames, dtype=np.float64)
    pivot = rest[:, :2].mean(axis=0)
    return hp.remove(frames[:, :, :2], hp.pose_array(head_pose), landmark_depth(rest), pivot)


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
    out = raw(rest, expression(rest, frames, head_pose))
    for name in LINEAR:
        out[name] = np.clip(out[name], -1 if name in SIGNED else 0, 1)
    out["funnel"] = np.clip(out["pucker"] * np.clip(out.pop("_gap") / 0.5, 0, 1), 0, 1)
    for name, key in HEAD.items():
        out[name] = np.array([float(p.get(key, 0.0)) for p in head_pose])
    return {n: np.asarray(out[n], dtype=np.float64) for n in NAMES}


def raw(rest: np.ndarray, e: np.ndarray) -> dict:
    """The LINEAR channels before clipping (linear in the landmark motion), and the lip gap '_gap',
    for expression points e (n x 68 x 2) on the rest face."""
    d = eye_unit(rest)
    dy = e[..., 1] - rest[:, 1]                          # + = down
    dx = e[..., 0] - rest[:, 0]
    gap = (lip_gap(e) - lip_gap(rest)) / (0.28 * d)
    # pucker: the lips between the corners gather (the corners alone are mouth_corner_*)
    mid0 = float(rest[[53, 55], 0].sum() - rest[[49, 59], 0].sum()) or 1.0
    out = {"_gap": gap, "jaw_open": 0.7 * gap + 0.3 * dy[:, 8] / (0.3 * d),
           "mouth_corner_L": dx[:, 54] / (0.1 * d), "mouth_corner_R": -dx[:, 48] / (0.1 * d),
           "upper_lip_raise": -dy[:, 50:53].mean(axis=1) / (0.08 * d),
           "lower_lip_raise": -(dy[:, 56:59].mean(axis=1) - dy[:, 8]) / (0.08 * d),
           "pucker": (1.0 - (e[:, [53, 55], 0].sum(axis=1) - e[:, [49, 59], 0].sum(axis=1)) / mid0) / 0.25,
           "smile_L": -dy[:, 54] / (0.06 * d), "smile_R": -dy[:, 48] / (0.06 * d),
           "brow_L": -dy[:, 22:27].mean(axis=1) / (0.1 * d), "brow_R": -dy[:, 17:22].mean(axis=1) / (0.1 * d)}
    for name, pairs in (("blink_L", _LIDS_L), ("blink_R", _LIDS_R)):
        g0 = float(_lid_gap(rest, pairs))
        out[name] = 1.0 - _lid_gap(e, pairs) / g0 if g0 > 0.02 * d else np.zeros(len(e))
    return out


# ---- the other way: channel values -> landmarks (imports, glTF morph targets) ----------------------
def basis(rest) -> dict:
    """{channel: 68 x 2 pixel offsets} for each LINEAR channel at 1, shaped like the motion it names."""
    lm = np.asarray(rest, dtype=np.float64)[:, :2]
    d = eye_unit(lm)
    b = {n: np.zeros((68, 2)) for n in LINEAR}
    for i in range(3, 14):                              # jaw: chin drops most at its middle
        b["jaw_open"][i, 1] = 0.3 * d * max(0.0, 1.0 - abs(i - 8) / 5.5)
    b["jaw_open"][[55, 56, 57, 58, 59], 1] = 0.3 * d
    b["jaw_open"][[65, 66, 67], 1] = 0.28 * d
    b["jaw_open"][[48, 54, 60, 64], 1] = 0.12 * d
    for name, side, pts in (("mouth_corner_L", 1, (54, 64)), ("mouth_corner_R", -1, (48, 60))):
        b[name][list(pts), 0] = side * 0.1 * d
    b["upper_lip_raise"][[49, 50, 51, 52, 53, 61, 62, 63], 1] = -0.08 * d
    b["lower_lip_raise"][[55, 56, 57, 58, 59, 65, 66, 67], 1] = -0.08 * d
    centre = lm[[48, 54]].mean(axis=0)
    for i in range(48, 68):                            # pucker: the lips gather towards the centre
        b["pucker"][i, 0] = (centre[0] - lm[i, 0]) * 0.25
    for name, pts in (("smile_L", (54, 64, 53, 55)), ("smile_R", (48, 60, 49, 59))):
        b[name][list(pts[:2]), 1] = -0.06 * d
        b[name][list(pts[2:]), 1] = -0.03 * d
    for name, pairs in (("blink_L", _LIDS_L), ("blink_R", _LIDS_R)):
        for up, lo in pairs:
            gap = lm[lo, 1] - lm[up, 1]
            b[name][up, 1], b[name][lo, 1] = 0.85 * gap, -0.15 * gap
    b["brow_L"][22:27, 1] = -0.1 * d
    b["brow_R"][17:22, 1] = -0.1 * d
    return b


def coefficients(rest, values: dict, n: int) -> np.ndarray:
    """n x len(LINEAR): how much of each basis() shape gives `values` ({channel: n floats}; missing
    channels are 0; funnel adds to pucker and opening). The basis shapes overlap (opening the jaw
    lowers the corners), so this solves the small linear system measure(basis) instead of using the
    values as they are."""
    lm = np.asarray(rest, dtype=np.float64)[:, :2]
    b = basis(lm)
    driven = [raw(lm, (lm + b[drv])[None]) for drv in LINEAR]
    mat = np.array([[r[m][0] for r in driven] for m in LINEAR])             # measured x driven
    want = np.stack([np.asarray(values.get(name, np.zeros(n)), dtype=np.float64) for name in LINEAR], axis=1)
    funnel = np.asarray(values.get("funnel", np.zeros(n)), dtype=np.float64)
    if funnel.any():
        want[:, LINEAR.index("pucker")] = np.maximum(want[:, LINEAR.index("pucker")], funnel)
        want[:, 0] = np.maximum(want[:, 0], 0.5 * funnel)
    return np.linalg.solve(mat, want.T).T


def synthesise(rest, values: dict, n: int) -> np.ndarray:
    """n x 68 x 3 pixel frames on the rest face that measure() reads back as `values`."""
    lm = np.asarray(rest, dtype=np.float64)[:, :2]
    b = basis(lm)
    offsets = np.tensordot(coefficients(lm, values, n), np.stack([b[name] for name in LINEAR]), axes=1)
    out = np.zeros((n, 68, 3))
    out[..., :2] = lm + offsets
    return out
