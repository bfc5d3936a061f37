"""Animate from the sequencer's sound strips: one take per strip, at its time and trim (real server)."""

from __future__ import annotations

import json
import time

import numpy as np

from support.blender_synth import PORTRAIT, evaluated_vertices


def _run_to_end(timeout: float = 240.0) -> None:
    from makeittalk_blender.blender import runtime

    t0 = time.monotonic()
    while runtime.step():
        assert time.monotonic() - t0 < timeout, "task did not finish"
        time.sleep(0.05)


def _mouth(bpy, scene, ob, frame):
    return evaluated_vertices(bpy, scene, ob, frame)[48:68]


def test_each_sound_strip_makes_a_take_at_its_time_and_trim(bpy_mod, scene, server, short_speech):
    from makeittalk_blender.blender import compat, preferences, properties, scene_builder

    preferences._Defaults.server_url = server.url
    strips = compat.strips(scene)
    a = strips.new_sound("Line A", str(short_speech), 1, 20)
    if a is None:
        import pytest
        pytest.skip("this Blender build has no audio")
    a.frame_offset_start = 10                    # trimmed: heard from frame 30
    b = strips.new_sound("Line B", str(short_speech), 2, 120)
    s = scene.makeittalk
    s.image_path, s.audio_source = str(PORTRAIT), "STRIPS"
    s.use_scene_fps, s.fps = False, 25.0       # ignored for strips: they are laid out in the scene's frames
    fps = compat.scene_fps(scene)
    assert bpy_mod.ops.makeittalk.animate() == {"FINISHED"}
    _run_to_end()
    st = properties.status()
    assert st.error == "", st.error
    assert "MIT Take 1" in st.message and "MIT Take 2" in st.message and "Line B" in st.message
    assert compat.scene_fps(scene) == fps
    ob = scene_builder.find_role(scene, "portrait")
    recs = json.loads(ob["takes"])
    assert [(r["source"], r["start"]) for r in recs] == [("Line A", 20), ("Line B", 120)]
    tracks = {t.name: t for t in ob.data.shape_keys.animation_data.nla_tracks}
    sa = tracks["MIT Take 1"].strips[0]
    assert sa.frame_start == a.frame_final_start == 30 and sa.action_frame_start == 30   # keys at scene frames: lined up
    assert not tracks["MIT Take 1"].mute and not tracks["MIT Take 2"].mute              # both play, each in its time
    assert tracks["MIT Take 2"].strips[0].frame_start == 120
    assert scene.frame_end >= b.frame_final_end - 1
    rest = _mouth(bpy_mod, scene, ob, 25)         # trimmed-off head: no take plays yet
    talking = max(np.abs(_mouth(bpy_mod, scene, ob, f) - rest).max() for f in range(32, 60, 3))
    assert talking > 1e-3
    assert np.abs(_mouth(bpy_mod, scene, ob, 100) - rest).max() < 1e-6     # between the lines: at rest
    assert not [x for x in compat.all_strips(scene) if x.get("makeittalk") == "audio"]   # no extra sound strip
    # animating again replaces each strip's take and keeps the other one playing
    b.select, a.select = True, False
    assert bpy_mod.ops.makeittalk.animate() == {"FINISHED"}
    _run_to_end()
    mutes = {t.name: t.mute for t in ob.data.shape_keys.animation_data.nla_tracks}
    assert mutes["MIT Take 2"] and not mutes["MIT Take 3"] and not mutes["MIT Take 1"]
