"""Mouth-parameter curves -> landmark offsets (n x 68 x 3), scaled to the portrait's own face.

All sizes are fractions of the outer-eye-corner distance (36-45), so a child's face, a painting and a
cartoon all move in proportion. The lips first close from whatever gap the portrait has, then open by
the curve's amount, so "closed" really means the inner lips meet.
"""

from __future__ import annotations

import numpy as np

UPPER_INNER = [61, 62, 63]
LOWER_INNER = [65, 66, 67]
UPPER_OUTER = [49, 50, 51, 52, 53]
LOWER_OUTER = [55, 56, 57, 58, 59]
CORNERS = [48, 54, 60, 64]
INNER_PAIRS = [(61, 67), (62, 66), (63, 65)]
MOUTH = list(range(48, 68))
# share of the full gap each inner point opens by: corners stay put, the centre opens most
GAP_PROFILE = {61: 0.85, 62: 1.0, 63: 0.85, 65: 0.85, 66: 1.0, 67: 0.85}
OUTER_FOLLOW = {49: 0.55, 50: 0.9, 51: 1.0, 52: 0.9, 53: 0.55, 55: 0.55, 56: 0.9, 57: 1.0, 58: 0.9, 59: 0.55}
# jaw contour points and how much they follow the chin
JAW_FOLLOW = {3: 0.08, 4: 0.22, 5: 0.45, 6: 0.7, 7: 0.9, 8: 1.0, 9: 0.9, 10: 0.7, 11: 0.45, 12: 0.22, 13: 0.08}

MAX_GAP = 0.30        # widest inner-lip gap (aa) at amp 1x, in eye-distances
MAX_JAW = 0.26        # chin drop at jaw 1
UPPER_SHARE = 0.22    # the upper lip takes this share of the opening, the jaw-borne lower lip the rest
SPREAD_WIDEN = 0.10   # mouth width change at spread +1 (fraction of the mouth width)
ROUND_NARROW = 0.22   # ... at spread -1
PROTRUDE = 0.10       # lips forward (z) at spread -1
TUCK_UP = 0.5         # lower outer lip rolls up by this share of the lower lip's thickness


def eye_distance(rest: np.ndarray) -> float:
    d = float(np.linalg.norm(rest[45, :2] - rest[36, :2]))
    if d < 1e-6:  # degenerate hand-placed points: fall back on the face's width
        d = float(np.ptp(rest[:, 0])) * 0.6 or 1.0
    return d


def inner_gap(points: np.ndarray) -> np.ndarray:
    """Inner-lip gap (mean 65-67 minus mean 61-63 along y) for one face or n faces."""
    p = np.asarray(points)
    return p[..., LOWER_INNER, 1].mean(axis=-1) - p[..., UPPER_INNER, 1].mean(axis=-1)


def offsets(rest: np.ndarray, curves: np.ndarray, amp_x: float = 1.0, amp_y: float = 1.0) -> np.ndarray:
    """curves n x 4 (open, jaw, spread, tuck) -> offsets n x 68 x 3 to add to the rest face."""
    n = curves.shape[0]
    d = eye_distance(rest)
    open_, jaw, spread, tuck = (curves[:, i] for i in range(4))
    off = np.zeros((n, 68, 3))

    # 1. close the portrait's own gap (a painted open mouth still closes on p/b/m)
    for up, low in INNER_PAIRS:   # each facing pair meets halfway
        g0 = max(0.0, float(rest[low, 1] - rest[up, 1]))
        off[:, up, 1] += 0.5 * g0
        off[:, low, 1] -= 0.5 * g0

    # 2. open: lower lip rides the jaw, upper lip lifts a little
    gap = open_ * MAX_GAP * d * amp_y
    for i in UPPER_INNER:
        off[:, i, 1] -= UPPER_SHARE * gap * GAP_PROFILE[i]
    for i in LOWER_INNER:
        off[:, i, 1] += (1 - UPPER_SHARE) * gap * GAP_PROFILE[i]
    up, low = off[:, 62, 1].copy(), off[:, 66, 1].copy()
    for i, f in OUTER_FOLLOW.items():
        src = up if i < 55 else low
        off[:, i, 1] += f * src
    chin = np.maximum(jaw * MAX_JAW * d * amp_y, (1 - UPPER_SHARE) * gap * 1.05)
    for i, f in JAW_FOLLOW.items():
        off[:, i, 1] += f * chin
    for i in CORNERS:  # corners drop with the jaw, less than the lip centre
        off[:, i, 1] += 0.3 * (1 - UPPER_SHARE) * gap

    # 3. spread / round: scale the mouth's width about its centre; rounding also pushes lips forward
    cx = 0.5 * (rest[48, 0] + rest[54, 0])
    k = np.where(spread >= 0, SPREAD_WIDEN * spread, ROUND_NARROW * spread) * amp_x
    for i in MOUTH:
        off[:, i, 0] += (rest[i, 0] - cx) * k
    pucker = np.clip(-spread, 0, None) * amp_x
    off[:, MOUTH, 2] += (PROTRUDE * d * pucker)[:, None]
    for i in UPPER_OUTER:   # a rounded mouth looks fuller: outer lips bulge away from the centre line
        off[:, i, 1] -= 0.025 * d * pucker
    for i in LOWER_OUTER:
        off[:, i, 1] += 0.025 * d * pucker

    # 4. f/v: lower lip rolls up and back under the upper teeth
    lip_thick = max(0.05 * d, float(rest[LOWER_OUTER, 1].mean() - rest[LOWER_INNER, 1].mean()))
    for i in LOWER_OUTER:
        off[:, i, 1] -= TUCK_UP * lip_thick * tuck * OUTER_FOLLOW[i]
        off[:, i, 2] -= 0.05 * d * tuck
    for i in UPPER_OUTER:
        off[:, i, 1] -= 0.02 * d * tuck
    return off
