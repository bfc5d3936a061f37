"""Portrait -> 68 rest landmarks. dlib by default; face-alignment when its weights are on disk."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import BadInput


@dataclass
class DetectResult:
    landmarks: np.ndarray            # 68x3 pixels (z = 0 for 2-D detectors)
    detector: str
    faces_found: int
    box: tuple[float, float, float, float]   # x0, y0, x1, y1 of the face used
    notes: list[str] = field(default_factory=list)

    def info(self) -> dict:
        return {"detector": self.detector, "faces_found": self.faces_found,
                "face_box": [round(float(v), 2) for v in self.box], "notes": self.notes}


NO_FACE = ("no face was found in the portrait; place the 68 landmarks by hand (Blender: 'Place template "
           "landmarks', then adjust) and send them as rest_landmarks")


def detector_names(settings) -> list[dict]:
    from . import dlib_detector, fa_detector

    return [dlib_detector.status(), fa_detector.status(settings)]


def detect(image: np.ndarray | None, settings, prefer: str | None = None) -> DetectResult:
    """Largest face's landmarks. BadInput (422) when there is no face. A portrait seen before (same
    pixels, same detector and weights) is answered from the cache (cache.py) without loading a model;
    one a prefetch child (prefetch.py) was started for, by that child."""
    from .. import prefetch
    from . import cache

    if image is None:
        raise BadInput("no_image", "an image is needed to detect landmarks (or give rest_landmarks)")
    k = cache.key(image, _identity(image, settings, prefer))
    res = cache.get(k)
    if res is None:
        msg = prefetch.take("landmarks", k)          # the child's answer for these very pixels, if any
        res = _prefetched(msg)
        if res is None and not (msg and msg.get("found") is False):    # it saw no face: no second try
            res = _detect_uncached(image, settings, prefer)
        if res is not None:
            cache.put(k, res)
    if res is None:
        raise BadInput("no_face", NO_FACE)
    if res.faces_found > 1:
        res.notes.append(f"{res.faces_found} faces found; the largest was used")
    return res


def _use_fa(settings, prefer: str | None) -> bool:
    from . import fa_detector

    return prefer == "face_alignment" or (prefer is None and fa_detector.status(settings)["ready"])


def _identity(image, settings, prefer: str | None = None) -> str:
    """The detector part of the cache key: which detector detect() would use, and its files."""
    from . import dlib_detector, fa_detector

    return fa_detector.identity(settings) if _use_fa(settings, prefer) else dlib_detector.identity()


def _detect_uncached(image, settings, prefer: str | None):
    from . import dlib_detector, fa_detector

    return fa_detector.detect(image, settings) if _use_fa(settings, prefer) else dlib_detector.detect(image)


def is_cached(image: np.ndarray, settings) -> bool:
    """Whether detect(image, settings) would be answered from the cache (no detector model needed)."""
    from . import cache

    return cache.get(cache.key(image, _identity(image, settings))) is not None


def _prefetched(msg: dict | None):
    """A DetectResult from prefetch's child (its face, when it found one)."""
    if not msg or not msg.get("found"):
        return None
    try:
        return DetectResult(landmarks=np.asarray(msg["landmarks"], dtype=np.float64), detector=str(msg["detector"]),
                            faces_found=int(msg["faces_found"]), box=tuple(float(v) for v in msg["box"]), notes=[])
    except (KeyError, TypeError, ValueError):
        return None
