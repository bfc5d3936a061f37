"""The teeth strips of the shared layout, drawn into a warped frame where the mouth is open.

Blender shows them through the mouth opening by depth; here they are scan-converted in a small box
around the mouth with the same rules as the main pass (raster.py), sampled from the atlas, and kept
only on pixels of the mouth triangles: lower strip first, the upper strip over it.
"""

from __future__ import annotations

import numpy as np

from makeittalk_blender.core import mesh_layout as ml

from .raster import MapEvaluator, affines, triangle_spans, warp


def coverage(verts: np.ndarray, tris: np.ndarray, height: int, width: int) -> np.ndarray:
    """H x W map of 1 + the triangle covering each pixel centre, 0 where none does (the same half-open
    spans as the main pass; where triangles overlap the later one wins)."""
    tri, row, xs, xe = triangle_spans(verts, tris, height, width)
    n = xe - xs
    index = np.zeros((height, width), dtype=np.int32)
    if not len(n):
        return index
    cols = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n) + np.repeat(xs, n)
    index[np.repeat(row, n), cols] = np.repeat(tri + 1, n)
    return index


class TeethPainter:
    def __init__(self, mesh, corner: tuple[int, int], size: tuple[int, int]):
        """mesh: renderers.mesh.Mesh; corner/size: the teeth picture's top-left and (w, h) in the atlas."""
        lay = mesh.layout
        self.mouth_tris = mesh.tris[mesh.kind == ml.MOUTH]
        self.layers = []
        first = lay.slice_of("teeth").start
        w, h = size
        for kind in (ml.TEETH_LOWER, ml.TEETH_UPPER):
            tris = lay.tris[lay.kind == kind].astype(np.int32)
            uv = lay.teeth_uv[tris - first]                              # m x 3 x 2
            src = np.stack([corner[0] + uv[..., 0] * w - 0.5, corner[1] + (1.0 - uv[..., 1]) * h - 0.5], axis=-1)
            self.layers.append((tris, src))
        self.enabled = len(self.mouth_tris) > 0 and all(len(t) for t, _ in self.layers)

    def paint(self, frame: np.ndarray, atlas: np.ndarray, dst: np.ndarray) -> None:
        """Draw into frame (in place); dst: this frame's vertex positions in output pixels."""
        if not self.enabled:
            return
        hgt, wid = frame.shape[:2]
        box = dst[self.mouth_tris.ravel()]
        x0, y0 = np.maximum(np.floor(box.min(axis=0)).astype(int) - 1, 0)
        x1, y1 = np.minimum(np.ceil(box.max(axis=0)).astype(int) + 2, [wid, hgt])
        if x1 - x0 < 1 or y1 - y0 < 1:
            return
        origin = np.array([x0, y0], dtype=np.float64)
        bh, bw = y1 - y0, x1 - x0
        hole = coverage(dst - origin, self.mouth_tris, bh, bw) > 0
        if not hole.any():
            return
        roi = frame[y0:y1, x0:x1]
        ev = MapEvaluator(bh, bw)
        for tris, src in self.layers:
            d = dst - origin
            index = coverage(d, tris, bh, bw)
            cover = hole & (index > 0)
            if not cover.any():
                continue
            table = np.zeros((len(tris) + 1, 6), dtype=np.float32)
            table[0] = [1, 0, 0, 0, 1, 0]
            table[1:] = affines(d, src, tris).reshape(-1, 6)          # box pixels -> atlas pixels
            mx, my = ev._from_index(index.astype(np.uint8), table)
            roi[cover] = warp(atlas, mx, my)[cover]
