"""Rendered frames as an image-sequence strip in the sequencer, lined up with the speech's sound strip,
so F12 / Render Animation outputs the final video through Blender's own pipeline.

One frames strip per scene (tagged like the sound strip); a new render replaces it.
Blender 4.2 .. 5.0: 5.0 renamed sequence_editor.sequences to .strips (see compat.strips).
"""

from __future__ import annotations

import os

from ..core import frames as frames_core
from . import compat, sound

STRIP_NAME = "MIT Frames"
TAG = "frames"


def _occupied(scene, channel: int, start: int, end: int) -> bool:
    for s in compat.all_strips(scene):
        if s.get("makeittalk") == TAG:
            continue
        if int(s.channel) == channel and s.frame_final_start < end and s.frame_final_end > start:
            return True
    return False


def add_frames_strip(scene, frames_dir, frame_start=None, channel=None, fps=None, match_resolution=True):
    """Add (or replace) the image-sequence strip for the numbered PNGs in frames_dir.

    frame_start: default the sound strip's start, else the scene's frame_start. channel: default the
    channel under the sound strip when it is free, else the one above it. fps: when given, the scene's
    frame rate is set to it (the track's fps) so frame k plays at k / fps seconds. match_resolution: the
    render size becomes the frames' size and the view transform Standard, so the output is pixel for pixel
    the rendered frames (the panel passes False for a user's scene: nothing the user set changes).
    Raises frames_core.FramesError for a missing folder or missing/corrupt/non-contiguous frames.
    """
    paths = frames_core.scan_folder(frames_dir)
    if fps is not None:
        compat.set_scene_fps(scene, float(fps))
    snd = sound.find_sound_strip(scene)
    if frame_start is None:
        frame_start = int(snd.frame_start) if snd is not None else int(scene.frame_start)
    frame_start = int(frame_start)
    n = len(paths)
    strips = compat.strips(scene)
    for s in list(compat.all_strips(scene)):
        if s.get("makeittalk") == TAG:
            strips.remove(s)
    if channel is None:
        channel = _default_channel(scene, snd, frame_start, frame_start + n)
    strip = strips.new_image(STRIP_NAME, os.path.abspath(paths[0]), int(channel), frame_start)
    for p in paths[1:]:
        strip.elements.append(os.path.basename(p))
    strip["makeittalk"] = TAG
    strip.frame_final_duration = n
    if match_resolution:      # the caller may change the scene (its own scene, or the tool asked)
        w, h = _png_size(paths[0])
        scene.render.resolution_x, scene.render.resolution_y = w, h
        scene.render.resolution_percentage = 100
        # The frames are final sRGB pictures: show and write them unchanged (no filmic/AgX tone mapping).
        scene.view_settings.view_transform = "Standard"
        scene.view_settings.look = "None"
    scene.render.use_sequencer = True
    end = frame_start + n - 1
    if scene.frame_end < end:
        scene.frame_end = end
    return strip


def _default_channel(scene, snd, start: int, end: int) -> int:
    if snd is None:
        return 1 if not _occupied(scene, 1, start, end) else 2
    below = int(snd.channel) - 1
    if below >= 1 and not _occupied(scene, below, start, end):
        return below
    return int(snd.channel) + 1


def _png_size(path) -> tuple[int, int]:
    with open(path, "rb") as f:
        return frames_core.png_size(f.read(), os.path.basename(path))


def find_frames_strip(scene):
    for s in compat.all_strips(scene):
        if s.get("makeittalk") == TAG:
            return s
    return None


def show_frames(scene, on: bool) -> None:
    """What F12 shows: the server's frames (strip playing) or the 3D scene (strip muted; sound still plays)."""
    strip = find_frames_strip(scene)
    if strip is not None:
        strip.mute = not on
