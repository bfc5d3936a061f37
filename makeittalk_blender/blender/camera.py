"""The add-on's camera framing the portrait (a child of the portrait, so it follows it)."""

from __future__ import annotations

import math

import bpy

from .objects import find_role, is_ours, new_object


def ensure_camera(scene, width: int, height: int, resolution: int | None = None, parent=None):
    """MIT Camera, orthographic at the image's aspect. It becomes the scene camera only when the scene has
    none or has ours already; the render size changes only when `resolution` is given (the caller asked)."""
    cam_ob = find_role(scene, "camera")
    if cam_ob is None:
        cam_ob = new_object(scene, "MIT Camera", bpy.data.cameras.new("MIT Camera"), "camera")
    parent = parent or find_role(scene, "portrait")
    if parent is not None and cam_ob.parent != parent:
        cam_ob.parent = parent
    cam = cam_ob.data
    cam.type = "ORTHO"
    cam.ortho_scale = 2.0                          # the larger side is 2 world units (PixelMap)
    cam.clip_start, cam.clip_end = 0.1, 100.0
    cam.shift_x = cam.shift_y = 0.0
    cam.sensor_fit = "AUTO"
    cam_ob.location = (0.0, -10.0, 0.0)
    cam_ob.rotation_euler = (math.pi / 2, 0.0, 0.0)
    if scene.camera is None or is_ours(scene.camera):
        scene.camera = cam_ob
    if resolution:
        set_resolution(scene, width, height, resolution)
    return cam_ob


def portrait_resolution(width: int, height: int, side: int | None = None) -> tuple[int, int]:
    """Even render size at the portrait's aspect, the larger side `side` (default the image's)."""
    side = int(side or max(width, height))
    if width >= height:
        x, y = side, max(2, int(round(side * height / width / 2)) * 2)
    else:
        x, y = max(2, int(round(side * width / height / 2)) * 2), side
    return x - x % 2, y - y % 2                     # even sizes for video codecs


def set_resolution(scene, width: int, height: int, side: int | None = None) -> None:
    r = scene.render
    r.resolution_x, r.resolution_y = portrait_resolution(width, height, side)
    r.resolution_percentage = 100
    r.pixel_aspect_x = r.pixel_aspect_y = 1.0


def setup_look(scene) -> None:
    """Colours as in the image: no view transform curve, flat unlit Workbench."""
    scene.view_settings.view_transform = "Standard"
    scene.view_settings.look = "None"
    scene.view_settings.exposure = 0.0
    scene.view_settings.gamma = 1.0
    sh = scene.display.shading
    sh.light = "FLAT"
    sh.color_type = "TEXTURE"
    for attr in ("show_shadows", "show_cavity", "show_specular_highlight", "show_object_outline"):
        if hasattr(sh, attr):
            setattr(sh, attr, False)
    scene.display.render_aa = "5"        # 8 samples cost 40% more in software GL
