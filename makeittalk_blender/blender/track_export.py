"""The current take back to a track: what the scene evaluates to (hand edits included)."""

from __future__ import annotations

import json
import math

import bpy
import numpy as np

from ..core import head_pose as hp
from ..core import track_math as tm
from ..core import trackfile
from . import compat, scene_builder


def track_from_scene(scene) -> trackfile.TrackData:
    ob = scene_builder.find_role(scene, "portrait")
    head = scene_builder.find_role(scene, "head")
    if ob is None or head is None or ob.data.shape_keys is None:
        raise ValueError("there is no animated portrait in this scene (press Animate or import a track)")
    w, h = (int(v) for v in ob["image_size"])
    pm = tm.PixelMap(w, h)
    basis = np.empty(len(ob.data.vertices) * 3)
    ob.data.shape_keys.reference_key.data.foreach_get("co", basis)
    rest_xy = pm.to_pixels(basis.reshape(-1, 3)[:68])
    rest = np.concatenate([rest_xy, np.zeros((68, 1))], axis=1)
    pivot = rest_xy.mean(axis=0)
    pivot_w = pm.to_world(pivot)

    f0, f1 = scene.frame_start, scene.frame_end
    keep = scene.frame_current
    frames, pose = [], []
    co = np.empty(len(ob.data.vertices) * 3)
    for f in range(f0, f1 + 1):
        scene.frame_set(f)
        dg = bpy.context.evaluated_depsgraph_get()
        ev = ob.evaluated_get(dg)
        me = ev.to_mesh()
        me.vertices.foreach_get("co", co)
        ev.to_mesh_clear()
        xy = pm.to_pixels(co.reshape(-1, 3)[:68])
        frames.append(np.concatenate([xy, np.zeros((68, 1))], axis=1))
        local = ev.matrix_world.inverted() @ head.evaluated_get(dg).matrix_world
        loc, rot, scl = local.decompose()
        e = rot.to_euler("YXZ")             # the Head's own mode (rig.py): Y roll, X pitch, Z yaw
        pose.append({"roll_deg": math.degrees(e.y), "yaw_deg": math.degrees(e.z) / hp.TURN_GAIN,
                     "pitch_deg": math.degrees(e.x) / hp.TURN_GAIN,
                     "tx": (loc.x - pivot_w[0]) / pm.scale, "ty": -(loc.z - pivot_w[2]) / pm.scale,
                     "scale": float(scl.x)})
    scene.frame_set(keep)
    fps = compat.scene_fps(scene)
    try:
        params = json.loads(ob.get("track_params", "{}"))
    except ValueError:
        params = {}
    return trackfile.TrackData(fps=fps, width=w, height=h, rest=rest, frames=np.array(frames), head_pose=pose,
                               engine=str(ob.get("track_engine", "")), params=params,
                               duration_s=float(ob.get("track_duration_s", len(frames) / fps)))
