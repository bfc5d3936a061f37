"""The puppet (cartoon) path of main_end2end_cartoon.py (spec 9.1 - 9.3), up to the warper's inputs.

A puppet folder holds, for name P: P.png or P.jpg, P_face_open_mouth.txt (68x3 pixels, the rest pose),
P_face_close_mouth.txt (68x3 normalised, the face given to the networks), P_scale_shift.txt and
P_delauney_tri.txt. The prediction is denormalised with the puppet's scale/shift and smoothed with
windows 17 / 11; there are no blinks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import face

BORDER = 5000
ALL_POINTS_PUPPETS = {"paint", "mulaney", "cartoonM", "beer", "color", "JohnMulaney", "vangogh", "jm", "roy",
                      "lineface"}


@dataclass
class Puppet:
    name: str
    width: int
    height: int
    open_mouth: np.ndarray        # 68x3 pixels (rest pose for the warp)
    face_id: np.ndarray           # 1x204 float32 (close-mouth face, normalised, full-scale z)
    scale: float
    shift: np.ndarray             # 2 float64
    triangles: np.ndarray         # K x 3 int

    @property
    def subset(self) -> list[int]:
        return list(range(68)) if self.name in ALL_POINTS_PUPPETS else list(range(48)) + list(range(60, 68))


def load(folder, name: str) -> Puppet:
    import cv2

    folder = Path(folder)
    img_path = next((folder / f"{name}{ext}" for ext in (".jpg", ".png") if (folder / f"{name}{ext}").is_file()), None)
    if img_path is None:
        raise FileNotFoundError(f"no {name}.jpg or {name}.png in {folder}")
    img = cv2.imread(str(img_path), cv2.IMREAD_UNCHANGED)
    ss = np.loadtxt(folder / f"{name}_scale_shift.txt")
    tri = np.loadtxt(folder / f"{name}_delauney_tri.txt").astype(np.int64).reshape(-1, 3)
    return Puppet(name=name, width=img.shape[1], height=img.shape[0],
                  open_mouth=np.loadtxt(folder / f"{name}_face_open_mouth.txt"),
                  face_id=np.loadtxt(folder / f"{name}_face_close_mouth.txt").astype(np.float32).reshape(1, 204),
                  scale=float(ss[0]), shift=np.asarray(ss[1:3], dtype=np.float64), triangles=tri)


def border_points(width: int, height: int) -> np.ndarray:
    """12 far-away points around the image (so the warp mesh covers everything), as (x, y)."""
    w, h, b = width - 1, height - 1, BORDER
    return np.array([(-b, -b), (-b, h // 4), (-b, h // 2), (-b, h // 4 * 3), (-b, b + h),
                     (w // 2, b + h), (b + w, b + h), (b + w, h // 2), (b + w, -b),
                     (w // 4, -b), (w // 2, -b), (w // 4 * 3, -b)], dtype=np.float64)


def track_from_prediction(pred_read_back: np.ndarray, puppet: Puppet) -> np.ndarray:
    """Read-back prediction (N x 204) -> N x 68 x 3 puppet pixels, SG 17 / 11, no blinks."""
    px = face.denormalise(pred_read_back, puppet.scale, puppet.shift)
    return face.smooth(px, win_face=17, win_mouth=11)


def warped_points(track: np.ndarray, puppet: Puppet) -> np.ndarray:
    """Rows the original hands to the warper: subset xy then the border points, per frame."""
    sub = track[:, puppet.subset, :2].reshape(track.shape[0], -1)
    bound = border_points(puppet.width, puppet.height).reshape(1, -1)
    return np.concatenate([sub, np.repeat(bound, track.shape[0], axis=0)], axis=1)


def reference_points(puppet: Puppet) -> np.ndarray:
    """The warp's rest points: the open-mouth subset followed by the border points (one per row)."""
    return np.concatenate([puppet.open_mouth[puppet.subset, :2], border_points(puppet.width, puppet.height)])


def check_triangulation(puppet: Puppet) -> None:
    """Several original puppet files index past the points produced (spec Q23): refuse those clearly."""
    n = len(puppet.subset) + 12
    if puppet.triangles.size and puppet.triangles.max() >= n:
        raise ValueError(f"puppet {puppet.name}: triangulation uses point {puppet.triangles.max()} but only "
                         f"{n} points exist")
