"""The teeth of the shared mesh: two strips behind the lips, seen only through the mouth opening.

The upper strip hangs from the head (its top row follow 0; its biting edge takes about a third of the lower
lip's drop, so a closed mouth hides it); the lower one follows the jaw (mostly the lower lip's middle,
some of the chin). Each strip is a row of quads around the rest inner-lip line, reaching under
the lips so no edge shows. Blender hides what lies under the lips by depth (mesh_layout recesses the
inner lips; the strips sit just in front of the mouth's own faces); the warp draws the strips clipped to
the mouth triangles. Pure numpy.
"""

from __future__ import annotations

import numpy as np

UPPER, LOWER = 4, 5                                  # triangle kinds (after mesh_layout's four)
_UPPER_COLS = (0.08, 0.29, 0.5, 0.71, 0.92)          # across the inner mouth, corner to corner
_LOWER_COLS = (0.16, 0.33, 0.5, 0.67, 0.84)
# (kind, columns, (top, bottom) offsets from the inner-lip line in mouth widths, (top, bottom) follow,
#  v top, v bottom). At rest both biting edges sit a little behind the lips (above / below the line), so
# a closed mouth shows no teeth between its lips; the upper strip's top row moves with the head only,
# its biting edge takes about a third of the lower lip's drop (more read as a grey band of teeth filling a wide
# open mouth), the lower strip follows the jaw.
_JAW = {66: 0.68, 8: 0.2}
_STRIPS = ((UPPER, _UPPER_COLS, (-0.16, -0.03), ({}, {66: 0.36}), 1.0, 0.53),
           (LOWER, _LOWER_COLS, (0.03, 0.2), (_JAW, _JAW), 0.47, 0.0))


def _midline(lm: np.ndarray, u: float) -> tuple[float, float]:
    """(x, y) on the inner lips' middle line at fraction u from the left to the right inner corner."""
    xs = np.array([lm[60, 0], *(0.5 * (lm[[61, 62, 63], 0] + lm[[67, 66, 65], 0])), lm[64, 0]])
    ys = np.array([lm[60, 1], *(0.5 * (lm[[61, 62, 63], 1] + lm[[67, 66, 65], 1])), lm[64, 1]])
    x = xs[0] + u * (xs[-1] - xs[0])
    if np.all(np.diff(xs) > 0):
        return float(x), float(np.interp(x, xs, ys))
    return float(x), float(ys[0] + u * (ys[-1] - ys[0]))


def build(lm: np.ndarray, start: int):
    """(points k x 2, follow k x 68, uv k x 2, tris j x 3 with vertex numbers from `start`, kinds j)."""
    mw = max(float(np.linalg.norm(lm[54] - lm[48])), 1.0)
    pts, fol, uv, tris, kinds = [], [], [], [], []
    for kind, cols, (top, bottom), (f_top, f_bottom), v_top, v_bottom in _STRIPS:
        base = start + len(pts)
        for c in cols:
            x, y = _midline(lm, c)
            u = (c - cols[0]) / (cols[-1] - cols[0])
            for dy, v, follow in ((top, v_top, f_top), (bottom, v_bottom, f_bottom)):
                w = np.zeros(68)
                for i, x_ in follow.items():
                    w[i] = x_
                pts.append((x, y + dy * mw))
                fol.append(w)
                uv.append((u, v))
        for k in range(len(cols) - 1):
            a = base + 2 * k
            tris += [(a, a + 1, a + 2), (a + 2, a + 1, a + 3)]
            kinds += [kind, kind]
    return np.array(pts), np.array(fol), np.array(uv), np.array(tris), np.array(kinds)
