"""The portrait object at rest with its head Empty and Hook modifier, and the camera.

The portrait is the root of the add-on's rig: head, landmarks, handles and camera are its children, so
moving it moves everything. It is placed where nothing of the user's stands between it and its camera.
"""

from __future__ import annotations

import os

import bpy
import numpy as np
from mathutils import Matrix, Vector

from ..core import track_math as tm
from . import compat, scene_settings
from .camera import ensure_camera, set_resolution, setup_look
from .mesh import build_mesh, head_weights
from .objects import find_role, is_ours, load_image, new_object

_SOLID = {"MESH", "CURVE", "SURFACE", "META", "FONT", "VOLUME", "GPENCIL", "GREASEPENCIL", "CURVES",
          "POINTCLOUD"}


def _world_box(ob):
    pts = np.array([ob.matrix_world @ Vector(c) for c in ob.bound_box])
    return pts.min(axis=0), pts.max(axis=0)


def free_spot(scene) -> Vector:
    """Where the portrait (2 x 2 units at y=0) and its camera (10 units in front) see nothing else."""
    boxes = [_world_box(ob) for ob in scene.objects if not is_ours(ob) and ob.type in _SOLID]
    lo, hi = np.array([-1.1, -10.5, -1.1]), np.array([1.1, 0.1, 1.1])
    if not any(np.all(b_hi >= lo) and np.all(b_lo <= hi) for b_lo, b_hi in boxes):
        return Vector((0.0, 0.0, 0.0))
    return Vector((max(b_hi[0] for _, b_hi in boxes) + 1.5, 0.0, 0.0))


def same_rest(ob, image_path: str, rest: np.ndarray, width: int, height: int) -> bool:
    """The portrait already shows this image at these rest landmarks (so it can be kept as it is)."""
    if ob is None or "rest_px" not in ob or ob.get("image_path") != os.path.abspath(image_path):
        return False
    if tuple(ob["image_size"]) != (int(width), int(height)):
        return False
    old = np.asarray(ob["rest_px"], dtype=np.float64).reshape(-1, 2)
    return old.shape == (68, 2) and np.allclose(old, rest[:, :2], atol=1e-3)


def _attach_head(scene, ob, mp, n_verts, pivot_w):
    head = find_role(scene, "head")
    if head is None:
        head = new_object(scene, "MIT Head", None, "head")
        head.empty_display_type = "SPHERE"
        head.rotation_mode = "YXZ"            # roll (Y) first, in the picture; then pitch (X), yaw (Z) in depth
    head.empty_display_size = 0.05
    head.location, head.rotation_euler, head.scale = pivot_w, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)
    head.parent = ob                          # the hook then works in portrait space
    head.matrix_parent_inverse = Matrix.Identity(4)
    for vg in list(ob.vertex_groups):
        ob.vertex_groups.remove(vg)
    vg = ob.vertex_groups.new(name="Head")
    w = head_weights(mp, n_verts)
    for value in np.unique(w):
        if value > 0:
            vg.add([int(i) for i in np.nonzero(w == value)[0]], float(value), "REPLACE")
    for m in list(ob.modifiers):
        if m.type == "HOOK" and m.name == "Head":
            ob.modifiers.remove(m)
    hook = ob.modifiers.new("Head", "HOOK")
    hook.object = head
    hook.vertex_group = "Head"
    hook.falloff_type = "NONE"
    hook.strength = 1.0
    hook.matrix_inverse = Matrix.Translation(pivot_w).inverted()   # identity at rest
    hook.center = pivot_w
    return head


def build_rest(scene, image_path: str, rest: np.ndarray, width: int | None = None, height: int | None = None,
               resolution: int | None = None):
    """Portrait mesh at rest, the head Empty and the camera. Reuses existing objects; keeps the mesh
    (with its shape keys and takes) when it already shows this portrait at these landmarks."""
    image = load_image(image_path)
    width = int(width or image.size[0])
    height = int(height or image.size[1])
    rest = np.asarray(rest, dtype=np.float64)
    ob = find_role(scene, "portrait")
    if same_rest(ob, image_path, rest, width, height):
        return ob, find_role(scene, "head")
    owned = scene_settings.claim_if_new(scene)
    me, mp, n_verts = build_mesh("MIT Portrait", rest, width, height, image)
    if ob is None:
        ob = new_object(scene, "MIT Portrait", me, "portrait")
        ob.location = free_spot(scene)
    else:
        old = ob.data            # new landmarks: a new mesh (the Edits action is found again by name)
        ob.data = me
        if old.users == 0:
            bpy.data.meshes.remove(old)
    ob["image_size"] = (width, height)
    ob["image_path"] = os.path.abspath(image_path)
    ob["rest_px"] = [float(v) for v in rest[:, :2].ravel()]
    ob["n_ring"], ob["n_border"] = mp.n_ring, mp.n_border

    pivot_w = Vector(tm.PixelMap(width, height).to_world(rest[:, :2].mean(axis=0)))
    head = _attach_head(scene, ob, mp, n_verts, pivot_w)
    lm = find_role(scene, "landmarks")
    if lm is not None and lm.parent != ob:
        lm.parent = ob
        lm.matrix_parent_inverse = Matrix.Identity(4)
    ensure_camera(scene, width, height, parent=ob)
    if owned:                                  # a scene made for the job: set it up to render well
        set_resolution(scene, width, height, resolution)
        setup_look(scene)
        compat.set_render_engine(scene, "workbench")
    elif resolution:
        set_resolution(scene, width, height, resolution)
    return ob, head

