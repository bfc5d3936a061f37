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

def affines(dst: np.ndarray, src: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """m x 2 x 3 matrices mapping each deformed triangle (dst) onto its source triangle: src is per
    vertex (n x 2) or per triangle corner (m x 3 x 2, so a triangle can sample anywhere)."""
    d = dst[tris]                     # m x 3 x 2
    s = src if src.ndim == 3 else src[tris]
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
    order = np.argsort(p[..., 1], axis=1, kind="stable")
    p = np.take_along_axis(p, order[..., None], axis=1)   # top, middle, bottom vertex
    (x0, y0), (x1, y1), (x2, y2) = p[:, 0].T, p[:, 1].T, p[:, 2].T
    # Every edge is evaluated from its upper end with the same slope in both of its triangles, so a
    # shared edge gives bit-identical x and the half-open spans of neighbours tile each row exactly.
    s02 = (x2 - x0) / np.where(y2 > y0, y2 - y0, 1.0)
    s01 = (x1 - x0) / np.where(y1 > y0, y1 - y0, 1.0)
    s12 = (x2 - x1) / np.where(y2 > y1, y2 - y1, 1.0)
    y_lo = np.clip(np.ceil(y0), 0, height).astype(np.int64)
    y_hi = np.clip(np.ceil(y2), 0, height).astype(np.int64)
    counts = np.maximum(y_hi - y_lo, 0)
    total = int(counts.sum())
    tri = np.repeat(np.arange(len(tris)), counts)
    row = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + y_lo[tri]
    y = row.astype(np.float64)
    x_long = x0[tri] + (y - y0[tri]) * s02[tri]
    upper = y < y1[tri]
    x_short = np.where(upper, x0[tri] + (y - y0[tri]) * s01[tri], x1[tri] + (y - y1[tri]) * s12[tri])
    xs = np.clip(np.ceil(np.minimum(x_long, x_short)), 0, width).astype(np.int64)
    xe = np.clip(np.ceil(np.maximum(x_long, x_short)), 0, width).astype(np.int64)
    keep = xe > xs
    return tri[keep], row[keep], xs[keep], xe[keep]


def sorted_spans(verts: np.ndarray, tris: np.ndarray, height: int, width: int):
    """triangle_spans ordered by (row, x_start)."""
    tri, row, xs, xe = triangle_spans(verts, tris, height, width)
    order = np.lexsort((xs, row))
    return tri[order], row[order], xs[order], xe[order]


def triangle_index_map(verts: np.ndarray, tris: np.ndarray, height: int, width: int,
                       allow_runs: bool = True) -> np.ndarray:
    """H x W map of 1 + the triangle under each pixel centre (0 = none). uint8 when there are fewer than
    256 triangles, else uint16. Where a folded mesh overlaps itself the span starting last wins."""
    return _index_map(*sorted_spans(verts, tris, height, width), height, width, len(tris), allow_runs)


def _index_map(tri, row, xs, xe, height: int, width: int, n_tris: int, allow_runs: bool = True) -> np.ndarray:
    dtype = np.uint8 if n_tris < 256 else np.uint16
    ids = (tri + 1).astype(np.int64)
    if allow_runs and _tiles_every_row(row, xs, xe, height, width):
        # Usual case (no fold, the mesh covers the image): each id repeated over its span, one pass.
        return np.repeat(ids.astype(dtype), xe - xs).reshape(height, width)
    return _index_by_impulses(ids, row, xs, height, width, dtype)


def _tiles_every_row(row, xs, xe, height: int, width: int) -> bool:
    """Sorted spans cover each row 0..H-1 from 0 to W without gap or overlap."""
    if not len(row):
        return False
    new_row = np.ones(len(row), dtype=bool)
    new_row[1:] = row[1:] != row[:-1]
    prev_end = np.zeros_like(xe)
    prev_end[1:] = xe[:-1]
    row_end = np.r_[new_row[1:], True]
    return bool(np.array_equal(row[new_row], np.arange(height))
                and np.all(xs == np.where(new_row, 0, prev_end)) and np.all(xe[row_end] == width))


def _retile(tri, row, xs, xe, height: int, width: int):
    """Sorted spans made to tile every row where slivers overlap or leave gaps (a crossed closed mouth),
    with the lookup path's rule: a span runs until the next one starts (of two starting on one pixel the
    later wins), the last to the edge. So both paths give the same maps. None when a row does not start
    at pixel 0 (the mesh leaves part of the image uncovered)."""
    if not len(row):
        return None, None, None, None
    last = np.ones(len(row), dtype=bool)
    last[:-1] = (row[1:] != row[:-1]) | (xs[1:] != xs[:-1])
    tri, row, xs = tri[last], row[last], xs[last]
    new_row = np.ones(len(row), dtype=bool)
    new_row[1:] = row[1:] != row[:-1]
    if not (np.array_equal(row[new_row], np.arange(height)) and np.all(xs[new_row] == 0)):
        return None, None, None, None
    end = np.r_[xs[1:], width]
    end[np.r_[new_row[1:], True]] = width
    return tri, row, xs, end


def _index_by_impulses(ids, row, xs, height: int, width: int, dtype) -> np.ndarray:
    """Folds or gaps: per row, impulses "the id changes here" and a running sum (modulo 2^bits)."""
    last = np.ones(len(row), dtype=bool)                  # two spans starting on one pixel: keep last
    last[:-1] = (row[1:] != row[:-1]) | (xs[1:] != xs[:-1])
    ids, row, xs = ids[last], row[last], xs[last]
    prev = np.zeros_like(ids)
    same_row = np.zeros(len(row), dtype=bool)
    same_row[1:] = row[1:] == row[:-1]
    prev[1:] = np.where(same_row[1:], ids[:-1], 0)
    modulus = 256 if dtype == np.uint8 else 65536
    impulses = np.zeros((height, width), dtype=dtype)
    impulses[row, xs] = ((ids - prev) % modulus).astype(dtype)
    return np.cumsum(impulses, axis=1, dtype=dtype)


class MapEvaluator:
    """Turns a deformed mesh into cv2.remap maps for one output size (keeps the coordinate grids)."""

    def __init__(self, height: int, width: int):
        self.height, self.width = height, width
        self.xs = np.broadcast_to(np.arange(width, dtype=np.float32), (height, width)).copy()
        self.ys = np.broadcast_to(np.arange(height, dtype=np.float32)[:, None], (height, width)).copy()

    def maps(self, dst: np.ndarray, src: np.ndarray, tris: np.ndarray,
             allow_runs: bool = True) -> tuple[np.ndarray, np.ndarray]:
        runs = self.runs(dst, src, tris, allow_runs)
        if runs is None:
            return self.index_maps(dst, src, tris)
        slopes, offsets, lengths = runs
        out = []
        for k in range(2):
            m = np.repeat(slopes[:, k], lengths).reshape(self.height, self.width)
            np.multiply(m, self.xs, out=m)
            np.add(m, np.repeat(offsets[:, k], lengths).reshape(self.height, self.width), out=m)
            out.append(m)
        return out[0], out[1]

    def runs(self, dst: np.ndarray, src: np.ndarray, tris: np.ndarray, allow_runs: bool = True):
        """The maps in run-length form when the spans tile the image: (slopes spans x 2, offsets spans x 2,
        lengths) with map = slope * x + offset along each span, spans in row-major order. None when the
        mesh folds or leaves gaps."""
        tri, row, xs, xe = sorted_spans(dst, tris, self.height, self.width)
        if not allow_runs:
            return None
        if not _tiles_every_row(row, xs, xe, self.height, self.width):
            tri, row, xs, xe = _retile(tri, row, xs, xe, self.height, self.width)
            if tri is None:
                return None
        a = affines(dst, src, tris)[tri]              # spans x 2 x 3
        y = row.astype(np.float64)[:, None]
        slopes = np.ascontiguousarray(a[:, :, 0], dtype=np.float32)
        offsets = (a[:, :, 1] * y + a[:, :, 2]).astype(np.float32)
        return slopes, offsets, xe - xs

    def index_maps(self, dst: np.ndarray, src: np.ndarray, tris: np.ndarray):
        """The maps through a per-pixel triangle index (works for folded meshes too)."""
        index = triangle_index_map(dst, tris, self.height, self.width, allow_runs=False)
        table = np.zeros((len(tris) + 1, 6), dtype=np.float32)
        table[0] = [1, 0, 0, 0, 1, 0]                 # uncovered pixels: identity
        table[1:] = affines(dst, src, tris).reshape(-1, 6)
        return self._from_index(index, table)

    def _from_index(self, index: np.ndarray, table: np.ndarray):
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
