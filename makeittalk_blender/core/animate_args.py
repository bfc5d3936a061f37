"""The `makeittalk animate` options, in one place for the command (server package) and the headless job
(makeittalk_blender/headless.py) that runs it. Pure: argparse and the shared constants only."""

from __future__ import annotations

import argparse
import os

from . import constants as C

RENDER_ENGINES = ("workbench", "eevee", "cycles")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("portrait", help="portrait image (photo, painting, drawing)")
    p.add_argument("audio", help="speech recording (wav, mp3, flac, ogg)")
    p.add_argument("-o", "--output", default="talk.mp4", help="mp4 to write (default talk.mp4)")
    p.add_argument("--blend", default=None, help=".blend to save (default: next to the mp4)")
    p.add_argument("--engine", default=C.DEFAULT_ENGINE, choices=C.ENGINES, help="server engine")
    p.add_argument("--fps", type=float, default=C.DEFAULT_FPS,
                   help=f"frames per second (default {C.DEFAULT_FPS:g})")
    p.add_argument("--resolution", type=int, default=512, help="pixels of the video's larger side (default 512)")
    p.add_argument("--render-engine", choices=RENDER_ENGINES, default="workbench",
                   help="Blender render engine (default workbench; eevee is slow without a GPU)")
    p.add_argument("--samples", type=int, default=16, help="Cycles/EEVEE samples (the scene is unlit: few suffice)")
    p.add_argument("--server", default=None, help=f"server address (default {C.DEFAULT_SERVER_URL})")
    p.add_argument("--token", default=None, help="server token (env MAKEITTALK_TOKEN)")
    p.add_argument("--transcript", default=None, help="what is said (optional; improves lip timing)")
    p.add_argument("--emotion", default=C.DEFAULT_EMOTION, choices=C.EMOTIONS)
    p.add_argument("--intensity", type=float, default=C.DEFAULT_INTENSITY)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-frames", type=int, default=None, help="render only the first N frames (previews)")
    p.add_argument("--still", default=None, help="also write this frame (PNG path) of the result; see --still-frame")
    p.add_argument("--still-frame", type=int, default=None, help="frame for --still (default: the widest mouth)")


def problem(args) -> tuple[str, str] | None:
    """(code, message) for the first thing wrong with the options, or None; checked before Blender loads."""
    for path, what in ((args.portrait, "portrait"), (args.audio, "audio file")):
        if not os.path.isfile(path):
            return "missing_file", f"the {what} '{os.path.abspath(path)}' does not exist"
    if not C.fps_ok(args.fps):
        return "bad_fps", f"--fps must be above {C.FPS_MIN:g} and at most {C.FPS_MAX:g}"
    if not 16 <= args.resolution <= 8192:
        return "bad_resolution", "--resolution must be between 16 and 8192 pixels"
    if args.max_frames is not None and args.max_frames < 1:
        return "bad_max_frames", "--max-frames must be at least 1"
    return None


def server_and_token(args) -> tuple[str, str]:
    token = args.token if args.token is not None else os.environ.get("MAKEITTALK_TOKEN", "")
    url = args.server or os.environ.get("MAKEITTALK_SERVER", C.DEFAULT_SERVER_URL)
    return url, token
