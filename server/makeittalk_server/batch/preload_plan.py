"""Which preload modules the batch's fork server imports for these lines (see preload.py)."""

from __future__ import annotations

MAX_PORTRAITS_CHECKED = 32      # past this many portraits, checking the cache costs more than the model


def modules(lines) -> list[str]:
    out = ["makeittalk_server.batch.preload"]
    if any((ln.params.get("engine") or "default") != "default" or ln.render for ln in lines):
        out.append("makeittalk_server.batch.preload_torch")
    if _needs_detector(lines):
        out.append("makeittalk_server.batch.preload_dlib")
    if any(ln.params.get("transcript") for ln in lines):
        out.append("makeittalk_server.batch.preload_transcripts")
    return out


def _needs_detector(lines) -> bool:
    """True unless every portrait that needs detection is in the landmark cache already."""
    portraits = sorted({ln.portrait for ln in lines
                        if not ln.params.get("rest_landmarks_file") and ln.params.get("rest_landmarks") is None})
    if not portraits:
        return False
    if len(portraits) > MAX_PORTRAITS_CHECKED:
        return True
    try:
        from .. import image, landmarks
        from ..config import Settings

        settings = Settings.from_env()
        return not all(landmarks.is_cached(image.decode(p), settings) for p in portraits)
    except Exception:     # an unreadable portrait: its lines will say so; the model may still be needed
        return True
