"""The speech recording as a sound strip in the sequencer (one per scene, replaced on each take)."""

from __future__ import annotations

import os

from . import compat

STRIP_NAME = "MIT Audio"


NO_AUDIO = ("this Blender build has no audio support, so the sound strip was left out; the animation is "
            "complete (add the audio in the Video Sequencer of a Blender with sound)")


def add_sound_strip(scene, audio_path: str, frame_start: int = 1, channel: int = 1):
    """The sound strip, or None when this Blender cannot load sound (e.g. some bpy module builds)."""
    if not audio_path or not os.path.isfile(audio_path):
        raise ValueError(f"the audio file '{audio_path}' does not exist")
    strips = compat.strips(scene)
    for s in list(strips):
        if s.get("makeittalk") == "audio":
            strips.remove(s)
    try:
        strip = strips.new_sound(STRIP_NAME, os.path.abspath(audio_path), channel, int(frame_start))
    except RuntimeError as e:
        if "Audaspace" not in str(e):
            raise
        return None  # the take must not be lost for want of a sound strip
    strip["makeittalk"] = "audio"
    if scene.get("makeittalk_owned"):      # the add-on's own scene; elsewhere the panel suggests it
        scene.sync_mode = "AUDIO_SYNC"     # playback keeps lips and sound together
    return strip


def find_sound_strip(scene):
    for s in compat.all_strips(scene):
        if s.get("makeittalk") == "audio":
            return s
    return None
