"""Track maths for the scene: the pixel <-> world map and the rest/expression/head separation.

The face layout (regions, key names, semantic offsets) lives in face_layout.py and the mesh in
mesh_layout.py; their names are re-exported here for the callers that import them from this module.
Pixels are the portrait's (origin top-left, y down). Everything here is numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import channels, mesh_layout, mouth_interior
from .face_layout import (INNER_LIPS, REGIONS, SEMANTIC_KEYS, landmark_key_name, region_of,  # noqa: F401
                          semantic_offsets)
from .mesh_layout import MOUTH_UV, point_in_polygon  # noqa: F401
from .trackfile import TrackData


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
    taken out (its turn in depth included); head n x 4 = [tx, ty, roll_deg, scale]."""
    expr = channels.expression(track.rest, track.frames, track.head_pose) - track.rest[:, :2]
    head = np.array([[p["tx"], p["ty"], p["roll_deg"], p["scale"]] for p in track.head_pose], dtype=np.float64)
    return expr, head


@dataclass
class MeshPoints:
    points: np.ndarray        # N x 2 pixels: 68 landmarks, then the face ring, then the image border, then more
    n_ring: int
    n_border: int

    @property
    def ring(self) -> range:
        return range(68, 68 + self.n_ring)

    @property
    def border(self) -> range:
        return range(68 + self.n_ring, 68 + self.n_ring + self.n_border)


def mesh_points(rest: np.ndarray, width: int, height: int) -> MeshPoints:
    """The shared mesh layout's points as PixelMap reads them (see mesh_layout.Layout.edge_points)."""
    lay = mesh_layout.build(rest, width, height)
    nb = mesh_layout.N_BORDER
    return MeshPoints(lay.edge_points(), lay.n_ring + lay.n_static - nb, nb)


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


def mouth_texture(size: int = 64) -> np.ndarray:
    """The mouth picture with default colours (see mouth_interior.texture for the portrait's own)."""
    return mouth_interior.texture(size=size)
