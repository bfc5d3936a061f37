"""Animate from sound strips already in the sequencer: each strip is one take, placed at its time.

Track frame 0 is the strip's sound at its own start (the strip's content start, before any trim), so
lips and sound line up whatever the trim; the take's NLA strips are then cut to the strip's visible
part and play nothing outside it.
"""

from __future__ import annotations

import os

import bpy

from . import compat


def sound_strips(scene, selected_only: bool = False) -> list:
    """The user's sound strips (not the add-on's own), in time order; only the selected ones if asked
    and some are selected."""
    strips = [s for s in compat.all_strips(scene) if s.type == "SOUND" and s.get("makeittalk") is None
              and not s.mute]
    chosen = [s for s in strips if s.select]
    if selected_only and chosen:
        strips = chosen
    return sorted(strips, key=lambda s: (s.frame_final_start, s.channel))


def strip_audio_path(strip) -> str:
    sound = strip.sound
    if sound is None:
        raise ValueError(f"the sound strip '{strip.name}' has no sound")
    if sound.packed_file is not None:
        raise ValueError(f"the sound of strip '{strip.name}' is packed in the .blend: unpack it "
                         "(File > External Data > Unpack Resources) and Animate again")
    path = os.path.abspath(bpy.path.abspath(sound.filepath, library=sound.library))
    if not os.path.isfile(path):
        raise ValueError(f"the sound file of strip '{strip.name}' ({os.path.basename(path)}) is missing")
    return path


def content_start(strip) -> int:
    """The scene frame where the strip's sound begins (its trimmed-off head included)."""
    return int(round(strip.frame_start))


def trim_take(id_block, take: str, strip) -> None:
    """Cut the take's NLA strips to the sound strip's visible frames."""
    first, last = int(strip.frame_final_start), int(strip.frame_final_end) - 1
    start = content_start(strip)
    for tr in id_block.animation_data.nla_tracks:
        if tr.name != take and not tr.name.startswith(take + " "):
            continue
        for st in tr.strips:
            a0 = st.action_frame_start + max(0, first - start)
            a1 = min(st.action_frame_end, st.action_frame_start + (last - start))
            if a1 <= a0:
                continue
            st.action_frame_start, st.action_frame_end = a0, a1
            st.frame_start_ui = first if hasattr(st, "frame_start_ui") else st.frame_start
            st.extrapolation = "NOTHING"
