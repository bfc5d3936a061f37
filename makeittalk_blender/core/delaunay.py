"""A small pure-numpy Delaunay triangulation (Bowyer-Watson) with forced edges (recovered by flips).

Used by mesh_layout for both the Blender scene and the warp renderer, so the two get the very same
triangles (no scipy, no mathutils: this runs inside Blender's bundled Python too).
"""

from __future__ import annotations

import numpy as np


def orientation(v: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Twice the signed area of each triangle in image coordinates (x right, y down)."""
    p = np.asarray(v, dtype=np.float64)[np.asarray(tris)]
    return ((p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
            - (p[:, 1, 1] - p[:, 0, 1]) * (p[:, 2, 0] - p[:, 0, 0]))


def _circles(P: np.ndarray, tris: np.ndarray):
    a, b, c = P[tris[:, 0]], P[tris[:, 1]], P[tris[:, 2]]
    d = 2.0 * (a[:, 0] * (b[:, 1] - c[:, 1]) + b[:, 0] * (c[:, 1] - a[:, 1]) + c[:, 0] * (a[:, 1] - b[:, 1]))
    d = np.where(np.abs(d) < 1e-300, 1e-300, d)
    sa, sb, sc = (a ** 2).sum(1), (b ** 2).sum(1), (c ** 2).sum(1)
    ux = (sa * (b[:, 1] - c[:, 1]) + sb * (c[:, 1] - a[:, 1]) + sc * (a[:, 1] - b[:, 1])) / d
    uy = (sa * (c[:, 0] - b[:, 0]) + sb * (a[:, 0] - c[:, 0]) + sc * (b[:, 0] - a[:, 0])) / d
    centre = np.stack([ux, uy], axis=1)
    return centre, ((a - centre) ** 2).sum(1)


def delaunay(points: np.ndarray) -> np.ndarray:
    """m x 3 triangles of distinct 2-D points (Bowyer-Watson, deterministic insertion order)."""
    p = np.asarray(points, dtype=np.float64)
    n = len(p)
    lo, hi = p.min(axis=0), p.max(axis=0)
    c, r = (lo + hi) / 2.0, float(max(hi - lo)) * 20.0 + 10.0
    P = np.vstack([p, [[c[0] - 2 * r, c[1] - r], [c[0] + 2 * r, c[1] - r], [c[0], c[1] + 2 * r]]])
    tris = np.array([[n, n + 1, n + 2]], dtype=np.int64)
    centre, r2 = _circles(P, tris)
    for i in range(n):
        q = P[i]
        bad = ((centre - q) ** 2).sum(1) < r2 * (1.0 + 1e-12)
        edges = np.concatenate([tris[bad][:, [0, 1]], tris[bad][:, [1, 2]], tris[bad][:, [2, 0]]])
        key = np.sort(edges, axis=1)
        _, inv, cnt = np.unique(key, axis=0, return_inverse=True, return_counts=True)
        boundary = edges[cnt[inv.ravel()] == 1]
        new = np.concatenate([boundary, np.full((len(boundary), 1), i)], axis=1)
        new_c, new_r2 = _circles(P, new)
        tris = np.concatenate([tris[~bad], new])
        centre = np.concatenate([centre[~bad], new_c])
        r2 = np.concatenate([r2[~bad], new_r2])
    tris = tris[(tris < n).all(axis=1)]
    return orient(p, tris)


def orient(p: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Every triangle clockwise in image coordinates (= counter-clockwise with y up, Blender's front)."""
    tris = np.array(tris, dtype=np.int64).reshape(-1, 3)
    pos = orientation(p, tris) > 0
    tris[pos] = tris[pos][:, [0, 2, 1]]
    return tris


def _crosses(p, a, b, c, d) -> bool:
    """Segments a-b and c-d cross at a point inside both."""
    def side(u, v, w):
        return (p[v][0] - p[u][0]) * (p[w][1] - p[u][1]) - (p[v][1] - p[u][1]) * (p[w][0] - p[u][0])
    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _edge_set(tris) -> set:
    return {tuple(sorted((t[i], t[(i + 1) % 3]))) for t in tris for i in range(3)}


def has_edges(tris, edges) -> bool:
    have = _edge_set(np.asarray(tris).tolist())
    return all(tuple(sorted(e)) in have for e in edges)


def recover_edges(pts: np.ndarray, tris: np.ndarray, edges, max_flips: int = 400) -> np.ndarray:
    """Make each wanted edge part of the triangulation by flipping the edges that cross it (the flip
    step of constrained Delaunay insertion); only convex quads are flipped, so nothing folds."""
    pts = np.asarray(pts, dtype=np.float64)
    tris = [list(t) for t in np.asarray(tris).tolist()]
    for _ in range(max_flips):
        have = _edge_set(tris)
        missing = [e for e in edges if tuple(sorted(e)) not in have]
        if not missing or not _flip_one(pts, tris, missing):
            break
    return orient(pts, tris)


def _flip_one(pts, tris, missing) -> bool:
    owners: dict[tuple[int, int], list[int]] = {}
    for k, t in enumerate(tris):
        for i in range(3):
            owners.setdefault(tuple(sorted((t[i], t[(i + 1) % 3]))), []).append(k)
    for a, b in missing:
        for (c, d), ks in owners.items():
            if len(ks) != 2 or a in (c, d) or b in (c, d) or not _crosses(pts, a, b, c, d):
                continue
            e = next(v for v in tris[ks[0]] if v not in (c, d))
            f = next(v for v in tris[ks[1]] if v not in (c, d))
            if not _crosses(pts, c, d, e, f):          # quad c-e-d-f not convex: try another edge
                continue
            tris[ks[0]], tris[ks[1]] = [e, f, c], [f, e, d]
            return True
    return False
