"""Vectorised piecewise-affine backward maps: for every output pixel, where to sample the source.

The deformed mesh is scan-converted with numpy in one pass over all (triangle, row) pairs: each pair
gives a half-open span of pixel centres; the spans of a row tile it, so a per-row cumulative sum of
"triangle id changes here" impulses yields the triangle id of every pixel. Each triangle's affine map
(deformed -> rest) is then looked up per pixel with cv2.LUT and evaluated with a few whole-image
operations. No Python loop over triangles or pixels.

Conventions: pixel centres at integer coordinates (as cv2.remap); a pixel belongs to a triangle when its
centre lies in it, with half-open rules (top/left edges in, bottom/right out) so shared edges give each
pixel to exactly one triangle. Pixels no triangle covers (outside the mesh) keep the identity map.
"""

from __future__ import annotations

import cv2
import numpy as np

_EDGES = np.array([[0, 1], [1, 2], [2, 0]])


def affines(dst: np.ndarray, src: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """m x 2 x 3 matrices mapping each deformed triangle (dst) onto its rest triangle (src)."""
    d = dst[tris]                     # m x 3 x 2
    s = src[tris]
    de = np.stack([d[:, 1] - d[:, 0], d[:, 2] - d[:, 0]], axis=2)   # columns = edge vectors
    se = np.stack([s[:, 1] - s[:, 0], s[:, 2] - s[:, 0]], axis=2)
    det = de[:, 0, 0] * de[:, 1, 1] - de[:, 0, 1] * de[:, 1, 0]
    ok = np.abs(det) > 1e-9
    inv = np.zeros_like(de)
    safe = np.where(ok, det, 1.0)
    inv[:, 0, 0], inv[:, 0, 1] = de[:, 1, 1] / safe, -de[:, 0, 1] / safe
    inv[:, 1, 0], inv[:, 1, 1] = -de[:, 1, 0] / safe, de[:, 0, 0] / safe
    lin = np.einsum("mij,mjk->mik", se, inv)
    # A collapsed triangle covers no pixel centre; give it a plain translation of its centroid.
    lin[~ok] = np.eye(2)
    trans = np.where(ok[:, None], s[:, 0] - np.einsum("mij,mj->mi", lin, d[:, 0]),
                     s.mean(axis=1) - d.mean(axis=1))
    return np.concatenate([lin, trans[:, :, None]], axis=2)


def triangle_spans(verts: np.ndarray, tris: np.ndarray, height: int, width: int):
    """(tri, row, x_start, x_end) arrays of the non-empty half-open pixel spans of every triangle."""
    p = verts[tris]                                   # m x 3 x 2
    a = p[:, _EDGES[:, 0]]                            # m x 3 x 2 edge start
    b = p[:, _EDGES[:, 1]]
    # Canonical edge direction (lower y first, then lower x) so a shared edge is evaluated with
    # bit-identical arithmetic in both of its triangles.
    swap = (a[..., 1] > b[..., 1]) | ((a[..., 1] == b[..., 1]) & (a[..., 0] > b[..., 0]))
    a, b = np.where(swap[..., None], b, a), np.where(swap[..., None], a, b)
    dy = b[..., 1] - a[..., 1]
    slope = np.where(dy > 0, (b[..., 0] - a[..., 0]) / np.where(dy > 0, dy, 1.0), 0.0)

    y_lo = np.clip(np.ceil(p[..., 1].min(axis=1)), 0, height).astype(np.int64)
    y_hi = np.clip(np.ceil(p[..., 1].max(axis=1)), 0, height).astype(np.int64)
    counts = np.maximum(y_hi - y_lo, 0)
    total = int(counts.sum())
    tri = np.repeat(np.arange(len(tris)), counts)
    row = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + y_lo[tri]
    y = row.astype(np.float64)[:, None]               # total x 1
    ay, by, ax = a[tri, :, 1], b[tri, :, 1], a[tri, :, 0]
    valid = (ay <= y) & (y < by)
    x = ax + (y - ay) * slope[tri]
    xl = np.where(valid, x, np.inf).min(axis=1)
    xr = np.where(valid, x, -np.inf).max(axis=1)
    xs = np.clip(np.ceil(xl), 0, width)
    xe = np.clip(np.ceil(xr), 0, width)
    keep = np.isfinite(xl) & (xe > xs)
    return tri[keep], row[keep], xs[keep].astype(np.int64), xe[keep].astype(np.int64)


def triangle_index_map(verts: np.ndarray, tris: np.ndarray, height: int, width: int) -> np.ndarray:
    """H x W map of 1 + the triangle under each pixel centre (0 = none). uint8 when there are fewer than
    256 triangles, else uint16. Where a folded mesh overlaps itself the span starting last wins."""
    dtype = np.uint8 if len(tris) < 256 else np.uint16
    tri, row, xs, _ = triangle_spans(verts, tris, height, width)
    ids = (tri + 1).astype(np.int64)
    order = np.lexsort((xs, row))
    ids, row, xs = ids[order], row[order], xs[order]
    # Two spans starting on the same pixel (only in a fold): keep the last one.
    last = np.ones(len(row), dtype=bool)
    last[:-1] = (row[1:] != row[:-1]) | (xs[1:] != xs[:-1])
    ids, row, xs = ids[last], row[last], xs[last]
    prev = np.zeros_like(ids)
    same_row = np.zeros(len(row), dtype=bool)
    same_row[1:] = row[1:] == row[:-1]
    prev[1:] = np.where(same_row[1:], ids[:-1], 0)
    modulus = 256 if dtype == np.uint8 else 65536
    impulses = np.zeros((height, width), dtype=dtype)
    impulses[row, xs] = ((ids - prev) % modulus).astype(dtype)
    return np.cumsum(impulses, axis=1, dtype=dtype)   # wraps modulo 2^bits, which undoes the deltas


class MapEvaluator:
    """Per-output-size buffers for turning a triangle index map + affines into cv2.remap maps."""

    def __init__(self, height: int, width: int):
        self.height, self.width = height, width
        self.xs = np.broadcast_to(np.arange(width, dtype=np.float32), (height, width)).copy()
        self.ys = np.broadcast_to(np.arange(height, dtype=np.float32)[:, None], (height, width)).copy()

    def maps(self, dst: np.ndarray, src: np.ndarray, tris: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        index = triangle_index_map(dst, tris, self.height, self.width)
        m = affines(dst, src, tris)
        table = np.zeros((len(tris) + 1, 6), dtype=np.float32)
        table[0] = [1, 0, 0, 0, 1, 0]                 # uncovered pixels: identity
        table[1:] = m.reshape(-1, 6)
        return self._evaluate(index, table)

    def _evaluate(self, index: np.ndarray, table: np.ndarray):
        if index.dtype == np.uint8:
            lut = np.zeros((256, 6), dtype=np.float32)
            lut[: len(table)] = table
            col = [cv2.LUT(index, np.ascontiguousarray(lut[:, k])) for k in range(6)]
        else:
            col = [table[:, k].take(index) for k in range(6)]
        mx = cv2.add(cv2.add(cv2.multiply(col[0], self.xs), cv2.multiply(col[1], self.ys)), col[2])
        my = cv2.add(cv2.add(cv2.multiply(col[3], self.xs), cv2.multiply(col[4], self.ys)), col[5])
        return mx, my


def warp(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """Bilinear backward warp; samples beyond the image repeat its edge."""
    return cv2.remap(image, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
