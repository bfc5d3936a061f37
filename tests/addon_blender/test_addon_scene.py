"""The scene builder inside real Blender: vertex positions, F-curves, sound, fps, renders, takes."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from makeittalk_blender.core import track_math as tm
from makeittalk_blender.core import trackfile
from support.blender_synth import evaluated_landmarks, PORTRAIT, SPEECH, make_track


_evaluated_landmarks = evaluated_landmarks


def _render(bpy, scene, frame: int, path) -> np.ndarray:
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = str(path)
    scene.frame_set(frame)
    bpy.ops.render.render(write_still=True)
    return _pixels(bpy, path)


def _pixels(bpy, path) -> np.ndarray:
    img = bpy.data.images.load(str(path), check_existing=False)
    a = np.array(img.pixels[:], dtype=np.float64).reshape(img.size[1], img.size[0], 4)[::-1, :, :3]
    bpy.data.images.remove(img)
    return a


@pytest.fixture()
def built(bpy_mod, scene):
    from makeittalk_blender.blender import scene_builder

    track = make_track(40, fps=25.0)
    ob = scene_builder.build_scene(scene, track, str(PORTRAIT), str(SPEECH))
    return track, ob


def test_every_landmark_follows_the_track(bpy_mod, scene, built):
    track, ob = built
    for frame in (1, 2, 9, 17, 33, 40):
        got = _evaluated_landmarks(bpy_mod, scene, ob, frame)
        err = np.linalg.norm(got - track.frames[frame - 1, :, :2], axis=1).max()
        assert err < 0.001 * track.width, f"frame {frame}: landmark off by {err:.4f} px"
        assert err <= 0.25 + 1e-3            # the keyframe reduction's tolerance
    # moving the portrait object moves the rig with it: local positions are unchanged
    ob.location = (0.5, 0.0, -0.25)
    ob.rotation_euler = (0.0, 0.3, 0.0)
    got = _evaluated_landmarks(bpy_mod, scene, ob, 17)
    assert np.linalg.norm(got - track.frames[16, :, :2], axis=1).max() <= 0.25 + 1e-3


def _take_fcurves(bpy, name):
    from makeittalk_blender.blender import compat
    return compat.action_slot_fcurves(bpy.data.actions[name])


def test_channels_residual_and_head_are_nla_layers_under_the_edits(bpy_mod, scene, built):
    from makeittalk_blender.blender import compat, scene_builder
    from makeittalk_blender.core import face_rig

    track, ob = built
    key = ob.data.shape_keys
    chans = _take_fcurves(bpy_mod, "MIT Take 1")
    assert sorted(fc.data_path.split('"')[1] for fc in chans) == sorted(face_rig.CHANNELS)
    assert {compat.fcurve_group_name(fc) for fc in chans} == {"Channels"}
    detail = _take_fcurves(bpy_mod, "MIT Take 1 Detail")
    assert len(detail) == 136
    for fc in detail:
        i = int(fc.data_path.split('"lm')[1][:2])
        assert compat.fcurve_group_name(fc) == tm.region_of(i)
        assert 2 <= len(fc.keyframe_points) <= track.n_frames
        assert all(kp.interpolation == "BEZIER" and kp.handle_left_type in ("ALIGNED", "FREE")
                   for kp in fc.keyframe_points)
    hfcs = _take_fcurves(bpy_mod, "MIT Take 1 Head")
    assert sorted((fc.data_path, fc.array_index) for fc in hfcs) == \
        [("location", 0), ("location", 1), ("location", 2), ("rotation_euler", 0), ("rotation_euler", 1),
         ("rotation_euler", 2), ("scale", 0), ("scale", 1), ("scale", 2)]
    head = scene_builder.find_role(scene, "head")
    for id_block, tracks, edits in ((key, ["MIT Take 1", "MIT Take 1 Detail"], "MIT Edits"),
                                    (head, ["MIT Take 1 Head"], "MIT Edits Head")):
        ad = id_block.animation_data
        assert [t.name for t in ad.nla_tracks] == tracks
        assert ad.action.name == edits and ad.action_blend_type == "ADD"
    gap = track.frames[:, 66, 1] - track.frames[:, 62, 1]
    scene.frame_set(int(np.argmax(gap)) + 1)
    assert key.key_blocks["jaw_open"].value > 0.3          # the prediction drives the named channel
    scene.frame_set(int(np.argmin(gap)) + 1)
    assert abs(key.key_blocks["jaw_open"].value) < 0.1


def test_sound_strip_fps_and_frame_range(bpy_mod, scene, built):
    from makeittalk_blender.blender import compat, sound

    track, ob = built
    with wave.open(str(SPEECH), "rb") as w:
        seconds = w.getnframes() / w.getframerate()
    strip = sound.find_sound_strip(scene)
    assert strip is not None and strip.frame_start == 1
    fps = compat.scene_fps(scene)
    assert fps == pytest.approx(25.0)
    assert abs(strip.frame_final_duration - seconds * fps) <= 1.0
    assert (scene.frame_start, scene.frame_end) == (1, track.n_frames)


@pytest.mark.parametrize("fps", [24.0, 29.97, 62.5])
def test_fractional_fps(bpy_mod, scene, fps):
    from makeittalk_blender.blender import compat, scene_builder

    track = make_track(8, fps=fps)
    scene_builder.build_scene(scene, track, str(PORTRAIT))
    assert compat.scene_fps(scene) == pytest.approx(fps, rel=1e-6)
    assert scene.frame_end == 8


def test_new_take_reuses_the_objects(bpy_mod, scene, built):
    from makeittalk_blender.blender import scene_builder

    track, ob = built
    n_objects = len(scene.objects)
    again = scene_builder.build_scene(scene, make_track(10, seed=5), str(PORTRAIT), str(SPEECH))
    assert again == ob and len(scene.objects) == n_objects
    assert again["take"] == "MIT Take 2"
    assert bpy_mod.data.actions.get("MIT Take 1") is not None     # the first take is kept, muted
    tracks = {t.name: t.mute for t in ob.data.shape_keys.animation_data.nla_tracks}
    assert tracks == {"MIT Take 1": True, "MIT Take 1 Detail": True, "MIT Take 2": False, "MIT Take 2 Detail": False}
    assert scene.frame_end == 10
    strips = [s for s in scene.sequence_editor.strips_all] if hasattr(scene.sequence_editor, "strips_all") \
        else list(scene.sequence_editor.sequences_all)
    assert len(strips) == 1


def test_mesh_has_uvs_mouth_material_and_camera_framing(bpy_mod, scene, built):
    track, ob = built
    me = ob.data
    assert me.uv_layers.active is not None
    mats = [m.name for m in me.materials]
    assert mats[1] == "MIT Mouth"
    mouth = [p for p in me.polygons if p.material_index == 1]
    assert mouth and all(set(p.vertices) <= set(range(60, 68)) for p in mouth)
    cam = scene.camera
    assert cam.data.type == "ORTHO" and cam.data.ortho_scale == pytest.approx(2.0)
    assert scene.render.resolution_x * track.height == scene.render.resolution_y * track.width


def test_workbench_render_matches_the_portrait_and_an_open_mouth_changes_only_the_mouth(bpy_mod, scene, tmp_path):
    from makeittalk_blender.blender import scene_builder

    track = make_track(40, fps=25.0, head=False, noise=0.0)
    ob = scene_builder.build_scene(scene, track, str(PORTRAIT))
    src = _pixels(bpy_mod, PORTRAIT)
    still = track.frames[:, 66, 1] - track.frames[:, 62, 1]
    rest_frame = int(np.argmin(still)) + 1
    open_frame = int(np.argmax(still)) + 1
    a = _render(bpy_mod, scene, rest_frame, tmp_path / "rest.png")
    assert a.shape == src.shape
    corr = np.corrcoef(a.ravel(), src.ravel())[0, 1]
    assert corr > 0.95, corr
    b = _render(bpy_mod, scene, open_frame, tmp_path / "open.png")
    diff = np.abs(b - a).max(axis=2) > 0.08
    ys, xs = np.nonzero(diff)
    assert diff.sum() > 100                              # the mouth did open
    lm = track.frames[open_frame - 1]
    x0, x1 = lm[2:15, 0].min(), lm[2:15, 0].max()       # the lower face, cheek to cheek
    y0, y1 = lm[29, 1], lm[8, 1] + 6
    inside = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    assert inside.mean() > 0.97, inside.mean()
    assert not diff[: int(lm[27, 1])].any()            # nothing changes above the nose bridge


def test_landmarks_to_correct_round_trip_and_template(bpy_mod, scene):
    from makeittalk_blender.blender import scene_builder
    from support.blender_synth import monalisa_rest

    rest, w, h = monalisa_rest()
    ob = scene_builder.place_landmarks(scene, rest, w, h)
    np.testing.assert_allclose(scene_builder.read_landmarks(scene)[:, :2], rest[:, :2], atol=1e-4)
    ob.data.vertices[30].co.x += 0.1                     # the artist drags the nose tip right
    got = scene_builder.read_landmarks(scene)
    assert got[30, 0] - rest[30, 0] == pytest.approx(0.1 / tm.PixelMap(w, h).scale, rel=1e-4)
    from makeittalk_blender.blender.operators import job_params
    params = job_params(scene.makeittalk, scene, got)            # what Animate sends
    assert params["rest_landmarks"][30][0] == pytest.approx(got[30, 0])
    assert params["fps"] == pytest.approx(scene.render.fps / scene.render.fps_base)   # the scene's by default
    scene.makeittalk.image_path = str(PORTRAIT)
    assert bpy_mod.ops.makeittalk.place_template() == {"FINISHED"}
    tpl = scene_builder.read_landmarks(scene, str(PORTRAIT))
    assert scene_builder.read_landmarks(scene, "/elsewhere/other.png") is None   # not for another portrait
    assert tpl.shape == (68, 3) and not np.allclose(tpl[:, :2], rest[:, :2], atol=1.0)
    assert scene_builder.find_role(scene, "portrait") is not None      # the portrait shows at rest


def test_export_writes_what_the_scene_plays_and_import_builds_it(bpy_mod, scene, built, tmp_path):
    track, ob = built
    path = tmp_path / "take.json"
    assert bpy_mod.ops.makeittalk.export_track(filepath=str(path)) == {"FINISHED"}
    back = trackfile.load(path)
    assert back.n_frames == track.n_frames and back.fps == pytest.approx(track.fps)
    np.testing.assert_allclose(back.frames[:, :, :2], track.frames[:, :, :2], atol=0.251)
    np.testing.assert_allclose(back.rest[:, :2], track.rest[:, :2], atol=2e-3)
    for a, b in zip(back.head_pose, track.head_pose):
        assert a["roll_deg"] == pytest.approx(b["roll_deg"], abs=0.15)   # the head keys' tolerance (0.25 px at the face's edge)
        assert a["tx"] == pytest.approx(b["tx"], abs=0.26)
    # import it back without a server: a new take that plays the same motion
    scene.makeittalk.image_path = str(PORTRAIT)
    assert bpy_mod.ops.makeittalk.import_track(filepath=str(path)) == {"FINISHED"}
    assert ob["take"] == "MIT Take 2"
    got = _evaluated_landmarks(bpy_mod, scene, ob, 12)
    assert np.abs(got - track.frames[11, :, :2]).max() < 0.5      # two reductions of 0.25 px each


def test_import_of_a_broken_file_shows_the_reason(bpy_mod, scene, tmp_path):
    from makeittalk_blender.blender import properties

    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "makeittalk-track", "version": 1, "fps": 25}')
    scene.makeittalk.image_path = str(PORTRAIT)
    with pytest.raises(RuntimeError, match="no 'width'"):      # bpy turns the operator's ERROR report into this
        bpy_mod.ops.makeittalk.import_track(filepath=str(bad))
    assert "no 'width'" in properties.status().error
