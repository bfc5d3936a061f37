"""What the add-on may change in a scene, and the render settings it recommends instead.

A scene the add-on built from nothing (the command line's, or an empty scene on the first take) is
"owned": the add-on sets its render size, colours and engine. In any other scene nothing the user set
changes; the panel lists what would render the portrait well and offers one button to apply it.
"""

from __future__ import annotations

import bpy

from . import compat
from .camera import portrait_resolution, set_resolution, setup_look
from .objects import find_role, is_ours

OWNED = "makeittalk_owned"


def claim_if_new(scene) -> bool:
    """Decide once, at the first take, whether this scene is the add-on's own; returns owned()."""
    if OWNED not in scene:
        scene[OWNED] = all(is_ours(ob) for ob in scene.objects)
    return owned(scene)


def owned(scene) -> bool:
    return bool(scene.get(OWNED, False))


def advice(scene) -> list:
    """Plain-language differences from the recommended settings (empty when all is well)."""
    ob = find_role(scene, "portrait")
    if ob is None:
        return []
    out = []
    cam = find_role(scene, "camera")
    if cam is not None and scene.camera != cam:
        name = scene.camera.name if scene.camera is not None else "no camera"
        out.append(f"F12 renders through '{name}', not the portrait's camera")
    if scene.render.engine != "BLENDER_WORKBENCH":
        out.append("Workbench renders the portrait in a fraction of a second a frame; "
                   "EEVEE and Cycles take much longer on a CPU")
    elif scene.display.shading.color_type != "TEXTURE":
        out.append("Workbench shows the portrait only with Texture colours")
    if scene.view_settings.view_transform != "Standard":
        out.append(f"The '{scene.view_settings.view_transform}' view transform changes the portrait's colours")
    w, h = (int(v) for v in ob["image_size"])
    want = portrait_resolution(w, h)
    r = scene.render
    if r.resolution_x * want[1] != r.resolution_y * want[0]:
        out.append(f"The render size {r.resolution_x}x{r.resolution_y} does not have the portrait's shape "
                   f"({want[0]}x{want[1]} would)")
    if getattr(scene, "sync_mode", "AUDIO_SYNC") != "AUDIO_SYNC" and any(
            st.type == "SOUND" for st in compat.all_strips(scene)):
        out.append("Playback 'Sync to Audio' keeps the lips with the sound (Timeline > Playback)")
    if frames_override(scene):
        out.append("F12 shows the server's frames, not the 3D scene (see 'F12 shows' above)")
    return out


def frames_override(scene) -> bool:
    from .frames_strip import find_frames_strip
    strip = find_frames_strip(scene)
    return strip is not None and not strip.mute and scene.render.use_sequencer


def apply_recommended(scene) -> None:
    """Workbench, Texture colours, Standard view, the portrait's shape and camera (the button)."""
    ob = find_role(scene, "portrait")
    if ob is None:
        raise ValueError("there is no portrait in this scene yet (press Animate first)")
    compat.set_render_engine(scene, "workbench")
    setup_look(scene)
    w, h = (int(v) for v in ob["image_size"])
    set_resolution(scene, w, h)
    cam = find_role(scene, "camera")
    if cam is not None:
        scene.camera = cam
    scene.sync_mode = "AUDIO_SYNC"
    show_textures_in_viewports()


def show_textures_in_viewports() -> None:
    """Solid shading of open 3D views with Texture colours, so the portrait shows in the viewport."""
    for wm in bpy.data.window_managers:
        for win in getattr(wm, "windows", []):
            for area in win.screen.areas:
                if area.type != "VIEW_3D":
                    continue
                for space in area.spaces:
                    if space.type == "VIEW_3D" and space.shading.type == "SOLID":
                        space.shading.color_type = "TEXTURE"
