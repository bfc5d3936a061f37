"""One take: the prediction as sparse keys in NLA strips, under the artist's Edits.

Per take: "MIT Take N" (semantic channels) and "MIT Take N Detail" (per-landmark residual) on the
portrait's shape keys, "MIT Take N Head" on MIT Head. Keys come from core.take_plan (within the pixel
tolerance of the track). The newest take of a source plays; locked Edits keys are rebased onto it.
"""

from __future__ import annotations

import json
import math

import bpy
import numpy as np

from ..core import confidence, face_rig, take_plan
from ..core import track_math as tm
from ..core.trackfile import TrackData
from . import compat, nla_layers, sound
from .face_keys import SLIDER, UNIT_FRACTION, ensure_face_keys, unit_px  # noqa: F401  (names callers use)
from .face_keys import landmark_depth, set_fit_shapes
from .fcurve_keys import write_keys
from .handles import ensure_handles
from .landmark_edit import leave_edit_mode
from .objects import find_role
from .rig import build_rest

MARKER_PREFIX = "MIT check"


def next_take_name(base: str = "MIT") -> str:
    k = 1
    while bpy.data.actions.get(f"{base} Take {k}") or bpy.data.actions.get(f"{base} Take {k} Head"):
        k += 1
    return f"{base} Take {k}"


def _face_actions(take: str, plan, width: int, height: int, frame0: float):
    chan = bpy.data.actions.new(take)
    chan.use_fake_user = True                      # older takes stay available
    sink = compat.ChannelSink(chan, "KEY", "Face")
    for name in face_rig.CHANNELS:
        write_keys(sink.new_fcurve(f'key_blocks["{name}"].value', 0, "Channels"), plan.channels[name], frame0)
    detail = bpy.data.actions.new(take + " Detail")
    detail.use_fake_user = True
    dsink = compat.ChannelSink(detail, "KEY", "Face")
    inv = 1.0 / unit_px(width, height)
    for region, idx in tm.REGIONS:
        for i in idx:
            for a, axis in enumerate(("x", "y")):
                fc = dsink.new_fcurve(f'key_blocks["{tm.landmark_key_name(i, axis)}"].value', 0, region)
                write_keys(fc, plan.residual[i][a], frame0, scale=inv)
    return (chan, sink.slot), (detail, dsink.slot)


def _head_action(take: str, plan, track: TrackData, frame0: float):
    pm = tm.PixelMap(track.width, track.height)
    pivot_w = pm.to_world(track.pivot)
    act = bpy.data.actions.new(take + " Head")
    act.use_fake_user = True
    sink = compat.ChannelSink(act, "OBJECT", "Head")
    h = plan.head
    write_keys(sink.new_fcurve("location", 0, "Head"), h["tx"], frame0, pm.scale, pivot_w[0])
    ends = np.unique(h["tx"].frames[[0, -1]])
    flat = type(h["tx"])(ends, np.zeros(len(ends)), np.zeros(len(ends)))
    write_keys(sink.new_fcurve("location", 1, "Head"), flat, frame0)
    write_keys(sink.new_fcurve("location", 2, "Head"), h["ty"], frame0, -pm.scale, pivot_w[2])
    # rotation mode YXZ: roll (Y) in the picture's plane, then pitch (X) and yaw (Z) turn it in depth
    for axis, name in ((0, "pitch_deg"), (1, "roll_deg"), (2, "yaw_deg")):
        write_keys(sink.new_fcurve("rotation_euler", axis, "Head"), h[name], frame0, math.pi / 180.0)
    for a in range(3):
        write_keys(sink.new_fcurve("scale", a, "Head"), h["scale"], frame0)
    return act, sink.slot


FIT_PROP = "makeittalk_fit"


def _shared_fit(ob, track: TrackData):
    """The fitted detail the mesh's fit keys already have (made by its first take of this engine), or None.
    Every take of the mesh then shares it, so older takes and other strips' takes still land on their
    tracks (the residual takes up the difference: about 2% more keys than a take's own fit)."""
    me = ob.data
    if FIT_PROP not in me or me.get(FIT_PROP + "_engine") != str(track.engine):
        return None
    fit = np.asarray(me[FIT_PROP], dtype=np.float64)
    return fit.reshape(-1, 136) if fit.size == 136 * len(face_rig.CHANNELS) else None


def _follow(ob, track: TrackData):
    """How the mesh's dense vertices follow the landmarks (None when the mesh is not the layout's)."""
    from .mesh import layout_for

    lay = layout_for(np.asarray(ob["rest_px"], dtype=np.float64).reshape(68, 2), track.width, track.height)
    return lay.follow if lay.n_vertices == len(ob.data.vertices) else None


def _record(ob, take: str, source: str, start: int, track: TrackData, plan, locked: int) -> dict:
    rec = {"name": take, "source": source, "start": int(start), "frames": track.n_frames, "locked": locked,
           "engine": track.engine, "keys": plan.stats, "confidence": confidence.summary(track)}
    takes = [t for t in json.loads(ob.get("takes", "[]"))]
    takes.append(rec)
    ob["takes"] = json.dumps(takes[-50:])
    return rec


def _mark_low_confidence(scene, rec: dict, fps: float) -> None:
    tag = f"{MARKER_PREFIX} {rec['source'] or 'take'}"
    for m in list(scene.timeline_markers):
        if m.name.startswith(tag):
            scene.timeline_markers.remove(m)
    for a, b in rec["confidence"]["low"]:
        scene.timeline_markers.new(confidence.marker_name(tag, (a, b)), frame=int(rec["start"] + round(a * fps)))


def build_scene(scene, track: TrackData, image_path: str, audio_path: str | None = None,
                resolution: int | None = None, start_frame: int = 1, source: str = "",
                tol_px: float = take_plan.DEFAULT_TOL_PX, add_sound: bool = True):
    """A new take of `track` at scene frame `start_frame` (track frame k plays at start_frame + k).
    source: "" for the panel's audio (the newest take replaces every other), or a sound strip's name
    (replaces only the previous take of that strip, and plays only while the strip does)."""
    ob, head = build_rest(scene, image_path, track.rest, track.width, track.height, resolution)
    ensure_face_keys(ob, track.rest, track.width, track.height)
    key = ob.data.shape_keys
    fit = _shared_fit(ob, track)
    plan = take_plan.plan_take(track, tol_px, depth=landmark_depth(ob, track.width, track.height), fit=fit)
    if fit is None:
        set_fit_shapes(ob, plan.fit, track.width, track.height, _follow(ob, track))
        ob.data[FIT_PROP] = [float(v) for v in plan.fit.ravel()]
        ob.data[FIT_PROP + "_engine"] = str(track.engine)
    take = next_take_name("MIT")
    frame0 = float(start_frame)
    (chan, slot), (detail, dslot) = _face_actions(take, plan, track.width, track.height, frame0)
    head_act, hslot = _head_action(take, plan, track, frame0)

    recs = json.loads(ob.get("takes", "[]"))
    same = [r["name"] for r in recs if r.get("source", "") == source or not source]
    old_names = {n for r in same for n in (r, r + " Detail", r + " Head")}
    old_face, old_head = nla_layers.playing_strips(key, old_names), nla_layers.playing_strips(head, old_names)
    for tr in nla_layers.take_tracks(key) + nla_layers.take_tracks(head):
        if tr.name in old_names:
            tr.mute = True
    hold = not source
    nla_layers.add_layer(key, take, chan, slot, start_frame, hold)
    nla_layers.add_layer(key, take + " Detail", detail, dslot, start_frame, hold)
    nla_layers.add_layer(head, take + " Head", head_act, hslot, start_frame, hold)
    nla_layers.ensure_edits(key, "MIT Edits")
    nla_layers.ensure_edits(head, "MIT Edits Head")
    new_face = nla_layers.playing_strips(key, {take, take + " Detail"})
    locked = nla_layers.rebase_locks(key, old_face, new_face)
    locked += nla_layers.rebase_locks(head, old_head, nla_layers.playing_strips(head, {take + " Head"}))
    ensure_handles(scene, ob, head, track.rest, track.width, track.height)

    _timing(scene, track, start_frame, source)
    if audio_path and add_sound and sound.add_sound_strip(scene, audio_path, frame_start=start_frame) is None:
        ob["warning"] = sound.NO_AUDIO
    elif "warning" in ob:
        del ob["warning"]
    lm = find_role(scene, "landmarks")
    if lm is not None:
        leave_edit_mode(lm)
        lm.hide_set(True)
        lm.hide_render = True
    rec = _record(ob, take, source, start_frame, track, plan, locked)
    _mark_low_confidence(scene, rec, track.fps)
    ob["take"] = take
    ob["track_engine"] = track.engine
    ob["track_params"] = json.dumps(track.params)
    ob["track_phones"] = json.dumps(list(getattr(track, "phones", None) or []))   # for exports / Apply to character
    ob["track_words"] = json.dumps(list(getattr(track, "words", None) or []))
    ob["track_duration_s"] = float(track.duration_s)
    return ob


def _timing(scene, track: TrackData, start_frame: int, source: str) -> None:
    compat.set_scene_fps(scene, track.fps)
    end = start_frame + track.n_frames - 1
    if source:                                    # a strip's take: the range grows to hold it
        scene.frame_start = min(scene.frame_start, start_frame)
        scene.frame_end = max(scene.frame_end, end)
    else:
        scene.frame_start, scene.frame_end = start_frame, end
    scene.frame_set(start_frame)


def last_take(ob) -> dict | None:
    recs = json.loads(ob.get("takes", "[]")) if ob is not None else []
    return recs[-1] if recs else None
