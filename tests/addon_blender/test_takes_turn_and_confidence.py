"""Head yaw/pitch from the track, keys with fitted handles as Blender evaluates them, and where to look
(lip-sync confidence in the panel and on the timeline), in real bpy on a real default-engine track."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np

from makeittalk_blender.core import face_rig, trackfile
from support.blender_synth import (PORTRAIT, evaluated_landmarks, evaluated_vertices, make_track, real_speech_track,
                                   with_turn)
from support.panel_layout import _Layout

WIDTH_SHARE = 0.001          # the landmarks land on the track within 0.1 % of the image width


def _build(scene, track):
    from makeittalk_blender.blender import scene_builder
    return scene_builder.build_scene(scene, track, str(PORTRAIT))


def _vertices(bpy, scene, ob, frame):
    return evaluated_vertices(bpy, scene, ob, frame)


def _head_fcurves(bpy):
    from makeittalk_blender.blender import compat
    act = bpy.data.actions["MIT Take 1 Head"]
    return {(fc.data_path, fc.array_index): fc for fc in compat.action_slot_fcurves(act)}


def test_head_yaw_and_pitch_come_from_the_track_and_landmarks_stay_on_it(bpy_mod, scene):
    from makeittalk_blender.blender import scene_builder

    track = with_turn(make_track(60, fps=30.0, noise=0.0), 8.0, 5.0)
    ob = _build(scene, track)
    fcs = _head_fcurves(bpy_mod)
    yaw, pitch = fcs[("rotation_euler", 2)], fcs[("rotation_euler", 0)]
    head = scene_builder.find_role(scene, "head")
    assert head.rotation_mode == "YXZ"
    for f in (1, 20, 45):
        p = track.head_pose[f - 1]
        assert abs(math.degrees(yaw.evaluate(f)) - p["yaw_deg"]) < 0.2
        assert abs(math.degrees(pitch.evaluate(f)) - p["pitch_deg"]) < 0.2
        scene.frame_set(f)
        assert abs(math.degrees(head.matrix_local.to_euler("YXZ").z) - p["yaw_deg"]) < 0.2
        got = evaluated_landmarks(bpy_mod, scene, ob, f)
        assert np.linalg.norm(got - track.frames[f - 1, :, :2], axis=1).max() <= WIDTH_SHARE * track.width
    # the rest of the face turns in depth: a cheek / forehead vertex moves against the flat take
    turned = _vertices(bpy_mod, scene, ob, 20)
    bpy_mod.ops.wm.read_factory_settings(use_empty=True)
    flat = _build(bpy_mod.context.scene, with_turn(track, 0.0, 0.0))
    straight = _vertices(bpy_mod, bpy_mod.context.scene, flat, 20)
    assert np.abs(turned[:68, [0, 2]] - straight[:68, [0, 2]]).max() < 0.004        # landmarks: both on the track
    moved = np.abs(turned[68:, [0, 2]] - straight[68:, [0, 2]]).max()
    print("turn moves non-landmark vertices by", moved / (2.0 / track.width), "px")
    assert moved > 0.02         # > 2.5 px: the face turns


def test_fitted_handle_keys_evaluate_in_blender_as_planned(bpy_mod, scene):
    from makeittalk_blender.blender import compat

    track = real_speech_track()
    ob = _build(scene, track)
    act = bpy_mod.data.actions["MIT Take 1"]
    reaches = []
    for fc in compat.action_slot_fcurves(act):
        kp = fc.keyframe_points
        for a, b in zip(kp[:-1], kp[1:]):
            reaches.append((a.handle_right[0] - a.co[0]) / (b.co[0] - a.co[0]))
    assert min(reaches) < 0.3 and max(reaches) > 0.4                # handles other than at thirds
    worst = max(np.linalg.norm(evaluated_landmarks(bpy_mod, scene, ob, f) - track.frames[f - 1, :, :2], axis=1).max()
                for f in range(1, track.n_frames + 1, 3))
    assert worst <= 0.25 + 1e-3
    rec = json.loads(ob["takes"])[-1]["keys"]
    assert rec["max_keys_fraction"] <= 0.25 + 1.0 / track.n_frames and rec["max_error_px"] <= 0.25
    fit = ob.data.shape_keys.key_blocks["fit.jaw_open"]
    assert fit.id_data.animation_data.drivers.find('key_blocks["fit.jaw_open"].value') is not None
    scene.frame_set(40)
    assert fit.value == ob.data.shape_keys.key_blocks["jaw_open"].value     # the detail follows its channel


def _panel_text(bpy, log):
    from makeittalk_blender.blender import panels

    log.clear()
    panel = type("P", (), {"layout": _Layout(log)})()
    panels.VIEW3D_PT_makeittalk.draw(panel, bpy.context)
    return " ".join(x[1] for x in log if x[0] == "label")


def test_where_to_look_a_real_takes_confidence_in_the_panel_and_on_the_timeline(bpy_mod, scene, tmp_path):
    track = real_speech_track()
    assert track.phones and all("conf" in p for p in track.phones)        # the engine fills the timeline
    scene.makeittalk.image_path = str(PORTRAIT)
    path = tmp_path / "speech.json"
    trackfile.save(track, path)
    assert bpy_mod.ops.makeittalk.import_track(filepath=str(path)) == {"FINISHED"}
    log = []
    text = _panel_text(bpy_mod, log)
    assert "phones 53% sure" in text and "match the sound 53%" in text and "no stretch under 50%" in text
    assert "busiest curve jaw_open" in text
    assert not [m for m in scene.timeline_markers if m.name.startswith("MIT check")]
    # a stretch the engine was unsure of (1.0 - 2.0 s) gets a marker at its start frame, named by its span
    phones = [dict(p, conf=0.2) if 1.0 <= p["start"] < 2.0 else p for p in track.phones]
    unsure = dataclasses.replace(track, phones=phones)
    trackfile.save(unsure, path)
    assert bpy_mod.ops.makeittalk.import_track(filepath=str(path)) == {"FINISHED"}
    marks = [m for m in scene.timeline_markers if m.name.startswith("MIT check")]
    first = min(p["start"] for p in phones if p["conf"] == 0.2)
    assert len(marks) == 1 and marks[0].frame == scene.frame_start + round(first * track.fps)
    assert "-" in marks[0].name and marks[0].name.endswith("s")
    text = _panel_text(bpy_mod, log)
    assert "1 stretch to check" in text
    assert face_rig.CHANNELS[0] in scene.objects["MIT Portrait"].data.shape_keys.key_blocks


def test_every_take_of_a_portrait_shares_the_fitted_detail(bpy_mod, scene):
    """A second take (another stretch of speech) keeps the first take's detail shapes, so the first take,
    unmuted again in the NLA, still lands on its own track."""
    first = real_speech_track()
    ob = _build(scene, first)
    fit = list(ob.data["makeittalk_fit"])
    second = dataclasses.replace(first, frames=np.roll(first.frames, 37, axis=0),
                                 head_pose=first.head_pose[-37:] + first.head_pose[:-37])
    _build(scene, second)
    assert list(ob.data["makeittalk_fit"]) == fit
    got = evaluated_landmarks(bpy_mod, scene, ob, 50)
    assert np.linalg.norm(got - second.frames[49, :, :2], axis=1).max() <= 0.25 + 1e-3
    key, head = ob.data.shape_keys, scene.objects["MIT Head"]
    for id_block in (key, head):
        for tr in id_block.animation_data.nla_tracks:
            tr.mute = not tr.name.startswith("MIT Take 1")
    got = evaluated_landmarks(bpy_mod, scene, ob, 50)
    assert np.linalg.norm(got - first.frames[49, :, :2], axis=1).max() <= 0.25 + 1e-3


def test_a_portrait_made_before_the_fit_keys_gets_them_on_its_next_take(bpy_mod, scene):
    track = real_speech_track()
    ob = _build(scene, track)
    for kb in [kb for kb in ob.data.shape_keys.key_blocks if kb.name.startswith("fit.")]:
        ob.shape_key_remove(kb)                               # as a portrait of the previous version
    del ob.data["makeittalk_fit"]
    _build(scene, track)
    key = ob.data.shape_keys
    assert all("fit." + name in key.key_blocks for name in face_rig.CHANNELS)
    drv = key.animation_data.drivers.find('key_blocks["fit.smile"].value')
    assert drv is not None and len(drv.driver.variables) == 1          # no driver doubled
    got = evaluated_landmarks(bpy_mod, scene, ob, 61)
    assert np.linalg.norm(got - track.frames[60, :, :2], axis=1).max() <= 0.25 + 1e-3


def test_a_locked_head_turn_survives_a_new_take_with_another_yaw(bpy_mod, scene):
    from makeittalk_blender.blender import compat, scene_builder

    ob = _build(scene, with_turn(make_track(40, fps=30.0, noise=0.0), 6.0, 3.0))
    head = scene_builder.find_role(scene, "head")
    scene.frame_set(20)
    head.rotation_euler[2] += math.radians(12.0)                 # the artist turns the head further and keys it
    assert head.keyframe_insert("rotation_euler", index=2, frame=20)
    for fc in compat.action_slot_fcurves(head.animation_data.action):
        for kp in fc.keyframe_points:
            kp.type = "EXTREME"                                 # locked
    scene.frame_set(19)
    scene.frame_set(20)
    want = head.matrix_local.to_euler("YXZ").z
    _build(scene, with_turn(make_track(40, fps=30.0, noise=0.0, seed=3), -6.0, 1.0))   # another yaw
    scene.frame_set(19)
    scene.frame_set(20)
    assert abs(head.matrix_local.to_euler("YXZ").z - want) < math.radians(0.05)
    assert json.loads(ob["takes"])[-1]["locked"] >= 1
