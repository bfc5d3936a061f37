"""What the render tests and bench/bench_render.py measure alike: portrait variants made from the Mona
Lisa, Blender's render of the add-on's scene for a track, rest-frame error, mouth saturation, lid cover."""

from __future__ import annotations
from support.paths import ROOT

import math
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np
from support.render_helpers import IDENTITY_POSE, PORTRAIT, open_mouth, portrait, rest, track_of



def variants() -> dict[str, np.ndarray]:
    """The portrait as a painting (itself), a black-and-white photo, a bronze statue, a cartoon and a
    cool-toned "photo" (colour transforms only: the landmarks stay valid)."""
    img = portrait()
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    bw = cv2.cvtColor(cv2.equalizeHist(grey), cv2.COLOR_GRAY2RGB)
    g = grey.astype(np.float64)[:, :, None] / 255.0
    bronze = np.clip((g ** 0.9) * np.array([205.0, 140.0, 80.0]) + np.array([25.0, 15.0, 5.0]), 0, 255)
    smooth = img
    for _ in range(3):
        smooth = cv2.bilateralFilter(smooth, 7, 40, 7)
    cartoon = np.clip((smooth.astype(np.int32) // 48) * 48 + 24, 0, 255)
    edges = cv2.adaptiveThreshold(cv2.medianBlur(grey, 5), 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 9, 4)
    cartoon = np.where(edges[:, :, None] > 0, cartoon, 25).astype(np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV).astype(np.int32)
    hsv[..., 0] = (hsv[..., 0] + 170) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] * 0.55, 0, 255)
    photo = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
    photo = np.clip(1.15 * photo.astype(np.float64) - 10, 0, 255).astype(np.uint8)
    return {"painting": img, "bw photo": bw, "statue": bronze.astype(np.uint8), "cartoon": cartoon,
            "photo": photo}


def saturation(rgb: np.ndarray) -> np.ndarray:
    """HSV saturation 0..1 of each pixel."""
    c = rgb.astype(np.float64)
    mx, mn = c.max(axis=-1), c.min(axis=-1)
    return np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-9), 0.0)


def inner_mouth_mask(pts: np.ndarray, shape, erode: int = 1) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(pts[60:68]).astype(np.int32)], 1)
    if erode:
        mask = cv2.erode(mask, np.ones((2 * erode + 1, 2 * erode + 1), np.uint8))
    return mask.astype(bool)


def blink_frames(r: np.ndarray, amounts=(0.0, 0.5, 1.0)) -> list[np.ndarray]:
    """Rest landmarks with both upper lids lowered by a fraction of the eye opening (1 = shut)."""
    out = []
    for a in amounts:
        f = r.copy()
        for up, lo in ((37, 41), (38, 40), (43, 47), (44, 46)):
            gap = r[lo, 1] - r[up, 1]
            f[up, 1] += a * 0.95 * gap
            f[lo, 1] -= a * 0.05 * gap
        out.append(f)
    return out


def turn_frames(r: np.ndarray, turns=((-10, 0), (10, 0), (0, 8))):
    """(frames, poses) of head turns (yaw, pitch in degrees) with the face's shift in tx/ty, the landmarks
    turned in depth as the default engine makes them."""
    from makeittalk_blender.core import head_pose as hp
    from makeittalk_blender.core.mesh_layout import landmark_depth
    from makeittalk_server.track import head_pivot

    fw = float(r[:, 0].max() - r[:, 0].min())
    frames, poses = [], []
    for yaw, pitch in turns:
        p = dict(IDENTITY_POSE, yaw_deg=yaw, pitch_deg=pitch, tx=0.9 * fw * math.sin(math.radians(yaw)),
                 ty=0.9 * fw * math.sin(math.radians(pitch)))
        frames.append(hp.apply(r[None, :, :2], hp.pose_array([p]), landmark_depth(r), head_pivot(r))[0])
        poses.append(p)
    return frames, poses


def talking_frames(n: int = 8):
    r = rest()
    return [open_mouth(r, 14.0 * max(0.0, math.sin(math.pi * k / max(n - 1, 1)))) for k in range(n)]


_BLENDER = r'''
import sys
sys.path[:0] = [{root!r}]
import bpy
bpy.ops.wm.read_factory_settings(use_empty=True)
from makeittalk_blender.blender import scene_builder
from makeittalk_blender.blender.mesh import couple_keys
from makeittalk_blender.core import trackfile
track = trackfile.load({track!r})
scene = bpy.context.scene
ob = scene_builder.build_scene(scene, track, {portrait!r}, None, resolution={size})
couple_keys(ob)                      # until takes.py calls it: dense vertices follow their landmarks
scene.render.engine = "BLENDER_WORKBENCH"
if {aa!r}:
    scene.display.render_aa = {aa!r}
scene.render.dither_intensity = 0.0  # no added noise: the frames are compared level for level
scene.render.image_settings.file_format = "PNG"
for k in {frames!r}:
    scene.frame_set(1 + k)
    scene.render.filepath = {out!r} + "/blender_%03d.png" % k
    bpy.ops.render.render(write_still=True)
print("DONE")
'''


def blender_frames(track, size: int, frames, aa: str | None = None, portrait_path=PORTRAIT,
                   python: str | None = None) -> list[np.ndarray] | str:
    """Blender's Workbench render (bpy in a subprocess) of the add-on's scene for `track`: RGB uint8
    frames, or the error text. aa None keeps the add-on's own anti-aliasing setting."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "track.json")
        track.save(path)
        script = _BLENDER.format(root=str(ROOT), track=path, portrait=str(portrait_path), size=size, aa=aa,
                                 frames=list(frames), out=tmp)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "server")]))
        proc = subprocess.run([python or sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=600, env=env)
        if "DONE" not in proc.stdout:
            return (proc.stdout + proc.stderr)[-1500:]
        return [cv2.imread(os.path.join(tmp, f"blender_{k:03d}.png"))[:, :, ::-1].copy() for k in frames]


def rest_frame_error(img: np.ndarray, width: int, height: int) -> float:
    """Mean abs difference (levels) between the warp's rest frame and the portrait resized the plain way
    (area filter down, bilinear up)."""
    from makeittalk_server.renderers.warp import WarpPlan

    r = rest()
    frame = WarpPlan(track_of([r], r), img, width, height).frame(0)
    grow = width >= img.shape[1] and height >= img.shape[0]
    ref = cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR if grow else cv2.INTER_AREA)
    return float(np.abs(frame.astype(np.float64) - ref).mean())
