"""Semantic face channels: named shapes an animator turns with one slider, fitted to a track.

Each channel is a 68 x 2 pixel displacement at value 1, sized by the distance between the eyes of the
rest face. A track's expression (head pose removed) is projected onto the channels by ridge least
squares; what the channels cannot say is the per-landmark residual. rest + channels + residual is the
track exactly, so with nothing edited the mesh lands on the track; turning a channel down changes what
its name says. "R" is the subject's right (image left), as in the 68-point layout.
"""

from __future__ import annotations

import numpy as np

CHANNELS = ("jaw_open", "lip_corner_R.width", "lip_corner_R.height", "lip_corner_L.width",
            "lip_corner_L.height", "upper_lip_raise", "lower_lip_raise", "pucker", "smile",
            "blink_R", "blink_L", "brow_R", "brow_L")
RIDGE = 1e-3          # relative to the mean channel energy: keeps near-collinear channels stable

_CORNERS = {"R": (48, 60), "L": (54, 64)}
_CORNER_NEXT = {"R": (49, 59, 61, 67), "L": (53, 55, 63, 65)}


def eye_distance(rest: np.ndarray) -> float:
    lm = np.asarray(rest, dtype=np.float64)[:, :2]
    return float(np.linalg.norm(lm[42:48].mean(axis=0) - lm[36:42].mean(axis=0))) or 1.0


def _lids(lm, pairs, out):
    for up, low in pairs:
        gap = max(lm[low, 1] - lm[up, 1], 1.0)
        out[up, 1] = 0.85 * gap           # upper lid comes down to the lower one
        out[low, 1] = -0.15 * gap         # lower lid rises a little


def channel_basis(rest: np.ndarray) -> dict:
    """{channel: 68 x 2 pixel offsets at value 1}."""
    lm = np.asarray(rest, dtype=np.float64)[:, :2]
    d = eye_distance(rest)
    b = {name: np.zeros((68, 2)) for name in CHANNELS}
    for i in range(3, 14):                                   # chin and lower lip drop
        b["jaw_open"][i, 1] = 0.3 * d * max(0.0, 1.0 - abs(i - 8) / 5.5)
    b["jaw_open"][[55, 56, 57, 58, 59, 65, 66, 67], 1] = 0.28 * d
    b["jaw_open"][[48, 54, 60, 64], 1] = 0.12 * d
    for side, sign in (("R", -1.0), ("L", 1.0)):            # width: outwards; height: up
        for i in _CORNERS[side]:
            b[f"lip_corner_{side}.width"][i, 0] = sign * 0.1 * d
            b[f"lip_corner_{side}.height"][i, 1] = -0.1 * d
        for i in _CORNER_NEXT[side]:
            b[f"lip_corner_{side}.width"][i, 0] = sign * 0.04 * d
            b[f"lip_corner_{side}.height"][i, 1] = -0.04 * d
    b["upper_lip_raise"][[49, 50, 51, 52, 53, 61, 62, 63], 1] = -0.08 * d
    b["lower_lip_raise"][[55, 56, 57, 58, 59, 65, 66, 67], 1] = -0.08 * d
    centre = lm[48:68].mean(axis=0)
    for i in range(48, 68):                                 # lips gather towards the middle
        v = centre - lm[i]
        b["pucker"][i] = 0.25 * v * np.array([1.0, 0.4])
    for i, sign, w in ((48, -1, 1.0), (60, -1, 1.0), (54, 1, 1.0), (64, 1, 1.0),
                       (49, -1, 0.5), (59, -1, 0.5), (53, 1, 0.5), (55, 1, 0.5)):
        b["smile"][i] = (sign * 0.12 * d * w, -0.08 * d * w)
    b["smile"][[1, 2, 3], 0] -= 0.02 * d                     # cheeks widen a little
    b["smile"][[13, 14, 15], 0] += 0.02 * d
    _lids(lm, ((37, 41), (38, 40)), b["blink_R"])
    _lids(lm, ((43, 47), (44, 46)), b["blink_L"])
    b["brow_R"][17:22, 1] = -0.15 * d
    b["brow_L"][22:27, 1] = -0.15 * d
    return b


def basis_matrix(rest: np.ndarray) -> np.ndarray:
    """k x 136: channel k's offsets flattened (x0, y0, x1, y1, ...)."""
    b = channel_basis(rest)
    return np.stack([b[name].ravel() for name in CHANNELS])


def project(expr: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Channel values (n x k) that best explain expression offsets (n x 68 x 2) in pixels."""
    e = np.asarray(expr, dtype=np.float64).reshape(len(expr), -1)
    gram = basis @ basis.T
    lam = RIDGE * float(np.trace(gram)) / len(gram)
    return np.linalg.solve(gram + lam * np.eye(len(gram)), basis @ e.T).T


def residual(expr: np.ndarray, values: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """What the channels leave: expr - values @ basis, n x 68 x 2."""
    return np.asarray(expr, dtype=np.float64) - (values @ basis).reshape(len(values), 68, 2)


def pixels_per_unit(basis: np.ndarray) -> np.ndarray:
    """How far (pixels) the most moved landmark goes per unit of each channel: turns a pixel tolerance
    into a channel-value tolerance."""
    return np.linalg.norm(basis.reshape(len(basis), 68, 2), axis=2).max(axis=1)


_MOUTH_REGION = frozenset(range(2, 15)) | frozenset(range(48, 68))      # jaw line and lips
_REGIONS = {"blink_R": frozenset(range(36, 42)), "blink_L": frozenset(range(42, 48)),
            "brow_R": frozenset(range(17, 22)), "brow_L": frozenset(range(22, 27))}


def channel_regions() -> list:
    """For each channel (CHANNELS order), the landmarks its fitted detail may move: the lid's eye for a
    blink, the brow for a brow, the lips and jaw line for the mouth channels."""
    return [_REGIONS.get(name, _MOUTH_REGION) for name in CHANNELS]
