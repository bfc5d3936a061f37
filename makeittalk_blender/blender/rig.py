"""The portrait object at rest with its head Empty and Hook modifier, and the camera."""

from __future__ import annotations

import os

import bpy
import numpy as np
from mathutils import Matrix, Vector

from ..core import track_math as tm
from .camera import ensure_camera, setup_look
from .mesh import build_mesh, head_weights
from .objects import find_role, load_image, new_object


def build_rest(scene, image_path: str, rest: np.ndarray, width: int | None = None, height: int | None = None,
               resolution: int | None = None):
    """Portrait mesh at rest, the head Empty and the camera. Reuses existing objects."""
    image = load_image(image_path)
    width = int(width or image.size[0])
    height = int(height or image.size[1])
    rest = np.asarray(rest, dtype=np.float64)
    pm = tm.PixelMap(width, height)
    me, mp, n_verts = build_mesh("MIT Portrait", rest, width, height, image)

    ob = find_role(scene, "portrait")
    if ob is None:
        ob = new_object(scene, "MIT Portrait", me, "portrait")
    else:
        old = ob.data
        if ob.data.shape_keys is not None:
            ob.shape_key_clear()
        ob.data = me
        if old.users == 0:
            bpy.data.meshes.remove(old)
    ob.matrix_world = Matrix.Identity(4)
    ob["image_size"] = (width, height)
    ob["image_path"] = os.path.abspath(image_path)
    ob["n_ring"], ob["n_border"] = mp.n_ring, mp.n_border

    pivot_w = Vector(pm.to_world(rest[:, :2].mean(axis=0)))
    head = find_role(scene, "head")
    if head is None:
        head = new_object(scene, "MIT Head", None, "head")
        head.empty_display_type = "SPHERE"
    head.empty_display_size = 0.05
    if head.animation_data:
        head.animation_data.action = None
    head.location, head.rotation_euler, head.scale = pivot_w, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)
    # parented, so moving the portrait moves the whole rig (the hook then works in portrait space)
    head.parent = ob
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

    ensure_camera(scene, width, height, resolution)
    setup_look(scene)
    return ob, head
