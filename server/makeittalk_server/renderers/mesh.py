"""The warp renderer's mesh: 68 landmarks + a face ring + a static ring + the image border, triangulated once.

Vertex order: 0..67 landmarks (move with the track), then the face ring (moves with the head pose only),
then the static ring and the border (never move). Everything here is in portrait pixel coordinates
(pixel centres at integers, so the image's outer edge is at -0.5 and W-0.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..track import apply_pose, head_pivot

N_LANDMARKS = 68
INNER_LIP = np.arange(60, 68)
OUTER_LIP = np.arange(48, 60)
FACE_RING_POINTS = 16
STATIC_RING_POINTS = 16
# inner-lip point -> outer-lip point facing it (used to open the mouth for triangulation only)
_INNER_TO_OUTER = {61: 50, 62: 51, 63: 52, 65: 56, 66: 57, 67: 58, 60: 48, 64: 54}


@dataclass
class Mesh:
    rest: np.ndarray          # n x 2 vertex positions on the portrait
    tris: np.ndarray          # m x 3 int vertex indices, counter-clockwise in image coordinates
    n_face_ring: int
    n_static: int             # static ring + border
    pivot: np.ndarray         # head-pose pivot (track.head_pivot of the rest landmarks)

    @property
    def n_vertices(self) -> int:
        return int(self.rest.shape[0])

    @property
    def face_ring(self) -> slice:
        return slice(N_LANDMARKS, N_LANDMARKS + self.n_face_ring)

    def deform(self, landmarks_xy: np.ndarray, pose: dict | None) -> np.ndarray:
        """Vertex positions for one frame: landmarks from the track, the face ring carried by the
        head pose, the static ring and border where they were."""
        v = self.rest.copy()
        v[:N_LANDMARKS] = np.asarray(landmarks_xy, dtype=np.float64)[:, :2]
        if pose:
            v[self.face_ring] = apply_pose(self.rest[self.face_ring], pose, self.pivot)
        return v


def _ellipse(center, rx, ry, n, phase=0.0) -> np.ndarray:
    a = phase + 2 * math.pi * np.arange(n) / n
    return np.stack([center[0] + rx * np.cos(a), center[1] + ry * np.sin(a)], axis=1)


def _border(width: int, height: int) -> np.ndarray:
    """Corners and two more points per side, on the image's outer pixel edge."""
    x0, y0, x1, y1 = -0.5, -0.5, width - 0.5, height - 0.5
    pts = []
    for t in (0.0, 1 / 3, 2 / 3):
        pts += [(x0 + t * (x1 - x0), y0), (x1, y0 + t * (y1 - y0)),
                (x1 - t * (x1 - x0), y1), (x0, y1 - t * (y1 - y0))]
    return np.array(pts, dtype=np.float64)


def _opened_mouth(lm: np.ndarray, corner_pull: float, opening: float) -> np.ndarray:
    """A copy of the landmarks with the inner lips moved from the mouth's middle line towards the outer
    lips (by `opening`) and the inner corners pulled inwards (by `corner_pull`), so the Delaunay
    triangulation keeps the inner-lip contour as edges even when the portrait's mouth is closed."""
    out = lm.copy()
    cx, cy = lm[INNER_LIP, 0].mean(), lm[INNER_LIP, 1].mean()
    for inner, outer in _INNER_TO_OUTER.items():
        o = lm[outer]
        if inner in (60, 64):
            out[inner] = [lm[inner, 0] + corner_pull * (cx - lm[inner, 0]), lm[inner, 1]]
        else:
            out[inner] = [lm[inner, 0], cy + opening * (o[1] - cy)]
    return out


# (corner_pull, opening) tried in turn until the triangulation keeps the lip contours and does not
# fold on the true rest positions.
_MOUTH_OPENINGS = ((0.0, 0.5), (0.15, 0.5), (0.0, 0.3), (0.3, 0.6), (0.0, 0.15))


def _orientation(v: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Twice the signed area of each triangle (the sign tells the winding)."""
    p = v[tris]
    return ((p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
            - (p[:, 1, 1] - p[:, 0, 1]) * (p[:, 2, 0] - p[:, 0, 0]))


def _contour_edges() -> list[tuple[int, int]]:
    out = []
    for ring in (INNER_LIP, OUTER_LIP):
        out += [(int(ring[i]), int(ring[(i + 1) % len(ring)])) for i in range(len(ring))]
    return out


def _crosses(p, a, b, c, d) -> bool:
    """Segments a-b and c-d cross at a point inside both."""
    def side(u, v, w):
        return (p[v][0] - p[u][0]) * (p[w][1] - p[u][1]) - (p[v][1] - p[u][1]) * (p[w][0] - p[u][0])
    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _recover_edges(pts: np.ndarray, tris: np.ndarray, edges, max_flips: int = 200) -> np.ndarray:
    """Make each wanted edge part of the triangulation by flipping the edges that cross it (the flip
    step of constrained Delaunay insertion); only convex quads are flipped, so nothing folds."""
    tris = [list(t) for t in tris.tolist()]
    for _ in range(max_flips):
        have = {tuple(sorted((t[i], t[(i + 1) % 3]))) for t in tris for i in range(3)}
        missing = [e for e in edges if tuple(sorted(e)) not in have]
        if not missing:
            break
        flipped = False
        for a, b in missing:
            owners: dict[tuple[int, int], list[int]] = {}
            for k, t in enumerate(tris):
                for i in range(3):
                    owners.setdefault(tuple(sorted((t[i], t[(i + 1) % 3]))), []).append(k)
            for (c, d), ks in owners.items():
                if len(ks) != 2 or a in (c, d) or b in (c, d) or not _crosses(pts, a, b, c, d):
                    continue
                e = next(v for v in tris[ks[0]] if v not in (c, d))
                f = next(v for v in tris[ks[1]] if v not in (c, d))
                if not _crosses(pts, c, d, e, f):      # quad c-e-d-f not convex: try another edge
                    continue
                tris[ks[0]], tris[ks[1]] = [e, f, c], [f, e, d]
                flipped = True
                break
            if flipped:
                break
        if not flipped:
            break
    out = np.array(tris, dtype=np.int32)
    neg = _orientation(pts, out) < 0
    out[neg] = out[neg][:, [0, 2, 1]]
    return out


def _has_contours(tris: np.ndarray) -> bool:
    have = {tuple(sorted((t[i], t[(i + 1) % 3]))) for t in tris.tolist() for i in range(3)}
    return all(tuple(sorted(e)) in have for e in _contour_edges())


def build(rest_landmarks: np.ndarray, width: int, height: int) -> Mesh:
    """Triangulate the rest face for a portrait of width x height pixels."""
    from scipy.spatial import Delaunay

    lm = np.asarray(rest_landmarks, dtype=np.float64)[:, :2]
    lo, hi = lm.min(axis=0), lm.max(axis=0)
    half = np.maximum((hi - lo) / 2, 4.0)
    centre = (lo + hi) / 2
    # The ring sits beyond the forehead and chin; the ellipse is centred a little above the landmarks'
    # box because the landmarks stop at the brows.
    ring_c = centre - [0.0, 0.15 * half[1]]
    face_ring = _ellipse(ring_c, 1.3 * half[0], 1.5 * half[1], FACE_RING_POINTS)
    static = _ellipse(ring_c, 1.9 * half[0], 2.1 * half[1], STATIC_RING_POINTS, phase=math.pi / STATIC_RING_POINTS)
    border = _border(width, height)
    # Static-ring points outside the image (or hugging its edge) only crowd the border: drop them.
    margin = 0.04 * min(width, height)
    inside = ((static[:, 0] > margin) & (static[:, 0] < width - 1 - margin)
              & (static[:, 1] > margin) & (static[:, 1] < height - 1 - margin))
    static = static[inside]
    fixed = np.concatenate([static, border])
    # A ring point closer than 2 px to a fixed point would make a sliver: nudge by dropping fixed ones.
    d = np.linalg.norm(fixed[:, None] - face_ring[None], axis=2).min(axis=1)
    fixed = fixed[d > 2.0]

    rest = np.concatenate([lm, face_ring, fixed])
    # A sliver inside the closed mouth may flip on the true positions (dlib's inner lips often cross
    # by a pixel); the cavity covers it. Anything bigger must not flip.
    mouth_w = float(np.linalg.norm(lm[54] - lm[48])) or 1.0
    tol = 0.01 * mouth_w ** 2
    tris = None
    for corner_pull, opening in _MOUTH_OPENINGS:
        topo = rest.copy()
        topo[:N_LANDMARKS] = _opened_mouth(lm, corner_pull, opening)
        cand = _recover_edges(topo, _delaunay(Delaunay, topo), _contour_edges())
        # On the true rest positions a mouth triangle may collapse (closed mouth) but must not flip.
        if _has_contours(cand) and not np.any(_orientation(rest, cand) < -tol):
            tris = cand
            break
    if tris is None:  # unusual landmarks: plain Delaunay of the true positions
        tris = _delaunay(Delaunay, rest)
    return Mesh(rest=rest, tris=tris, n_face_ring=len(face_ring), n_static=len(fixed),
                pivot=head_pivot(np.concatenate([lm, np.zeros((N_LANDMARKS, 1))], axis=1)))


def _delaunay(Delaunay, pts: np.ndarray) -> np.ndarray:
    # Coincident points would be dropped by qhull: separate them by a hair so every vertex is used.
    pts = pts.copy()
    _, first = np.unique(np.round(pts, 6), axis=0, return_index=True)
    dup = np.setdiff1d(np.arange(len(pts)), first)
    pts[dup] += 1e-3 * (1 + np.arange(len(dup)))[:, None]
    tris = Delaunay(pts).simplices.astype(np.int32)
    # counter-clockwise in image coordinates (y down) = positive orientation as computed here
    flip = _orientation(pts, tris) < 0
    tris[flip] = tris[flip][:, [0, 2, 1]]
    return tris
