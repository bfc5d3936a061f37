"""MIT Landmarks: the 68 rest points an artist corrects in Edit Mode before animating."""

from __future__ import annotations

import os

import bpy
import numpy as np
from mathutils import Matrix

from ..core import track_math as tm
from .objects import find_role, new_object


def place_landmarks(scene, rest: np.ndarray, width: int, height: int, image_path: str = ""):
    """MIT Landmarks: 68 vertices (edges along each region) slightly in front of the portrait (its child,
    in portrait space)."""
    pm = tm.PixelMap(width, height)
    world = pm.to_world(np.asarray(rest, dtype=np.float64)[:, :2])
    world[:, 1] = -0.01
    edges = []
    for name, idx in tm.REGIONS:
        idx = list(idx)
        edges += list(zip(idx[:-1], idx[1:]))
        if name.startswith(("Eye", "Lips")):
            edges.append((idx[-1], idx[0]))
    me = bpy.data.meshes.new("MIT Landmarks")
    me.from_pydata([tuple(p) for p in world], edges, [])
    me.update()
    ob = find_role(scene, "landmarks")
    if ob is None:
        ob = new_object(scene, "MIT Landmarks", me, "landmarks")
    else:
        leave_edit_mode(ob)
        old = ob.data
        ob.data = me
        if old.users == 0:
            bpy.data.meshes.remove(old)
    portrait = find_role(scene, "portrait")
    ob.parent = portrait
    ob.matrix_parent_inverse = Matrix.Identity(4)
    ob.matrix_basis = Matrix.Identity(4)
    ob.hide_render = True
    ob.hide_set(False)
    ob.show_in_front = True
    ob["image_size"] = (int(width), int(height))
    ob["image_path"] = os.path.abspath(image_path) if image_path else ""
    return ob


def leave_edit_mode(ob) -> None:
    """Back to Object Mode (keeping the edits), so the object can be hidden or replaced safely."""
    if ob is None or ob.mode != "EDIT":
        return
    ob.update_from_editmode()
    vl = bpy.context.view_layer
    keep = vl.objects.active
    try:
        vl.objects.active = ob
        with bpy.context.temp_override(active_object=ob, object=ob, edit_object=ob):
            bpy.ops.object.mode_set(mode="OBJECT")
    finally:
        if keep is not None and keep.name in vl.objects:
            vl.objects.active = keep


def read_landmarks(scene, image_path: str | None = None):
    """The (possibly hand-corrected) rest landmarks in pixels, or None when there are none (or when they
    were placed on another portrait than image_path)."""
    ob = find_role(scene, "landmarks")
    if ob is None or "image_size" not in ob:
        return None
    if image_path and ob.get("image_path") and os.path.abspath(image_path) != ob["image_path"]:
        return None
    if ob.mode == "EDIT":
        ob.update_from_editmode()
    if len(ob.data.vertices) != 68:
        return None
    w, h = ob["image_size"]
    co = np.empty(68 * 3, dtype=np.float64)
    ob.data.vertices.foreach_get("co", co)
    co = co.reshape(68, 3)
    portrait = find_role(scene, "portrait")
    m = ob.matrix_world if portrait is None else portrait.matrix_world.inverted() @ ob.matrix_world
    m = np.array(m)
    local = co @ m[:3, :3].T + m[:3, 3]           # in portrait space: the portrait may have been moved
    px = tm.PixelMap(int(w), int(h)).to_pixels(local)
    return np.concatenate([px, np.zeros((68, 1))], axis=1)
