"""compat.strip_span / set_strip_duration on the Blender of this venv (5.0 in CI; checked by hand on 4.5)."""

import pytest

bpy = pytest.importorskip("bpy", reason="needs Blender as a module (bpy)")


def test_strip_span_and_duration(tmp_path):
    from makeittalk_blender.blender import compat

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    img = bpy.data.images.new("probe", 8, 8)
    img.filepath_raw = str(tmp_path / "a.png")
    img.file_format = "PNG"
    img.save()
    strip = compat.strips(scene).new_image("probe", str(tmp_path / "a.png"), 1, 5)
    assert compat.strip_span(strip) == (5, 6)
    compat.set_strip_duration(strip, 7)
    assert compat.strip_span(strip) == (5, 12)
