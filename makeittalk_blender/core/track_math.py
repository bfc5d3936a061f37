"""Track maths for the scene: regions, rest/expression/head separation, mesh points, semantic keys.

Pixels are the portrait's (origin top-left, y down). The Blender side maps them to world space with
`PixelMap`; everything here is numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .trackfile import TrackData, remove_pose

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


@dataclass
class PixelMap:
    """Portrait pixels <-> world: the image lies in the XZ plane, centred, facing -Y (front view);
    its larger side is 2 world units."""

    width: int
    height: int

    @property
    def scale(self) -> float:
        return 2.0 / max(self.width, self.height)

    def to_world(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64)
        out = np.zeros(xy.shape[:-1] + (3,))
        out[..., 0] = (xy[..., 0] - self.width / 2.0) * self.scale
        out[..., 2] = (self.height / 2.0 - xy[..., 1]) * self.scale
        return out

    def to_pixels(self, world: np.ndarray) -> np.ndarray:
        world = np.asarray(world, dtype=np.float64)
        out = np.zeros(world.shape[:-1] + (2,))
        out[..., 0] = world[..., 0] / self.scale + self.width / 2.0
        out[..., 1] = self.height / 2.0 - world[..., 2] / self.scale
        return out

    def uv(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64)
        return np.stack([xy[..., 0] / self.width, 1.0 - xy[..., 1] / self.height], axis=-1)


def separate(track: TrackData):
    """(expression, head): expression n x 68 x 2 pixel offsets from the rest face with the head pose
    taken out; head n x 4 = [tx, ty, roll_deg, scale]. apply_pose(rest + expression) == frames."""
    pivot = track.pivot
    expr = np.empty((track.n_frames, 68, 2))
    for k, pose in enumerate(track.head_pose):
        expr[k] = remove_pose(track.frames[k], pose, pivot)[:, :2] - track.rest[:, :2]
    head = np.array([[p["tx"], p["ty"], p["roll_deg"], p["scale"]] for p in track.head_pose], dtype=np.float64)
    return expr, head


@dataclass
class MeshPoints:
    points: np.ndarray        # N x 2 pixels: 68 landmarks, then the face ring, then the image border
    n_ring: int
    n_border: int

    @property
    def ring(self) -> range:
        return range(68, 68 + self.n_ring)

    @property
    def border(self) -> range:
        return range(68 + self.n_ring, 68 + self.n_ring + self.n_border)


def mesh_points(rest: np.ndarray, width: int, height: int, ring_n: int = 20, per_side: int = 4) -> MeshPoints:
    """Landmarks plus a ring around the face (forehead and cheeks move with the head) and points on
    the image border (stay put). Ring points falling outside the image or on other points are dropped."""
    lm = np.asarray(rest, dtype=np.float64)[:, :2]
    x0, y0 = lm.min(axis=0)
    x1, y1 = lm.max(axis=0)
    fw, fh = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0 - 0.15 * fh
    rx, ry = 0.68 * fw, 0.82 * fh
    a = np.linspace(0.0, 2 * math.pi, ring_n, endpoint=False)
    ring = np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)
    border = []
    for s in range(per_side):
        t = s / per_side
        border += [(t * width, 0.0), (width, t * height), ((1 - t) * width, height), (0.0, (1 - t) * height)]
    border = np.array(border, dtype=np.float64)
    margin = 0.02 * min(width, height)
    inside = (ring[:, 0] > margin) & (ring[:, 0] < width - margin) & (ring[:, 1] > margin) & \
             (ring[:, 1] < height - margin)
    ring = ring[inside]
    near = np.linalg.norm(ring[:, None] - lm[None], axis=2).min(axis=1) > 0.05 * fw
    ring = ring[near]
    return MeshPoints(np.concatenate([lm, ring, border]), len(ring), len(border))


def separate_close_points(points: np.ndarray, min_dist: float) -> np.ndarray:
    """A copy where points closer than min_dist (a closed mouth's inner lips coincide) are pushed apart
    a little, so a triangulation keeps every point. Only for triangulating: the mesh keeps the originals."""
    p = np.array(points, dtype=np.float64, copy=True)
    for _ in range(8):
        d = np.linalg.norm(p[:, None] - p[None], axis=2) + np.eye(len(p)) * 1e9
        i, j = np.nonzero(d < min_dist)
        pairs = [(a, b) for a, b in zip(i, j) if a < b]
        if not pairs:
            break
        for a, b in pairs:
            # nudge the later point; lower inner lips (65..67) go down, others sideways
            p[b] += (0.0, min_dist) if 64 < b < 68 else (min_dist, 0.0)
    return p


def open_mouth_layout(points: np.ndarray, gap: float = 0.5) -> np.ndarray:
    """A copy whose inner-lip contour is a simple polygon: a closed or crossed mouth (the lower inner
    lip level with or above the upper one) is parted by `gap` pixels with paired points sharing x.
    Only for triangulating: the topology then suits an opening mouth, the mesh keeps the originals."""
    p = np.array(points, dtype=np.float64, copy=True)
    left, right = p[60, 0], p[64, 0]
    if right - left < 3 * gap:
        right = left + 3 * gap
        p[64, 0] = right
    xs = []
    for up, low in ((61, 67), (62, 66), (63, 65)):
        xs.append(0.5 * (p[up, 0] + p[low, 0]))
    if not (left < xs[0] < xs[1] < xs[2] < right):
        xs = list(left + (right - left) * np.array([0.25, 0.5, 0.75]))
    for x, (up, low) in zip(xs, ((61, 67), (62, 66), (63, 65))):
        top, bottom = min(p[up, 1], p[low, 1]), max(p[up, 1], p[low, 1])
        if bottom - top < gap:
            mid = 0.5 * (top + bottom)
            top, bottom = mid - gap / 2, mid + gap / 2
        p[up] = (x, top)
        p[low] = (x, bottom)
    return p


def point_in_polygon(pt, poly: np.ndarray) -> bool:
    x, y = pt
    inside = False
    n = len(poly)
    for k in range(n):
        xa, ya = poly[k]
        xb, yb = poly[(k + 1) % n]
        if (ya > y) != (yb > y) and x < xa + (y - ya) * (xb - xa) / (yb - ya):
            inside = not inside
    return inside


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


# ---- the mouth interior -------------------------------------------------------------------------
# Mouth faces get their own UVs (by landmark, not by position), so the mouth picture stretches with the
# opening: upper inner lip at the top (teeth show under it), lower inner lip at the bottom (tongue).
MOUTH_UV = {60: (0.0, 0.5), 61: (0.25, 1.0), 62: (0.5, 1.0), 63: (0.75, 1.0),
            64: (1.0, 0.5), 65: (0.75, 0.0), 66: (0.5, 0.0), 67: (0.25, 0.0)}


def mouth_texture(size: int = 64) -> np.ndarray:
    """size x size x 4 RGBA (display values, row 0 at the bottom as Blender stores pixels):
    dark cavity, a band of upper teeth, a tongue towards the bottom."""
    v = (np.arange(size) + 0.5) / size
    u = (np.arange(size) + 0.5) / size
    uu, vv = np.meshgrid(u, v)
    img = np.empty((size, size, 4))
    img[..., 3] = 1.0
    edge = np.clip(1.0 - np.abs(uu - 0.5) * 2.0, 0.0, 1.0) ** 0.5          # darker towards the corners
    cavity = np.array([0.16, 0.05, 0.05])
    img[..., :3] = cavity * (0.55 + 0.45 * edge[..., None])
    teeth = (vv > 0.80) & (np.abs(uu - 0.5) < 0.36)
    gaps = (np.abs(((uu - 0.5) * 9.0) % 1.0 - 0.5) < 0.05) | (vv > 0.97)
    img[teeth & ~gaps, :3] = (0.86, 0.83, 0.76)
    img[teeth & gaps, :3] = (0.55, 0.50, 0.46)
    tongue = ((uu - 0.5) / 0.42) ** 2 + ((vv - 0.0) / 0.30) ** 2 < 1.0
    img[tongue, :3] = np.array([0.55, 0.22, 0.22]) * (0.7 + 0.3 * edge[tongue][:, None])
    return img
