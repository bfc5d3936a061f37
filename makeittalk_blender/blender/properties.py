"""Panel settings (saved with the scene) and the live job status (window manager, never saved)."""

from __future__ import annotations

import bpy
from bpy.props import (BoolProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty,
                       StringProperty)

EMOTIONS = [(e, e.title(), f"{e.title()} expression") for e in ("neutral", "happy", "sad", "surprised", "angry")]
_KNOWN_ENGINES = [("default", "Default", "Works with nothing downloaded"),
                  ("makeittalk", "MakeItTalk", "Official MakeItTalk networks (needs the checkpoints)")]
_engine_items = list(_KNOWN_ENGINES[:1])   # kept alive for Blender; only what is known to work


_ENGINE_HELP = {n: d for n, _t, d in _KNOWN_ENGINES}
_ENGINE_TITLE = {n: t for n, t, _d in _KNOWN_ENGINES}


def engine_title(name: str) -> str:
    return _ENGINE_TITLE.get(name, name.replace("_", " ").title())


def set_engines(names) -> None:
    """Engines the server reported ready (health), the only ones the engine menu offers."""
    global _engine_items
    items = [(n, engine_title(n), _ENGINE_HELP.get(n, "An engine of the server")) for n in names if n]
    _engine_items = items or list(_KNOWN_ENGINES[:1])


def _engines(self, context):
    return _engine_items


def _get_f12(self):
    from .scene_settings import frames_override
    return 1 if frames_override(self.id_data) else 0


def _set_f12(self, value):
    from .frames_strip import show_frames
    show_frames(self.id_data, value == 1)
    if value == 1:
        self.id_data.render.use_sequencer = True


class MITSettings(bpy.types.PropertyGroup):
    image_path: StringProperty(name="Portrait", subtype="FILE_PATH", description="Photo, painting or drawing of a face")
    audio_path: StringProperty(name="Audio", subtype="FILE_PATH", description="Speech recording (wav, mp3, flac, ogg)")
    engine: EnumProperty(name="Engine", items=_engines, description="How the server turns speech into motion")
    use_scene_fps: BoolProperty(name="Scene fps", default=True, description="Animate at the scene's frame rate")
    fps: FloatProperty(name="fps", default=25.0, min=1.0, max=240.0)
    amp_lip_x: FloatProperty(name="Lips width", default=2.0, min=0.0, max=10.0, description="MakeItTalk's lip amplitude across")
    amp_lip_y: FloatProperty(name="Lips opening", default=2.0, min=0.0, max=10.0, description="MakeItTalk's lip amplitude up-down")
    amp_pos: FloatProperty(name="Head motion", default=0.5, min=0.0, max=5.0, description="MakeItTalk's head-motion amplitude")
    blink: BoolProperty(name="Blink", default=True)
    emotion: EnumProperty(name="Emotion", items=EMOTIONS, default="neutral")
    intensity: FloatProperty(name="Intensity", default=0.5, min=0.0, max=1.0, subtype="FACTOR")
    seed: IntProperty(name="Seed", default=0, min=0)
    transcript: StringProperty(name="Transcript", default="", description="What is said (optional: improves lip timing)")
    key_tolerance: FloatProperty(name="Key tolerance", default=0.25, min=0.01, max=5.0, precision=2,
                                 description="How far (pixels) the sparse keys may stray from the prediction: "
                                             "larger means fewer keys to edit")
    audio_source: EnumProperty(name="Audio from", default="FILE", items=[
        ("FILE", "File", "The audio file above; the take starts at frame 1"),
        ("STRIPS", "Sound strips", "The sound strips of the Video Sequencer (the selected ones, else all): "
                                   "one take per strip, at the strip's time and trim")])
    f12_shows: EnumProperty(name="F12 shows", get=_get_f12, set=_set_f12, items=[
        ("SCENE", "3D scene", "Render the animated portrait (your edits show)"),
        ("FRAMES", "Server frames", "Render the frames the server made (the image strip in the sequencer)")])
    renderer: EnumProperty(name="Renderer", items=[("warp", "Warp", "Warp the portrait along the landmarks"),
                                                   ("neural", "Neural", "MakeItTalk's image-to-image network")])


class MITStatus(bpy.types.PropertyGroup):
    busy: BoolProperty(default=False)
    task: StringProperty(default="")
    phase: StringProperty(default="")
    stage: StringProperty(default="")
    progress: FloatProperty(name="Progress", default=0.0, min=0.0, max=1.0, subtype="FACTOR")
    error: StringProperty(default="")
    message: StringProperty(default="")
    server_ok: BoolProperty(default=False)
    renderers: StringProperty(default="", description="Renderers the server offers, comma separated")
    engines_note: StringProperty(default="", description="Why some engines of the server are not ready")


CLASSES = (MITSettings, MITStatus)


def register() -> None:
    bpy.types.Scene.makeittalk = PointerProperty(type=MITSettings)
    bpy.types.WindowManager.makeittalk_status = PointerProperty(type=MITStatus)


def unregister() -> None:
    del bpy.types.WindowManager.makeittalk_status
    del bpy.types.Scene.makeittalk


def status():
    """The live status (first window manager: also there in background mode)."""
    return bpy.data.window_managers[0].makeittalk_status
