"""Lists and defaults shared by the add-on, the server and the `makeittalk` command (pure: no bpy).

One place, so the panel, the HTTP API and the command line can never offer different choices.
"""

from __future__ import annotations

EMOTIONS = ("neutral", "happy", "sad", "surprised", "angry")
DEFAULT_EMOTION = "neutral"
DEFAULT_INTENSITY = 0.5

ENGINES = ("default", "makeittalk")          # the server's engine registry keys, in this order
DEFAULT_ENGINE = "default"
RENDERERS = ("warp", "neural")
DEFAULT_RENDERER = "warp"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_SERVER_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"

# Frame rate: any positive number up to FPS_MAX (FPS_MIN is exclusive: 0 itself is refused).
FPS_MIN = 0.0
FPS_MAX = 240.0
# 30, not 25: the HTTP API has always defaulted to 30, the lip-sync and speed figures were measured at
# 30, and 30 fps keeps a short bilabial closure (60-100 ms) on 2-3 frames where 25 fps may give it one.
# The add-on animates at the scene's own rate unless told otherwise, so this is only the fallback there.
DEFAULT_FPS = 30.0


def fps_ok(fps: float) -> bool:
    return FPS_MIN < fps <= FPS_MAX
