"""The speech recording as a sound strip in the sequencer (one per scene, replaced on each take)."""

from __future__ import annotations

import os

from . import compat

STRIP_NAME = "MIT Audio"


def add_sound_strip(scene, audio_path: str, frame_start: int = 1, channel: int = 1):
    if not audio_path or not os.path.isfile(audio_path):
        raise ValueError(f"the audio file '{audio_path}' does not exist")
    strips = compat.strips(scene)
    for s in list(strips):
        if s.get("makeittalk") == "audio":
            strips.remove(s)
    strip = strips.new_sound(STRIP_NAME, os.path.abspath(audio_path), channel, int(frame_start))
    strip["makeittalk"] = "audio"
    scene.sync_mode = "AUDIO_SYNC"  # playback keeps lips and sound together
    return strip


def find_sound_strip(scene):
    for s in compat.all_strips(scene):
        if s.get("makeittalk") == "audio":
            return s
    return None
