"""Size checks from file headers, before anything is decoded, and a bound on decodes running at once.

A 3 MB PNG can hold 20000 x 20000 pixels and a 29 MB FLAC 78 minutes of audio: decoding first and
checking after costs gigabytes. Here the header says how big the thing is, so it is refused for the
price of reading a few hundred bytes.
"""

from __future__ import annotations

import io
import threading
import warnings
from contextlib import contextmanager

from .errors import BadInput, UserError

MAX_PIXELS = 8192 * 8192
MAX_CHANNELS = 32
# The command line's limits; a server applies its own settings at start (configure).
LIMITS = {"audio_seconds": 60 * 60.0}
_slots = {"sem": None, "wait_s": 30.0}      # no bound until a server sets one

try:  # Pillow reads headers lazily; its own bomb warning is noise here because we check the size ourselves
    from PIL import Image

    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
except ImportError:  # pragma: no cover - Pillow comes with the server's dependencies
    Image = None


def configure(settings) -> None:
    """Apply a server's settings (called once when the server starts)."""
    LIMITS["audio_seconds"] = float(settings.max_audio_minutes) * 60.0
    _slots["sem"] = threading.BoundedSemaphore(max(1, int(settings.decode_slots)))


@contextmanager
def decode_slot(what: str = "upload"):
    """At most `decode_slots` decodes at once; a request that waits too long is told to come back."""
    sem = _slots["sem"]
    if sem is None:
        yield
        return
    if not sem.acquire(timeout=_slots["wait_s"]):
        raise UserError("busy", f"the server is busy decoding other uploads; send the {what} again in a "
                        "moment", 429)
    try:
        yield
    finally:
        sem.release()


# ---- images ------------------------------------------------------------------------------------------
def image_size(data: bytes, name: str = "image") -> tuple[int, int]:
    """(width, height) from the header; BadInput when unreadable or over MAX_PIXELS."""
    if Image is None:  # pragma: no cover
        raise BadInput("unreadable_image", f"{name} cannot be checked: the server lacks Pillow")
    try:
        with Image.open(io.BytesIO(data)) as im:     # parses the header only; pixels stay undecoded
            w, h = im.size
    except Image.DecompressionBombError:
        raise BadInput("image_too_large", f"{name} is larger than 8192x8192 pixels, the limit") from None
    except Exception:
        raise BadInput("unreadable_image", f"{name} is not an image the server can read "
                       "(png, jpg, bmp, webp, tiff)") from None
    check_pixels(w, h, name)
    return int(w), int(h)


def check_pixels(w: int, h: int, name: str = "image") -> None:
    if w * h > MAX_PIXELS:
        raise BadInput("image_too_large", f"{name} is {w}x{h} pixels; the limit is 8192x8192")
    if w < 32 or h < 32:
        raise BadInput("image_too_small", f"{name} is {w}x{h} pixels; at least 32x32 is needed")


# ---- audio -------------------------------------------------------------------------------------------
UNKNOWN_FRAMES = 1 << 62     # libsndfile's answer when a stream does not say its length


def audio_header(sf_file, name: str = "audio") -> tuple[int, int, int | None]:
    """(rate, channels, frames or None) of an open soundfile.SoundFile; BadInput when over the limits."""
    sr, ch, frames = int(sf_file.samplerate), int(sf_file.channels), int(sf_file.frames)
    if sr <= 0 or ch <= 0:
        raise BadInput("unreadable_audio", f"{name} contains no audio samples")
    if sr > 384000:
        raise BadInput("unreadable_audio", f"{name} says it has {sr} samples a second; at most 384000 is read")
    if ch > MAX_CHANNELS:
        raise BadInput("unreadable_audio", f"{name} has {ch} channels; at most {MAX_CHANNELS} are read")
    known = frames if 0 < frames < UNKNOWN_FRAMES else None
    if known is not None:
        check_duration(known / sr, name)
    return sr, ch, known


def check_duration(seconds: float, name: str = "audio") -> None:
    limit = LIMITS["audio_seconds"]
    if seconds > limit:
        raise BadInput("audio_too_long", f"{name} is {seconds / 60:.0f} minutes long; the limit is "
                       f"{limit / 60:.0f} minutes")
