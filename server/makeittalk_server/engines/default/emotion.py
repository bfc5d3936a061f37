"""Emotion presets as landmark offsets, in eye-distance units, scaled by intensity 0..1.

Each preset moves a few muscle groups the way the expression is usually drawn: mouth corners, brows,
eyelids. Offsets are (dx, dy) where +x is towards image right and +y down; points on the subject's left
side (image right) mirror x automatically.
"""

from __future__ import annotations

import numpy as np

from .mouth import eye_distance

RIGHT_BROW, LEFT_BROW = list(range(17, 22)), list(range(22, 27))
INNER_BROW, OUTER_BROW = [20, 21, 22, 23], [17, 18, 25, 26]
UPPER_LIDS, LOWER_LIDS = [37, 38, 43, 44], [40, 41, 46, 47]
CORNERS = [48, 54, 60, 64]
# point group -> (dx outward, dy) per unit intensity
PRESETS: dict[str, list[tuple[list[int], float, float]]] = {
    "neutral": [],
    "happy": [(CORNERS, 0.05, -0.07), ([49, 53, 59, 55], 0.03, -0.03), (LOWER_LIDS, 0.0, -0.025),
              (RIGHT_BROW + LEFT_BROW, 0.0, -0.02)],
    "sad": [(CORNERS, -0.01, 0.06), (INNER_BROW, -0.01, -0.07), (OUTER_BROW, 0.0, 0.03),
            (UPPER_LIDS, 0.0, 0.03), ([57, 58, 56], 0.0, -0.02)],
    "surprised": [(RIGHT_BROW + LEFT_BROW, 0.0, -0.12), (UPPER_LIDS, 0.0, -0.04), (LOWER_LIDS, 0.0, 0.01),
                  (CORNERS, -0.02, 0.0)],
    "angry": [(INNER_BROW, -0.05, 0.07), (OUTER_BROW, 0.0, -0.02), (UPPER_LIDS, 0.0, 0.02),
              (LOWER_LIDS, 0.0, -0.02), (CORNERS, -0.02, 0.02), ([50, 51, 52], 0.0, 0.015)],
}


def offsets(rest: np.ndarray, name: str, intensity: float) -> np.ndarray:
    """68 x 3 constant offset for the emotion at the given intensity (0 -> all zeros)."""
    off = np.zeros((68, 3))
    if name not in PRESETS:
        raise ValueError(f"unknown emotion {name!r}")
    d = eye_distance(rest) * float(np.clip(intensity, 0.0, 1.0))
    cx = 0.5 * (rest[36, 0] + rest[45, 0])
    for pts, dx, dy in PRESETS[name]:
        for i in pts:
            side = 1.0 if rest[i, 0] >= cx else -1.0
            off[i, 0] += side * dx * d
            off[i, 1] += dy * d
    return off
