"""Characters built in the tests: a mesh with named shape keys, an object with one action per mouth
shape; and the known-phone track of tests/exports saved to a file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exports"))

from support.export_helpers import phone_track  # noqa: E402,F401


def mesh_with_keys(bpy, scene, names, name="Character"):
    me = bpy.data.meshes.new(name)
    me.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    ob = bpy.data.objects.new(name, me)
    scene.collection.objects.link(ob)
    ob.shape_key_add(name="Basis", from_mix=False)
    for n in names:
        kb = ob.shape_key_add(name=n, from_mix=False)
        kb.value = 0.0
        kb.data[0].co.z = 1.0
    return ob


def object_with_pose_actions(bpy, scene, heights: dict, name="Puppet"):
    """An Empty and one action per shape (its location z is the shape's 'height')."""
    from makeittalk_blender.blender import compat

    ob = bpy.data.objects.new(name, None)
    scene.collection.objects.link(ob)
    for shape, z in heights.items():
        act = bpy.data.actions.new(shape)
        act.use_fake_user = True
        sink = compat.ChannelSink(act, "OBJECT", shape)
        fc = sink.new_fcurve("location", 2, "Mouth")
        fc.keyframe_points.add(1)
        fc.keyframe_points.foreach_set("co", [1.0, z])
        fc.update()
    return ob


def settings(scene, target, path, **kw):
    s = scene.makeittalk_character
    s.target, s.source, s.track_path = target, "FILE", str(path)
    for k, v in kw.items():
        setattr(s, k, v)
    return s


@pytest.fixture()
def take(tmp_path):
    """(the known-phone track, the file it is saved in)."""
    t = phone_track()
    path = tmp_path / "take.json"
    t.save(path)
    return t, path
