"""The face layout of the 68-point landmarks: regions, shape-key names, semantic key offsets.

Pure (numpy + stdlib): used inside Blender's Python and by the server alike.
"""

from __future__ import annotations

import numpy as np

# Facial regions of the 68-point layout; "Right" is the subject's right (image left).
REGIONS = (
    ("Jaw", range(0, 17)),
    ("Brow R", range(17, 22)),
    ("Brow L", range(22, 27)),
    ("Nose", range(27, 36)),
    ("Eye R", range(36, 42)),
    ("Eye L", range(42, 48)),
    ("Lips outer", range(48, 60)),
    ("Lips inner", range(60, 68)),
)
INNER_LIPS = tuple(range(60, 68))
SEMANTIC_KEYS = ("blink", "jaw_open", "smile", "brow_raise")


def region_of(i: int) -> str:
    for name, idx in REGIONS:
        if i in idx:
            return name
    raise IndexError(i)


def landmark_key_name(i: int, axis: str) -> str:
    """Shape key of landmark i along 'x' or 'y' (image axes)."""
    return f"lm{i:02d}.{axis}"


def semantic_offsets(rest: np.ndarray) -> dict:
    """Pixel offsets (68 x 2) of each semantic key at value 1, sized by the distance between the eyes."""
    lm = np.asarray(rest, dtype=np.float64)[:, :2]
    eye_r, eye_l = lm[36:42].mean(axis=0), lm[42:48].mean(axis=0)
    d = float(np.linalg.norm(eye_l - eye_r)) or 1.0
    out = {name: np.zeros((68, 2)) for name in SEMANTIC_KEYS}
    # blink: upper lids go down to the lower ones, lower lids come up a little
    for up, low in ((37, 41), (38, 40), (43, 47), (44, 46)):
        gap = lm[low, 1] - lm[up, 1]
        out["blink"][up, 1] = 0.85 * gap
        out["blink"][low, 1] = -0.15 * gap
    # jaw open: chin and lower lips drop, most at the chin's middle
    for i in range(3, 14):
        out["jaw_open"][i, 1] = 0.3 * d * max(0.0, 1.0 - abs(i - 8) / 5.5)
    for i in (55, 56, 57, 58, 59, 65, 66, 67):
        out["jaw_open"][i, 1] = 0.28 * d
    for i in (48, 54, 60, 64):
        out["jaw_open"][i, 1] = 0.12 * d
    # smile: mouth corners out and up, their neighbours half as much
    for i, side, w in ((48, -1, 1.0), (60, -1, 1.0), (54, 1, 1.0), (64, 1, 1.0),
                       (49, -1, 0.5), (59, -1, 0.5), (53, 1, 0.5), (55, 1, 0.5)):
        out["smile"][i] = (side * 0.12 * d * w, -0.08 * d * w)
    # brow raise
    out["brow_raise"][17:27, 1] = -0.15 * d
    return out
