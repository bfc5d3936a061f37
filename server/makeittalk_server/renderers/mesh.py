"""The warp renderer's mesh: the shared layout (makeittalk_blender.core.mesh_layout), placed in output pixels.

The layout is built on the track's rest face in the track's pixels, exactly as the Blender add-on builds
its mesh, so both draw the same vertices and triangles. Like Blender's PixelMap, the warp reads the
landmarks' numbers as pixel-edge coordinates: a point p of a W-pixel-wide track lands at p * (W_out / W)
- 0.5 in output pixels (centres at integers), the portrait texture likewise, so the rest frame is the
portrait exactly and the image border is the mesh's border.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from makeittalk_blender.core import mesh_layout as ml

N_LANDMARKS = ml.N_LM
INNER_LIP = np.array(ml.INNER_LIP)
OUTER_LIP = np.array(ml.OUTER_LIP)


@dataclass
class Mesh:
    layout: ml.Layout
    scale: tuple[float, float]     # output pixels per track pixel (x, y)
    pivot: np.ndarray              # head-pose pivot in track pixels (the mean of the rest landmarks)
    src_scale: tuple[float, float] | None = None   # source-image pixels per track pixel (default: scale)

    @property
    def tris(self) -> np.ndarray:
        """The sheet's triangles (the eyeball patches are Blender's backdrop, the warp samples the rigid
        eye directly; the teeth strips are drawn afterwards, teeth.py)."""
        return self._tris

    @property
    def kind(self) -> np.ndarray:
        return self._kind

    def __post_init__(self):
        sheet = (self.layout.kind != ml.EYEBALL) & ~np.isin(self.layout.kind, ml.TEETH)
        self._tris = self.layout.tris[sheet].astype(np.int32)
        self._kind = self.layout.kind[sheet]
        self._static = np.zeros(self.layout.n_vertices)
        st = self.layout.slice_of("static")
        self._static[st.stop - ml.N_BORDER:st.stop] = 0.5       # the image border, on the pixel edge
        self.src_scale = self.src_scale or self.scale
        self.rest = self.to_output(self.layout.points)
        self.rest_src = self.to_output(self.layout.points, self.src_scale)

    @property
    def n_vertices(self) -> int:
        return self.layout.n_vertices

    def to_output(self, v: np.ndarray, scale=None) -> np.ndarray:
        """Layout coordinates (track pixels) -> output pixels (centres at integers), or source pixels."""
        sx, sy = scale or self.scale
        e = v + self._static[:, None]
        return np.stack([e[:, 0] * sx - 0.5, e[:, 1] * sy - 0.5], axis=1)

    def deform(self, landmarks_xy: np.ndarray, pose: dict | None) -> np.ndarray:
        """Output-pixel vertex positions for one frame's landmarks (track pixels) and head pose."""
        return self.to_output(ml.vertices(self.layout, np.asarray(landmarks_xy)[:, :2], pose, self.pivot))

    def eye_sources(self, dst: np.ndarray, pose: dict | None) -> np.ndarray:
        """Per-corner source points of the eye-opening triangles: the rest eye moved rigidly with the
        head (the inverse head turn of each corner at its eyeball's depth), so a closing lid covers the
        eyeball instead of squashing it."""
        tris = self._tris[self._kind == ml.EYE]
        pose = pose or {}
        sx, sy = self.scale
        q = dst[tris]                                             # k x 3 x 2 output pixels
        t = np.stack([(q[..., 0] + 0.5) / sx, (q[..., 1] + 0.5) / sy], axis=-1)
        eyeball = self.layout.z[self.layout.slice_of("eyeball")]
        depth = np.where(tris < 42, eyeball[:7].mean(), eyeball[7:].mean()).ravel()   # each eye rigid
        head = ml.head_pose.pose_array([pose])
        back = ml.head_pose.remove(t.reshape(1, -1, 2), head, depth, self.pivot)[0].reshape(t.shape)
        kx, ky = self.src_scale
        return np.stack([back[..., 0] * kx - 0.5, back[..., 1] * ky - 0.5], axis=-1)


def build(rest_landmarks: np.ndarray, width: int, height: int, out_width: int | None = None,
          out_height: int | None = None, src_size: tuple[int, int] | None = None) -> Mesh:
    """The mesh for a track of width x height pixels, drawn at out_width x out_height (default: same),
    sampling a source image of src_size (width, height; default: the output size)."""
    lm = np.asarray(rest_landmarks, dtype=np.float64)[:, :2]
    layout = ml.build(lm, width, height)
    scale = ((out_width or width) / width, (out_height or height) / height)
    src = (src_size[0] / width, src_size[1] / height) if src_size else None
    return Mesh(layout=layout, scale=scale, pivot=lm[:N_LANDMARKS].mean(axis=0), src_scale=src)
