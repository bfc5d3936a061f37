"""The editing model in real Blender: sparse keys, channel sliders, Edits that survive a new take,
locked keys, handles, takes that never duplicate objects, confidence markers."""

from __future__ import annotations

import numpy as np
import pytest

from makeittalk_blender.core import face_rig
from makeittalk_blender.core import track_math as tm
from support.blender_synth import evaluated_landmarks, PORTRAIT, make_track


_landmarks = evaluated_landmarks


def _build(scene, track):
    from makeittalk_blender.blender import scene_builder
    return scene_builder.build_scene(scene, track, str(PORTRAIT))


def _edit(bpy, scene, key, name: str, frame: int, offset: float, lock: bool = False):
    """What an artist does: at `frame`, drag the slider by `offset` and key it (into the Edits action)."""
    scene.frame_set(frame)
    kb = key.key_blocks[name]
    kb.value = kb.value + offset
    assert kb.keyframe_insert("value", frame=frame)
    if lock:
        from makeittalk_blender.blender import compat
        for fc in compat.action_slot_fcurves(key.animation_data.action):
            if fc.data_path == f'key_blocks["{name}"].value':
                for kp in fc.keyframe_points:
                    if kp.co[0] == frame:
                        kp.type = "EXTREME"


def _key_head(scene, head, frame: int, axis: int, value: float) -> None:
    """Turn the head (its rotation is animated by the take) and key it, as an artist does (Edits layer)."""
    scene.frame_set(frame)
    head.rotation_euler[axis] = value
    assert head.keyframe_insert("rotation_euler", index=axis, frame=frame)


def test_sparse_keys_stay_within_the_tolerance(bpy_mod, scene):
    track = make_track(150, fps=30.0, noise=0.0)
    ob = _build(scene, track)
    rec = __import__("json").loads(ob["takes"])[-1]
    stats = rec["keys"]
    assert stats["max_error_px"] <= 0.25
    assert stats["keys_per_frame_curve"] <= 0.1, stats           # was one key per frame and curve
    assert stats["share_of_curves_within_25pct"] >= 0.95, stats
    assert stats["max_keys_fraction"] <= 0.25, stats
    for frame in range(1, 151, 7):
        err = np.linalg.norm(_landmarks(bpy_mod, scene, ob, frame) - track.frames[frame - 1, :, :2], axis=1).max()
        assert err <= 0.25 + 1e-3, (frame, err)


def test_channel_sliders_move_what_they_name(bpy_mod, scene):
    track = make_track(40, noise=0.0)
    ob = _build(scene, track)
    key = ob.data.shape_keys
    basis = face_rig.channel_basis(track.rest)
    before = _landmarks(bpy_mod, scene, ob, 12)
    _edit(bpy_mod, scene, key, "jaw_open", 12, 1.0)
    after = _landmarks(bpy_mod, scene, ob, 12)
    moved = after - before
    scale = track.head_pose[11]["scale"]
    assert moved[8, 1] == pytest.approx(basis["jaw_open"][8, 1] * scale, rel=0.05)    # the chin drops
    assert np.abs(moved[17:48]).max() < 1e-3                     # brows and eyes stay
    _edit(bpy_mod, scene, key, "blink_R", 12, 1.0)
    lids = _landmarks(bpy_mod, scene, ob, 12) - after
    assert lids[37, 1] > 2.0 and np.abs(lids[42:48]).max() < 1e-3   # the right eye closes, not the left


def test_edits_survive_a_new_take_and_locked_keys_hold_their_pose(bpy_mod, scene):
    ob = _build(scene, make_track(40, noise=0.0))
    key = ob.data.shape_keys
    _edit(bpy_mod, scene, key, "jaw_open", 10, 0.5)
    _edit(bpy_mod, scene, key, "smile", 20, 0.8)
    from makeittalk_blender.blender import compat
    for fc in compat.action_slot_fcurves(key.animation_data.action):      # select the smile key, lock it
        for kp in fc.keyframe_points:
            kp.select_control_point = '"smile"' in fc.data_path
    assert bpy_mod.ops.makeittalk.lock_keys() == {"FINISHED"}
    scene.frame_set(20)
    locked_value = key.key_blocks["smile"].value
    locked_face = _landmarks(bpy_mod, scene, ob, 20)
    again = _build(scene, make_track(40, seed=3, noise=0.0, head=False))   # another take: new prediction
    assert again == ob and ob["take"] == "MIT Take 2"
    assert key.animation_data.action.name == "MIT Edits"            # the artist's layer is still on top
    pred = {t.name: t.mute for t in key.animation_data.nla_tracks}
    assert pred["MIT Take 1"] and not pred["MIT Take 2"]
    # the unlocked edit is still an offset on the new prediction
    scene.frame_set(10)
    take2 = bpy_mod.data.actions["MIT Take 2"]
    from makeittalk_blender.blender import compat
    jaw = next(fc for fc in compat.action_slot_fcurves(take2) if '"jaw_open"' in fc.data_path)
    assert key.key_blocks["jaw_open"].value == pytest.approx(jaw.evaluate(10) + 0.5, abs=1e-4)
    # the locked key kept its pose at its frame
    scene.frame_set(20)
    assert key.key_blocks["smile"].value == pytest.approx(locked_value, abs=1e-4)
    assert __import__("json").loads(ob["takes"])[-1]["locked"] == 1
    assert np.abs(_landmarks(bpy_mod, scene, ob, 20)[48:68] - locked_face[48:68]).max() < 3.0


def test_handles_drive_the_channels(bpy_mod, scene):
    from makeittalk_blender.blender import scene_builder

    track = make_track(40, noise=0.0, head=False)
    ob = _build(scene, track)
    jaw = scene_builder.find_role(scene, "handle_jaw")
    lid = scene_builder.find_role(scene, "handle_lid_L")
    assert jaw is not None and lid is not None and not jaw.hide_get() and jaw.hide_render
    assert scene_builder.find_role(scene, "handle_corner_R") is not None
    before = _landmarks(bpy_mod, scene, ob, 5)
    basis = face_rig.channel_basis(track.rest)
    pm = tm.PixelMap(track.width, track.height)
    jaw.location.z = -basis["jaw_open"][8, 1] * pm.scale          # drag the chin handle down by one unit
    moved = _landmarks(bpy_mod, scene, ob, 5) - before
    fit = ob.data.shape_keys.key_blocks["fit.jaw_open"]      # the take's fitted detail follows its channel
    fit_chin = (fit.data[8].co.z - ob.data.shape_keys.reference_key.data[8].co.z) / -pm.scale
    assert moved[8, 1] == pytest.approx(basis["jaw_open"][8, 1] + fit_chin, rel=0.02)
    assert moved[8, 1] > 0.5 * basis["jaw_open"][8, 1]
    assert np.abs(moved[17:48]).max() < 1e-3
    jaw.location.z = 0.0
    lid.location.z = -0.5 * abs(basis["blink_L"][44, 1]) * pm.scale
    moved = _landmarks(bpy_mod, scene, ob, 5) - before
    assert moved[44, 1] > 0.4 * basis["blink_L"][44, 1] and np.abs(moved[36:42]).max() < 1e-3
    lid.location.z = 0.0
    head = scene_builder.find_role(scene, "head")          # the head is the handle for yaw and pitch too
    width = np.ptp(before[[0, 16], 0])
    _key_head(scene, head, 5, 2, 0.5)                       # yaw: the face turns, so it looks narrower
    turned = _landmarks(bpy_mod, scene, ob, 5)
    assert np.ptp(turned[[0, 16], 0]) == pytest.approx(width * np.cos(0.5), rel=0.02)
    _key_head(scene, head, 5, 2, 0.0)
    _key_head(scene, head, 5, 0, 0.4)                       # pitch: shorter from brow to chin
    nod = _landmarks(bpy_mod, scene, ob, 5)
    assert np.ptp(nod[[19, 8], 1]) == pytest.approx(np.ptp(before[[19, 8], 1]) * np.cos(0.4), rel=0.03)


def test_takes_never_duplicate_objects(bpy_mod, scene):
    _build(scene, make_track(20))
    n = len(scene.objects)
    for seed in (1, 2):
        _build(scene, make_track(20, seed=seed))
    assert len(scene.objects) == n
    names = sorted(ob.name for ob in scene.objects)
    assert all(not name.endswith(".001") for name in names), names
    ob = next(o for o in scene.objects if o.get("makeittalk") == "portrait")
    assert [t.name for t in ob.data.shape_keys.animation_data.nla_tracks if not t.mute] == ["MIT Take 3", "MIT Take 3 Detail"]


def test_confidence_in_the_take_and_markers_on_the_timeline(bpy_mod, scene):
    from makeittalk_blender.blender import panels, properties

    track = make_track(50, fps=25.0)
    track.params = {"info": {"phone_acoustic_agreement": 0.62, "phones_timeline": [
        {"start": 0.0, "end": 0.4, "phone": "HH", "conf": 0.9},
        {"start": 0.4, "end": 0.9, "phone": "AH", "conf": 0.2},
        {"start": 0.9, "end": 1.2, "phone": "L", "conf": 0.3},
        {"start": 1.2, "end": 2.0, "phone": "OW", "conf": 0.95}]}}
    _build(scene, track)
    marks = [(m.name, m.frame) for m in scene.timeline_markers]
    assert len(marks) == 1 and marks[0][1] == 1 + round(0.4 * 25)
    log = []
    from support.panel_layout import _Layout
    panel = type("P", (), {"layout": _Layout(log)})()
    properties.status().message = ""
    panels.VIEW3D_PT_makeittalk.draw(panel, bpy_mod.context)
    text = " ".join(str(x[1]) for x in log if x[0] == "label")
    assert "MIT Take 1" in text and "match the sound 62%" in text and "1 stretch to check" in text


def test_edits_survive_new_landmarks(bpy_mod, scene):
    """Corrected landmarks give the portrait a new mesh at the next take; the Edits layer comes along."""
    from makeittalk_blender.blender import compat

    ob = _build(scene, make_track(30, noise=0.0))
    _edit(bpy_mod, scene, ob.data.shape_keys, "jaw_open", 10, 0.5)
    track = make_track(30, seed=2, noise=0.0)
    track.rest = track.rest.copy()
    track.rest[30, 0] += 3.0                                     # the artist moved the nose tip
    track.frames[:, 30, 0] += 3.0
    again = _build(scene, track)
    key = again.data.shape_keys
    assert again == ob and key.animation_data.action.name == "MIT Edits"
    assert key.animation_data.action_blend_type == "ADD"
    take = next(fc for fc in compat.action_slot_fcurves(bpy_mod.data.actions["MIT Take 2"]) if '"jaw_open"' in fc.data_path)
    scene.frame_set(10)
    assert key.key_blocks["jaw_open"].value == pytest.approx(take.evaluate(10) + 0.5, abs=1e-4)
    got = _landmarks(bpy_mod, scene, again, 20)              # away from the jaw edit: the new take exactly
    err = np.linalg.norm(got[17:48] - track.frames[19, 17:48, :2], axis=1).max()
    assert err <= 0.25 + 1e-3


def test_the_panels_key_tolerance_sets_how_sparse(bpy_mod, scene, tmp_path):
    import json

    from makeittalk_blender.core import trackfile

    path = tmp_path / "t.json"
    trackfile.save(make_track(60, noise=0.3), path)               # jitter: the tolerance decides
    scene.makeittalk.image_path = str(PORTRAIT)
    counts = []
    for tol in (0.05, 1.0):
        scene.makeittalk.key_tolerance = tol
        assert bpy_mod.ops.makeittalk.import_track(filepath=str(path)) == {"FINISHED"}
        ob = next(o for o in scene.objects if o.get("makeittalk") == "portrait")
        stats = json.loads(ob["takes"])[-1]["keys"]
        assert stats["max_error_px"] <= tol
        counts.append(stats["keys"] - 2 * stats["curves"])        # keys beyond the two every curve has
    assert counts[1] < 0.6 * counts[0]
