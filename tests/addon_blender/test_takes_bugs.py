"""The bugs of issue 10 in real Blender, driven as an artist would (operators, runtime.step, F12)."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from makeittalk_blender.core import trackfile
from support.blender_synth import PORTRAIT, SPEECH, make_track


def _run_to_end(timeout: float = 180.0) -> None:
    from makeittalk_blender.blender import runtime

    t0 = time.monotonic()
    while runtime.step():
        assert time.monotonic() - t0 < timeout, "task did not finish"
        time.sleep(0.05)


def _import_take(bpy, scene, tmp_path, track=None):
    """Animate without a server: the Import track operator builds a take the same way."""
    path = tmp_path / "take.json"
    trackfile.save(track or make_track(30, noise=0.0), path)
    scene.makeittalk.image_path = str(PORTRAIT)
    assert bpy.ops.makeittalk.import_track(filepath=str(path)) == {"FINISHED"}
    from makeittalk_blender.blender import scene_builder
    return scene_builder.find_role(scene, "portrait")


def _render(bpy, scene, path) -> np.ndarray:
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    img = bpy.data.images.load(str(path), check_existing=False)
    a = np.array(img.pixels[:], dtype=np.float64).reshape(img.size[1], img.size[0], 4)[::-1, :, :3]
    bpy.data.images.remove(img)
    return a


def _portrait_pixels(bpy) -> np.ndarray:
    img = bpy.data.images.load(str(PORTRAIT), check_existing=False)
    a = np.array(img.pixels[:], dtype=np.float64).reshape(img.size[1], img.size[0], 4)[::-1, :, :3]
    bpy.data.images.remove(img)
    return a


def test_a_job_that_ends_after_another_file_was_opened_changes_nothing_there(bpy_mod, scene, server,
                                                                               short_speech, tmp_path):
    from makeittalk_blender.blender import preferences, properties, scene_builder

    other = tmp_path / "other.blend"
    bpy_mod.ops.wm.save_as_mainfile(filepath=str(other))          # an unrelated file, scene named "Scene" too
    preferences._Defaults.server_url = server.url
    s = scene.makeittalk
    s.image_path, s.audio_path = str(PORTRAIT), str(short_speech)
    assert bpy_mod.ops.makeittalk.animate() == {"FINISHED"}
    bpy_mod.ops.wm.open_mainfile(filepath=str(other))             # the artist opens another file meanwhile
    _run_to_end()
    st = properties.status()
    assert "not built" in st.error and "no longer open" in st.error, st.error
    assert scene_builder.find_role(bpy_mod.context.scene, "portrait") is None
    assert not [ob for ob in bpy_mod.data.objects if ob.name.startswith("MIT")]
    saved = st.error.split("saved as ")[1].split(" (")[0]
    assert trackfile.load(saved).n_frames > 40                     # the work is kept (2 s of speech)
    os.remove(saved)


def test_detect_or_template_again_keeps_the_takes(bpy_mod, scene, tmp_path):
    from makeittalk_blender.blender import properties, scene_builder

    ob = _import_take(bpy_mod, scene, tmp_path)
    key = ob.data.shape_keys
    assert bpy_mod.ops.makeittalk.place_template() == {"FINISHED"}
    assert ob.data.shape_keys == key and "jaw_open" in key.key_blocks
    assert [t.name for t in key.animation_data.nla_tracks] == ["MIT Take 1", "MIT Take 1 Detail"]
    head = scene_builder.find_role(scene, "head")
    assert [t.name for t in head.animation_data.nla_tracks] == ["MIT Take 1 Head"]
    assert "keeps its takes" in properties.status().message
    lm = scene_builder.find_role(scene, "landmarks")
    assert not lm.hide_get() and len(lm.data.vertices) == 68     # the template is there to correct


def test_animate_changes_no_setting_of_the_users_scene_and_f12_can_show_the_portrait(bpy_mod, scene, tmp_path):
    from makeittalk_blender.blender import panels, properties, scene_builder, scene_settings

    bpy_mod.ops.wm.read_factory_settings(use_empty=False)        # Blender's startup scene: cube, camera, light
    scene = bpy_mod.context.scene
    r, v = scene.render, scene.view_settings
    before = (r.resolution_x, r.resolution_y, r.resolution_percentage, r.engine, v.view_transform, v.look,
              scene.display.shading.color_type, scene.camera.name, scene.sync_mode, r.fps)
    cube = bpy_mod.data.objects["Cube"]
    scene.makeittalk.audio_path = str(SPEECH)                    # with its sound strip
    ob = _import_take(bpy_mod, scene, tmp_path)
    after = (r.resolution_x, r.resolution_y, r.resolution_percentage, r.engine, v.view_transform, v.look,
             scene.display.shading.color_type, scene.camera.name, scene.sync_mode, r.fps)
    assert after[:-1] == before[:-1], (before, after)
    assert not cube.hide_get() and not cube.hide_render and cube.visible_get()     # nothing of theirs hidden
    coll = ob.users_collection[0]
    assert coll.name == "MakeItTalk" and {o.name for o in coll.objects} >= {"MIT Portrait", "MIT Camera", "MIT Head"}
    assert ob.location.x > 1.5                                   # set beside the cube, not behind it
    # the panel says what would render well and offers one button
    advice = " ".join(scene_settings.advice(scene))
    assert "'Camera'" in advice and "Workbench" in advice and "colours" in advice and "Sync to Audio" in advice
    log = []
    from support.panel_layout import _Layout
    panels.VIEW3D_PT_makeittalk.draw(type("P", (), {"layout": _Layout(log)})(), bpy_mod.context)
    assert ("op", "makeittalk.use_recommended_render") in log
    assert bpy_mod.ops.makeittalk.use_recommended_render() == {"FINISHED"}
    assert scene.camera == scene_builder.find_role(scene, "camera") and scene.render.engine == "BLENDER_WORKBENCH"
    assert scene_settings.advice(scene) == [] and properties.status().error == ""
    scene.frame_set(1)
    got = _render(bpy_mod, scene, tmp_path / "f12.png")           # F12 of the startup scene: the portrait
    src = _portrait_pixels(bpy_mod)
    assert got.shape == src.shape
    assert np.corrcoef(got.ravel(), src.ravel())[0, 1] > 0.95


def test_an_empty_scene_is_the_add_ons_own_and_is_set_up_to_render(bpy_mod, scene, tmp_path):
    ob = _import_take(bpy_mod, scene, tmp_path)
    assert scene.camera.name == "MIT Camera" and scene.render.engine == "BLENDER_WORKBENCH"
    w, h = ob["image_size"]
    assert (scene.render.resolution_x, scene.render.resolution_y) == (w, h)
    assert scene.view_settings.view_transform == "Standard"


def test_f12_shows_switches_between_server_frames_and_the_3d_scene(bpy_mod, scene, tmp_path):
    from makeittalk_blender.blender import frames_strip

    ob = _import_take(bpy_mod, scene, tmp_path)
    w, h = ob["image_size"]
    folder = tmp_path / "frames"
    folder.mkdir()
    for k in range(1, 31):                                         # the "server frames": plain green
        img = bpy_mod.data.images.new(f"f{k}", w, h)
        img.pixels.foreach_set(np.tile([0.0, 1.0, 0.0, 1.0], w * h).astype(np.float32))
        img.filepath_raw = str(folder / f"{k:06d}.png")
        img.file_format = "PNG"
        img.save()
        bpy_mod.data.images.remove(img)
    frames_strip.add_frames_strip(scene, str(folder), frame_start=1, match_resolution=False)
    s = scene.makeittalk
    assert s.f12_shows == "FRAMES"
    green = _render(bpy_mod, scene, tmp_path / "frames.png")
    assert green[..., 1].mean() > 0.95 and green[..., 0].mean() < 0.05
    s.f12_shows = "SCENE"                                          # the panel's switch
    assert frames_strip.find_frames_strip(scene).mute
    face = _render(bpy_mod, scene, tmp_path / "scene.png")
    assert np.corrcoef(face.ravel(), _portrait_pixels(bpy_mod).ravel())[0, 1] > 0.95
    s.f12_shows = "FRAMES"
    assert not frames_strip.find_frames_strip(scene).mute


def test_animate_from_edit_mode_leaves_nothing_hidden_in_edit_mode(bpy_mod, scene, tmp_path):
    from makeittalk_blender.blender import scene_builder
    from support.blender_synth import monalisa_rest

    rest, w, h = monalisa_rest()
    lm = scene_builder.place_landmarks(scene, rest, w, h, str(PORTRAIT))
    bpy_mod.context.view_layer.objects.active = lm
    bpy_mod.ops.object.mode_set(mode="EDIT")
    assert lm.mode == "EDIT"
    _import_take(bpy_mod, scene, tmp_path)
    assert lm.mode == "OBJECT" and lm.hide_get()
    assert bpy_mod.context.mode == "OBJECT"


def test_engines_offered_only_when_ready_and_why_not(bpy_mod, scene):
    from makeittalk_blender.blender import operators, properties

    msg = operators.record_health({"version": "1", "device": "cpu", "engines": [
        {"name": "default", "ready": True, "reason": ""},
        {"name": "makeittalk", "ready": False, "reason": "download ... and point --checkpoints (or "
                                                          "MAKEITTALK_CHECKPOINTS) at it"}]})
    assert [i[0] for i in properties._engines(scene.makeittalk, bpy_mod.context)] == ["default"]
    note = properties.status().engines_note
    assert "MakeItTalk is not ready" in note and "--" not in note and "preferences" in note
    assert "processor" in msg and "cpu" not in msg


def test_animate_from_sound_strips_without_any_says_so(bpy_mod, scene):
    from makeittalk_blender.blender import properties

    s = scene.makeittalk
    s.image_path, s.audio_source = str(PORTRAIT), "STRIPS"
    with pytest.raises(RuntimeError):
        bpy_mod.ops.makeittalk.animate()
    assert properties.status().error == "there is no sound strip in the Video Sequencer to animate"
