"""One take: landmark shape keys, the face and head actions, fps, frame range and the sound strip."""

from __future__ import annotations

import json

import bpy
import numpy as np

from ..core import track_math as tm
from ..core.trackfile import TrackData
from . import compat, sound
from .objects import find_role
from .rig import build_rest

UNIT_FRACTION = 0.1        # a landmark key at value 1 moves its point by 10% of the image's larger side
SLIDER = 10.0


def _landmark_keys(ob, rest: np.ndarray, width: int, height: int) -> float:
    """Basis, one key per landmark axis, semantic keys. Returns the pixel length of value 1."""
    pm = tm.PixelMap(width, height)
    unit_px = UNIT_FRACTION * max(width, height)
    basis = compat.new_shape_key(ob, "Basis", 0.0)
    n = len(ob.data.vertices)
    base = np.empty(n * 3, dtype=np.float32)
    basis.data.foreach_get("co", base)
    base = base.reshape(n, 3)
    step_w = unit_px * pm.scale
    for i in range(68):
        for axis, vec in (("x", (step_w, 0.0, 0.0)), ("y", (0.0, 0.0, -step_w))):   # image y is world -Z
            kb = compat.new_shape_key(ob, tm.landmark_key_name(i, axis), 0.0)
            kb.slider_min, kb.slider_max = -SLIDER, SLIDER
            co = base.copy()
            co[i] += vec
            kb.data.foreach_set("co", co.ravel())
    for name, off in tm.semantic_offsets(rest).items():
        kb = compat.new_shape_key(ob, name, 0.0)
        co = base.copy()
        co[:68, 0] += off[:, 0] * pm.scale
        co[:68, 2] -= off[:, 1] * pm.scale
        kb.data.foreach_set("co", co.ravel())
    return unit_px


def _key(fc, frames: np.ndarray, values: np.ndarray) -> None:
    n = len(frames)
    fc.keyframe_points.add(n)
    co = np.empty(2 * n, dtype=np.float32)
    co[0::2], co[1::2] = frames, values
    fc.keyframe_points.foreach_set("co", co)
    fc.update()


def next_take_name(base: str) -> str:
    k = 1
    while bpy.data.actions.get(f"{base} Take {k}") or bpy.data.actions.get(f"{base} Take {k} Head"):
        k += 1
    return f"{base} Take {k}"


def build_scene(scene, track: TrackData, image_path: str, audio_path: str | None = None,
                resolution: int | None = None):
    """Everything for one take: rest mesh, keys, F-curves of face and head, camera, fps, sound."""
    ob, head = build_rest(scene, image_path, track.rest, track.width, track.height, resolution)
    unit_px = _landmark_keys(ob, track.rest, track.width, track.height)
    expr, head_ch = tm.separate(track)
    n = track.n_frames
    frames = np.arange(1, n + 1, dtype=np.float64)       # track frame k is scene frame 1 + k
    take = next_take_name("MIT")

    key = ob.data.shape_keys
    face_action = bpy.data.actions.new(take)
    face_action.use_fake_user = True                     # older takes stay available
    sink = compat.ChannelSink(face_action, "KEY", "Face")
    values = expr / unit_px
    for region, idx in tm.REGIONS:
        for i in idx:
            for a, axis in enumerate(("x", "y")):
                fc = sink.new_fcurve(f'key_blocks["{tm.landmark_key_name(i, axis)}"].value', 0, region)
                _key(fc, frames, values[:, i, a])
    compat.assign_action(key, face_action, sink)

    pm = tm.PixelMap(track.width, track.height)
    pivot_w = pm.to_world(track.rest[:, :2].mean(axis=0))
    head_action = bpy.data.actions.new(take + " Head")
    head_action.use_fake_user = True
    hsink = compat.ChannelSink(head_action, "OBJECT", "Head")
    loc = np.stack([pivot_w[0] + head_ch[:, 0] * pm.scale, np.zeros(n), pivot_w[2] - head_ch[:, 1] * pm.scale], 1)
    for a in range(3):
        _key(hsink.new_fcurve("location", a, "Head"), frames, loc[:, a])
    _key(hsink.new_fcurve("rotation_euler", 1, "Head"), frames, np.radians(head_ch[:, 2]))
    for a in range(3):
        _key(hsink.new_fcurve("scale", a, "Head"), frames, head_ch[:, 3])
    compat.assign_action(head, head_action, hsink)

    compat.set_scene_fps(scene, track.fps)
    scene.frame_start, scene.frame_end = 1, n
    scene.frame_set(1)
    if audio_path and sound.add_sound_strip(scene, audio_path, frame_start=1) is None:
        ob["warning"] = sound.NO_AUDIO
    elif "warning" in ob:
        del ob["warning"]
    lm = find_role(scene, "landmarks")
    if lm is not None:
        lm.hide_set(True)
        lm.hide_render = True
    ob["take"] = take
    ob["track_engine"] = track.engine
    ob["track_params"] = json.dumps(track.params)
    ob["track_duration_s"] = float(track.duration_s)
    return ob
