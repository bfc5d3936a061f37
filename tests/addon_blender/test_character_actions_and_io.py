"""Apply to character with one action per mouth shape; Export from the add-on; Import cues / ARKit CSV
as a take on the portrait, and the round trip through the scene."""

from __future__ import annotations

import json

import numpy as np
import pytest

from makeittalk_blender.core import exports
from makeittalk_blender.core.exports import arkit, retarget
from support.blender_synth import PORTRAIT
from support.character_helpers import object_with_pose_actions, settings, take  # noqa: F401 (take: a fixture)

HEIGHTS = {"mouth_A": 0.0, "mouth_B": 0.2, "mouth_C": 0.5, "mouth_D": 1.0, "mouth_E": 0.4, "mouth_F": 0.3,
           "mouth_G": 0.15, "mouth_X": -0.1}               # no H: reported, the previous shape holds


def test_actions_per_mouth_shape_play_as_nla_strips(bpy_mod, scene, take):
    from makeittalk_blender.blender import properties

    track, path = take
    scene.render.fps = 30
    ob = object_with_pose_actions(bpy_mod, scene, HEIGHTS)
    settings(scene, ob, path, drive="ACTIONS", kind="CUES")
    bpy_mod.ops.makeittalk.character_map()
    assert {m.target: m.source for m in ob.makeittalk_map if m.source} == {k[-1]: k for k in HEIGHTS}
    assert bpy_mod.ops.makeittalk.character_apply() == {"FINISHED"}
    assert "strips" in properties.status().message and "H" in properties.status().message
    tr = [t for t in ob.animation_data.nla_tracks if t.name.startswith("MIT")][0]
    assert len(tr.strips) >= 10
    segs = retarget.cue_segments(track, "CUES")
    checked = 0
    for a, b, shape in segs:
        if b - a < 0.1 or shape == "H":
            continue
        frame = int(round(1 + 0.5 * (a + b) * 30))
        scene.frame_set(frame)
        assert ob.location.z == pytest.approx(HEIGHTS[f"mouth_{shape}"], abs=1e-5), (shape, frame)
        checked += 1
    assert checked >= 8


def test_export_from_the_add_on_writes_every_format(bpy_mod, scene, take, tmp_path):
    from makeittalk_blender.core import trackformat

    _, path = take
    track = trackformat.load(path)
    settings(scene, None, path)
    for fmt in exports.FORMATS:
        out = tmp_path / f"out_{fmt}"
        assert bpy_mod.ops.makeittalk.export_performance(filepath=str(out), export_format=fmt) == {"FINISHED"}
        written = out.with_suffix(exports.extension(fmt))
        assert written.read_bytes() == exports.export(track, fmt), fmt


def test_bad_track_file_is_a_message_not_a_crash(bpy_mod, scene, tmp_path):
    bad = tmp_path / "v7.json"
    bad.write_text(json.dumps({"format": "makeittalk-track", "version": 7}))
    settings(scene, None, bad)
    with pytest.raises(RuntimeError, match="version 7 is not supported"):
        bpy_mod.ops.makeittalk.export_performance(filepath=str(tmp_path / "x.csv"), export_format="arkit-csv")


def test_imported_cues_become_a_take_and_export_back_the_same(bpy_mod, scene, take, tmp_path):
    from makeittalk_blender.blender import scene_builder

    track, _ = take
    cues = tmp_path / "cues.tsv"
    cues.write_bytes(exports.export(track, "rhubarb-tsv"))
    scene.makeittalk.image_path = str(PORTRAIT)
    scene.render.fps = 30
    assert bpy_mod.ops.makeittalk.import_performance(filepath=str(cues)) == {"FINISHED"}
    ob = scene_builder.find_role(scene, "portrait")
    assert ob is not None and ob["take"].startswith("MIT Take") and scene.frame_end >= 0.95 * track.n_frames
    settings(scene, None, "", source="SCENE")
    out = tmp_path / "again.tsv"
    assert bpy_mod.ops.makeittalk.export_performance(filepath=str(out), export_format="rhubarb-tsv") == {"FINISHED"}
    assert out.read_text() == cues.read_text()
    # the mouth really moves in the scene: it opens on the D cues
    back = exports.import_file(out, fps=30)
    assert back.channels["jaw_open"].max() > 0.5


def test_imported_arkit_csv_becomes_a_take(bpy_mod, scene, take, tmp_path):
    from makeittalk_blender.blender import scene_builder, track_export

    track, _ = take
    csv = tmp_path / "take.csv"
    csv.write_bytes(exports.export(track, "arkit-csv"))
    scene.makeittalk.image_path = str(PORTRAIT)
    assert bpy_mod.ops.makeittalk.import_performance(filepath=str(csv)) == {"FINISHED"}
    assert scene_builder.find_role(scene, "portrait") is not None
    scene.frame_end = 40                                   # evaluating the first 40 frames is enough
    got = track_export.track_from_scene(scene)
    assert got.fps == 24                                   # the take comes in at the scene's fps
    jaw = arkit.weights(got.channels)[:, arkit.NAMES.index("jawOpen")]
    full = arkit.weights(track.channels)[:, arkit.NAMES.index("jawOpen")]
    want = np.interp(np.arange(40) / 24.0, np.arange(track.n_frames) / track.fps, full)
    assert np.corrcoef(jaw, want)[0, 1] > 0.95 and np.abs(jaw - want).max() < 0.05
    for key in ("yaw_deg", "pitch_deg", "roll_deg"):     # the head turn comes back out of the scene
        got_k = np.array([p[key] for p in got.head_pose])
        want_k = np.interp(np.arange(40) / 24.0, np.arange(track.n_frames) / track.fps,
                           [p[key] for p in track.head_pose])
        assert np.abs(got_k - want_k).max() < 0.3, key


def test_import_without_a_portrait_says_what_to_do(bpy_mod, scene, take, tmp_path):
    track, _ = take
    cues = tmp_path / "cues.tsv"
    cues.write_bytes(exports.export(track, "rhubarb-tsv"))
    with pytest.raises(RuntimeError, match="choose a portrait first"):
        bpy_mod.ops.makeittalk.import_performance(filepath=str(cues))


class _Layout:
    """Stands in for UILayout (none without a window); checks the names the panel uses."""

    def __init__(self, log):
        self.log, self.enabled = log, True

    def _child(self, *a, **k):
        return _Layout(self.log)
    row = column = box = _child

    def prop(self, data, name, **k):
        assert name in data.bl_rna.properties, name
        self.log.append(("prop", name))

    def operator(self, idname, **k):
        cat, op = idname.split(".")
        assert hasattr(getattr(__import__("bpy").ops, cat), op), idname
        self.log.append(("op", idname))
        return type("Op", (), {})()

    def label(self, text="", **k):
        self.log.append(("label", text))

    def prop_search(self, data, name, search_data, search_prop, **k):
        assert name in data.bl_rna.properties and search_prop in search_data.bl_rna.properties
        self.log.append(("search", search_prop))

    def template_list(self, list_id, _, data, prop, active, index, **k):
        assert prop in data.bl_rna.properties and index in active.bl_rna.properties
        self.log.append(("list", list_id))


def test_character_panel_draws_the_mapping_table(bpy_mod, scene):
    from support.character_helpers import mesh_with_keys

    from makeittalk_blender.blender import character_panel

    ob = mesh_with_keys(bpy_mod, scene, ["jawOpen"])
    settings(scene, ob, "")
    bpy_mod.ops.makeittalk.character_map()
    log = []
    panel = type("P", (), {"layout": _Layout(log)})()
    character_panel.VIEW3D_PT_makeittalk_character.draw(panel, bpy_mod.context)
    ops = {x[1] for x in log if x[0] == "op"}
    assert {"makeittalk.character_map", "makeittalk.character_apply", "makeittalk.export_performance",
            "makeittalk.import_performance"} <= ops
    assert ("list", "MAKEITTALK_UL_shape_map") in log
    assert {"target", "drive", "kind", "markers", "export_format", "source"} <= {x[1] for x in log if x[0] == "prop"}
    log.clear()
    character_panel.MAKEITTALK_UL_shape_map.draw_item(None, bpy_mod.context, _Layout(log), ob, ob.makeittalk_map[17],
                                                        0, None, "", 17)
    assert ("label", "jawOpen") in log and ("search", "key_blocks") in log


def test_glb_export_imports_into_blender_with_its_morph_animation(bpy_mod, scene, take, tmp_path):
    import addon_utils

    from makeittalk_blender.core.exports import gltf

    track, _ = take
    path = tmp_path / "face.glb"
    path.write_bytes(exports.export(track, "gltf"))
    addon_utils.enable("io_scene_gltf2")
    assert bpy_mod.ops.import_scene.gltf(filepath=str(path)) == {"FINISHED"}
    ob = [o for o in bpy_mod.data.objects if o.type == "MESH"][0]
    doc, _ = gltf.read_glb(path.read_bytes())
    names = doc["meshes"][0]["extras"]["targetNames"]
    assert [k.name for k in ob.data.shape_keys.key_blocks][1:] == names
    chin = []
    for f in range(1, int(track.duration_s * scene.render.fps), 3):
        scene.frame_set(f)
        dg = bpy_mod.context.evaluated_depsgraph_get()
        me = ob.evaluated_get(dg).to_mesh()
        chin.append(me.vertices[8].co.copy())
        ob.evaluated_get(dg).to_mesh_clear()
    zs = [c.z for c in chin]                          # glTF's y up is Blender's z up
    assert max(zs) - min(zs) > 0.01 and min(zs) < chin[0].z - 0.01   # the chin drops in Blender's playback
