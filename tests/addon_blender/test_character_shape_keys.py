"""Apply to character on meshes built in the test: ARKit keys (some missing, odd naming) and visemes."""

from __future__ import annotations

import numpy as np
import pytest

from makeittalk_blender.core.exports import arkit, retarget
from support.character_helpers import mesh_with_keys, settings, take  # noqa: F401 (take: a fixture)

ARKIT_KEYS = ["JawOpen", "ARKit.eyeBlinkLeft", "mouthSmile_L", "CC_Base_mouthPucker", "mouthFunnel"]


def _value_at(bpy, scene, ob, key, frame):
    scene.frame_set(frame)
    return ob.data.shape_keys.key_blocks[key].value


def test_arkit_keys_are_found_baked_sparse_and_missing_ones_reported(bpy_mod, scene, take):
    from makeittalk_blender.blender import properties

    track, path = take
    ob = mesh_with_keys(bpy_mod, scene, ARKIT_KEYS + ["Unrelated"])
    user_action = bpy_mod.data.actions.new("users own")
    ob.data.shape_keys.animation_data_create().action = user_action
    settings(scene, ob, path, markers=True)
    assert bpy_mod.ops.makeittalk.character_map() == {"FINISHED"}
    assert ob.makeittalk_map_kind == "ARKIT" and len(ob.makeittalk_map) == 52
    found = {m.target: m.source for m in ob.makeittalk_map if m.source}
    assert found == {"jawOpen": "JawOpen", "eyeBlinkLeft": "ARKit.eyeBlinkLeft", "mouthSmileLeft": "mouthSmile_L",
                     "mouthPucker": "CC_Base_mouthPucker", "mouthFunnel": "mouthFunnel"}
    assert bpy_mod.ops.makeittalk.character_apply() == {"FINISHED"}
    msg = properties.status().message
    assert "applied to Character" in msg and "not on the character: eyeBlinkRight" in msg
    assert "eyeLookInLeft" not in msg                     # shapes the take never moves are not listed
    ad = ob.data.shape_keys.animation_data
    assert ad.action == user_action                       # the user's own action is left alone
    tracks = [t for t in ad.nla_tracks if t.name.startswith("MIT")]
    assert len(tracks) == 1 and len(tracks[0].strips) == 1
    ad.action = None
    # the evaluated key follows the ARKit weight of the take, at any scene frame
    # the evaluated key follows the take's ARKit weight in time, at the scene's own fps (24: not the take's 30)
    w = arkit.weights(track.channels)[:, arkit.NAMES.index("jawOpen")]
    times = np.arange(track.n_frames) / track.fps
    assert scene.render.fps == 24
    for f in (1, 9, 21, 33, 50):
        want = np.interp((f - 1) / 24.0, times, w)
        assert _value_at(bpy_mod, scene, ob, "JawOpen", f) == pytest.approx(want, abs=2e-3)
    from makeittalk_blender.blender import compat

    fcs = compat.action_fcurves(ob.data.shape_keys) or _strip_fcurves(compat, tracks[0].strips[0], ob.data.shape_keys)
    jaw = [fc for fc in fcs if "JawOpen" in fc.data_path][0]
    assert len(jaw.keyframe_points) < 0.8 * track.n_frames                 # sparse keys
    assert {fc.data_path.split('"')[1] for fc in fcs} == set(found.values())
    # applying again replaces its own track; markers name the words; a take's "check" marker stays
    scene.timeline_markers.new("MIT check take 1.0-2.0s", frame=25)
    assert bpy_mod.ops.makeittalk.character_apply() == {"FINISHED"}
    assert len([t for t in ad.nla_tracks if t.name.startswith("MIT")]) == 1
    names = [m.name for m in scene.timeline_markers]
    assert {"MIT hello", "MIT papa"} <= set(names) and names.count("MIT hello") == 1
    assert "MIT check take 1.0-2.0s" in names


def _strip_fcurves(compat, strip, key):
    act = strip.action
    if not compat.has_slotted_actions():
        return list(act.fcurves)
    for layer in act.layers:
        for st in layer.strips:
            bag = st.channelbag(strip.action_slot)
            if bag is not None:
                return list(bag.fcurves)
    return []


def test_mapping_is_editable_and_saved_with_the_file(bpy_mod, scene, take, tmp_path):
    track, path = take
    ob = mesh_with_keys(bpy_mod, scene, ["jaw_drop", "blink_left"])
    settings(scene, ob, path, kind="ARKIT")
    bpy_mod.ops.makeittalk.character_map()
    assert not any(m.source for m in ob.makeittalk_map)
    with pytest.raises(RuntimeError, match="no shape of Character matches the arkit names: pick"):
        bpy_mod.ops.makeittalk.character_apply()
    row = [m for m in ob.makeittalk_map if m.target == "jawOpen"][0]
    row.source, row.factor = "jaw_drop", 0.5                           # edited by hand in the table
    blend = tmp_path / "char.blend"
    bpy_mod.ops.wm.save_as_mainfile(filepath=str(blend))
    bpy_mod.ops.wm.open_mainfile(filepath=str(blend))
    ob = bpy_mod.data.objects["Character"]
    row = [m for m in ob.makeittalk_map if m.target == "jawOpen"][0]
    assert (row.source, row.factor) == ("jaw_drop", 0.5)
    scene = bpy_mod.context.scene
    settings(scene, ob, path)
    scene.render.fps = 30
    assert bpy_mod.ops.makeittalk.character_apply() == {"FINISHED"}
    w = arkit.weights(track.channels)[:, arkit.NAMES.index("jawOpen")]
    k = int(np.argmax(w))
    assert _value_at(bpy_mod, scene, ob, "jaw_drop", 1 + k) == pytest.approx(0.5 * w[k], abs=2e-3)


def test_viseme_keys_close_the_lips_on_p_b_m(bpy_mod, scene, take):
    track, path = take
    names = ["viseme_sil", "viseme_PP", "viseme_FF", "viseme_aa", "viseme_ou", "viseme_E"]
    ob = mesh_with_keys(bpy_mod, scene, names)
    settings(scene, ob, path, kind="AUTO")
    scene.render.fps = 30
    bpy_mod.ops.makeittalk.character_map()
    assert ob.makeittalk_map_kind == "VISEMES"
    assert bpy_mod.ops.makeittalk.character_apply() == {"FINISHED"}
    for p in track.phones:
        mid = 0.5 * (p["start"] + p["end"])
        frame = 1 + int(round(mid * track.fps))
        if p["phone"] in ("P", "B", "M"):
            assert _value_at(bpy_mod, scene, ob, "viseme_PP", frame) > 0.45, p
        if p["phone"] == "SIL" and p["end"] - p["start"] >= 0.3:
            assert _value_at(bpy_mod, scene, ob, "viseme_sil", frame) > 0.95, p
    assert set(retarget.match("VISEMES", names).values()) == set(names)


def test_a_character_without_shape_keys_says_so(bpy_mod, scene, take):
    _, path = take
    me = bpy_mod.data.meshes.new("Bare")
    ob = bpy_mod.data.objects.new("Bare", me)
    scene.collection.objects.link(ob)
    settings(scene, ob, path)
    with pytest.raises(RuntimeError, match="Bare has no shape keys"):
        bpy_mod.ops.makeittalk.character_map()
    from makeittalk_blender.blender import properties

    assert "has no shape keys" in properties.status().error


def test_the_scene_take_with_its_edits_drives_the_character(bpy_mod, scene, take):
    from support.blender_synth import PORTRAIT

    from makeittalk_blender.blender import scene_builder

    track, _ = take
    scene_builder.build_scene(scene, track, str(PORTRAIT))
    scene.frame_end = 45                                  # evaluating 45 frames is enough here
    ob = mesh_with_keys(bpy_mod, scene, ["jawOpen"])
    settings(scene, ob, "", source="SCENE")
    assert bpy_mod.ops.makeittalk.character_apply() == {"FINISHED"}
    got = [_value_at(bpy_mod, scene, ob, "jawOpen", f) for f in range(1, 46)]
    want = arkit.weights(track.channels)[:45, arkit.NAMES.index("jawOpen")]
    assert np.corrcoef(got, want)[0, 1] > 0.95 and np.abs(np.array(got) - want).max() < 0.05
