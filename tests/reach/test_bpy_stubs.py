"""The add-on's bpy usage against the API stubs of Blender 4.2, 4.5, 5.0, 5.1 and 5.2 (tools/check_bpy_stubs.py;
the stubs are fake-bpy-module-X-Y, put in .stubs/X.Y by `install.py --dev`)."""

from support.paths import ROOT
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(ROOT / "tools"))

import check_bpy_stubs as cbs  # noqa: E402

DIRS = cbs.stub_dirs()


@pytest.fixture(scope="module")
def dirs():
    missing = [v for v in cbs.VERSIONS if v not in DIRS]
    if missing:
        pytest.fail(f"no API stubs for Blender {', '.join(missing)} in .stubs/: run python3 install.py --dev")
    return DIRS


def test_the_addon_uses_only_what_every_version_has(dirs):
    assert cbs.check(dirs, cbs.addon_files()) == []


def _write(folder: Path, rel: str, text: str) -> Path:
    f = folder / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(text)
    return f


MADE_UP = '''
import bpy
from bpy.props import StringProperty, FancyProperty


def build(scene):
    scene.render.fps = 25                     # real
    scene.render.fpz = 25                     # made up
    ob = bpy.data.objects.new("x", None)
    ob.locationz = (0, 0, 0)
    for kb in ob.data.shape_keys.key_blocks:  # Object.data is a union: not typed, not checked
        kb.whatever = 1
    bpy.ops.wm.save_as_mainfilez(filepath="x")
    bpy.ops.nosuchmodule.run()
    bpy.types.Scene.frame_startz
    bpy.types.NoSuchType
    bpy.app.handlers.render_writez.append(None)
    me = bpy.data.meshes.new("m")
    me.vertices[0].cooz = 1
'''


def test_made_up_names_are_caught(dirs, tmp_path):
    f = _write(tmp_path, "blender/made_up.py", MADE_UP)
    got = cbs.check({"5.0": dirs["5.0"]}, [f], tmp_path)
    assert sorted(got) == sorted(f"blender/made_up.py:{where} (Blender 5.0)" for where in (
        "3: bpy.props.FancyProperty does not exist",
        "8: RenderSettings.fpz does not exist",
        "10: Object.locationz does not exist",
        "13: bpy.ops.wm.save_as_mainfilez does not exist",
        "14: bpy.ops.nosuchmodule does not exist",
        "15: bpy.types.Scene has no 'frame_startz'",
        "16: bpy.types.NoSuchType does not exist",
        "17: bpy.app.handlers.render_writez does not exist",
        "19: MeshVertex.cooz does not exist"))


VERSIONED = '''
def strips(scene):
    ed = scene.sequence_editor
    return ed.strips if hasattr(ed, "strips") else ed.sequences
'''


def test_version_differences_are_allowed_only_guarded_in_compat(dirs, tmp_path):
    guarded = _write(tmp_path / "a", "blender/compat.py", VERSIONED)
    assert cbs.check(dirs, [guarded], tmp_path / "a") == []
    anywhere = _write(tmp_path / "b", "blender/takes.py", VERSIONED)
    got = cbs.check(dirs, [anywhere], tmp_path / "b")
    # 4.2 has only .sequences; 5.0 removed it for .strips
    assert got == ["blender/takes.py:4: SequenceEditor.sequences does not exist (Blender 5.0, 5.1, 5.2)",
                   "blender/takes.py:4: SequenceEditor.strips does not exist (Blender 4.2)"]
    typo = _write(tmp_path / "c", "blender/compat.py", VERSIONED.replace("ed.sequences", "ed.sequencez"))
    assert cbs.check(dirs, [typo], tmp_path / "c") == [
        "blender/compat.py:4: SequenceEditor.sequencez does not exist (Blender 4.2, 4.5, 5.0, 5.1, 5.2)"]


def test_enum_items_are_checked(dirs, tmp_path):
    f = _write(tmp_path, "blender/video.py", '''
def out(scene):
    ff = scene.render.ffmpeg
    ff.codec = "H264"
    ff.codec = "H266"
    ff.constant_rate_factor = "CUSTOM"
    scene.render.engine = "MY_ENGINE"      # engines register their names at run time: not checked
''')
    assert cbs.check(dirs, [f], tmp_path) == [
        "blender/video.py:5: FFmpegSettings.codec has no item 'H266' (Blender 4.2, 4.5, 5.0, 5.1, 5.2)",
        "blender/video.py:6: FFmpegSettings.constant_rate_factor has no item 'CUSTOM' (Blender 4.2, 4.5, 5.0)"]


def test_keyword_arguments_are_checked(dirs, tmp_path):
    f = _write(tmp_path, "blender/calls.py", '''
import bpy


def go(obj):
    obj.shape_key_add(name="k", from_mix=False)
    obj.shape_key_add(name="k", from_mixx=False)
    bpy.ops.render.render(animation=True, write_still=False)
    bpy.ops.render.render(animations=True)
''')
    assert cbs.check({"4.2": dirs["4.2"]}, [f], tmp_path) == [
        "blender/calls.py:7: Object.shape_key_add() takes no keyword 'from_mixx' (Blender 4.2)",
        "blender/calls.py:9: bpy.ops.render.render() takes no keyword 'animations' (Blender 4.2)"]


def test_writing_a_read_only_property_is_caught(dirs, tmp_path):
    f = _write(tmp_path, "blender/ro.py", '''
def go(scene):
    scene.frame_current = 3
    scene.frame_current_final = 3
    scene.render.fps += 1
''')
    assert cbs.check({"5.0": dirs["5.0"]}, [f], tmp_path) == [
        "blender/ro.py:4: Scene.frame_current_final is read-only (Blender 5.0)"]


def test_items_of_a_base_class_may_use_a_subclass_member(dirs, tmp_path):
    f = _write(tmp_path, "blender/hook.py", '''
def hook(obj, head):
    m = obj.modifiers.new("Head", "HOOK")    # a Modifier by the stubs, a HookModifier in fact
    m.object = head
    m.strength = 1.0
    m.strenght = 1.0                          # no subclass has it
''')
    assert cbs.check({"5.0": dirs["5.0"]}, [f], tmp_path) == [
        "blender/hook.py:6: Modifier.strenght does not exist (Blender 5.0)"]


EARLY = '''
import bpy


def fcurves(action):
    if not hasattr(bpy.types, "ActionSlot"):
        return list(action.fcurves)
    return [fc for layer in action.layers for strip in layer.strips for bag in strip.channelbags
            for fc in bag.fcurves]
'''


def test_an_early_return_guards_the_rest_of_a_compat_function(dirs, tmp_path):
    assert cbs.check(dirs, [_write(tmp_path / "a", "blender/compat.py", EARLY)], tmp_path / "a") == []
    got = cbs.check(dirs, [_write(tmp_path / "b", "blender/takes.py", EARLY)], tmp_path / "b")
    assert got == ["blender/takes.py:7: Action.fcurves does not exist (Blender 5.0, 5.1, 5.2)",
                   "blender/takes.py:8: Action.layers does not exist (Blender 4.2)"]
