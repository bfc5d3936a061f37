"""What one job may cost: rendered pixels, disk for its frames, and room in the queue."""

from __future__ import annotations

import shutil

from .errors import BadInput, UserError

MB = 1024 * 1024
PNG_BYTES_PER_PIXEL = 1.5    # fast PNG of a portrait frame, measured roughly; an estimate, on the safe side


def render_size(params, image_shape) -> tuple[int, int]:
    """The frame size a render will have: the asked one, else the portrait's."""
    h, w = image_shape[:2]
    r = params.render
    return int(r.width or w), int(r.height or h)


def check_render(params, duration_s: float, image_shape, settings, work_dir) -> None:
    """Refuse a render that would take more pixels, or more disk, than this server has to give."""
    if params.render is None:
        return
    from .track import n_frames_for

    w, h = render_size(params, image_shape)
    n = n_frames_for(duration_s, params.fps)
    pixels = float(n) * w * h
    limit = settings.max_render_gigapixels * 1e9
    if pixels > limit:
        raise BadInput("render_too_large", f"rendering {n} frames of {w}x{h} is {pixels / 1e9:.0f} gigapixels; "
                       f"this server renders at most {settings.max_render_gigapixels:g} per job: use shorter "
                       "audio, a lower fps or a smaller size")
    need = pixels * PNG_BYTES_PER_PIXEL + settings.min_free_disk_mb * MB
    free = free_bytes(work_dir)
    if free is not None and need > free:
        raise BadInput("not_enough_disk", f"the frames would need about {need / MB / 1024:.1f} GB of disk and the "
                       f"server has {free / MB / 1024:.1f} GB free: render fewer or smaller frames")


def free_bytes(path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def check_disk(work_dir, settings) -> None:
    """While rendering: stop before the disk is full rather than write broken frames."""
    free = free_bytes(work_dir)
    if free is not None and free < settings.min_free_disk_mb * MB / 2:
        raise UserError("disk_full", f"the server's disk is almost full ({free / MB:.0f} MB free); the render "
                        "stopped: free some space or render fewer or smaller frames", 422)


def check_queue(active: list, audio_s: float, settings) -> None:
    """A bounded queue: at most max_queue jobs waiting or running, holding at most so much audio."""
    if len(active) >= settings.max_queue:
        raise UserError("queue_full", f"the server already has {len(active)} jobs waiting or running (its limit); "
                        "try again when one has finished", 429)
    held = sum(j.audio.duration_s for j in active if j.audio is not None) + audio_s
    if held > settings.max_queued_audio_minutes * 60:
        raise UserError("queue_full", f"the jobs waiting on this server already hold {held / 60 - audio_s / 60:.0f} "
                        "minutes of audio; try again when one has finished", 429)
