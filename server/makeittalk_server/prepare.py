"""Prepare a job once, for HTTP and the command line alike: a ready engine, the renderer (when asked),
decoded inputs and checked rest landmarks. Everything a request can get wrong fails here, as a 4xx /
one-line CLI error, before any work is queued."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import audio, engines, image, landmarks, renderers
from .audio import AudioClip
from .errors import BadInput
from .params import JobParams
from .track import as_68x3


@dataclass
class PreparedJob:
    params: JobParams
    engine: object
    renderer: object | None
    audio: AudioClip
    image: np.ndarray | None
    width: int
    height: int
    rest: np.ndarray            # 68 x 3, pixels of the portrait
    rest_info: dict             # how the rest points were found (detector, faces, notes)


def checkpoint_dir(settings, params: JobParams | None = None) -> str | None:
    """Checkpoint folder for a job: the request's (only under an allowed folder) or the server's."""
    if params is not None and params.checkpoints:
        return str(settings.resolve_allowed(params.checkpoints))
    return str(settings.checkpoints_dir) if settings.checkpoints_dir else None


def ready_engine(params: JobParams, settings):
    """The job's engine, refused (409) when it cannot run (missing checkpoints or library)."""
    engine = engines.get(params.engine, settings, checkpoint_dir(settings, params))
    engines.require_ready(engine)
    return engine


def renderer_for(params: JobParams, settings):
    return renderers.get(params.render.renderer, settings) if params.render is not None else None


def check_in_image(points: np.ndarray, width: int, height: int) -> None:
    """Given landmarks must be pixels of this portrait; a point beyond one image size off any edge means
    another image's points or normalised coordinates, which would build a broken face."""
    x, y = points[:, 0], points[:, 1]
    if (x < -width).any() or (x > 2 * width).any() or (y < -height).any() or (y > 2 * height).any():
        raise BadInput("bad_params", "rest_landmarks lie far outside the image; they must be pixel "
                       "coordinates of this image (origin top-left)")


def rest_landmarks(params: JobParams, settings, img: np.ndarray | None, width: int, height: int,
                   progress=None) -> tuple[np.ndarray, dict]:
    """The 68 rest points: from params when given (checked against the image), else detected on it."""
    if params.rest_landmarks is not None:
        pts = as_68x3(params.rest_landmarks)
        check_in_image(pts, width, height)
        return pts, {"detector": "given"}
    if img is None:
        raise BadInput("bad_params", "rest_landmarks are needed when no portrait is given")
    if progress:
        progress.stage("landmarks", 0.02)
    res = landmarks.detect(img, settings)
    return res.landmarks, res.info()


def from_decoded(params: JobParams, clip: AudioClip, img: np.ndarray | None, settings,
                 width: int | None = None, height: int | None = None, rest_info: dict | None = None,
                 progress=None) -> PreparedJob:
    """Prepare from inputs already decoded. Without an image, width and height give the frame size.
    rest_info: how params.rest_landmarks were found, when an earlier step detected them."""
    engine = ready_engine(params, settings)
    renderer = renderer_for(params, settings)
    if img is not None:
        height, width = img.shape[:2]
    if width is None or height is None:
        raise ValueError("width and height are needed when no image is given")
    rest, info = rest_landmarks(params, settings, img, int(width), int(height), progress)
    return PreparedJob(params=params, engine=engine, renderer=renderer, audio=clip, image=img,
                       width=int(width), height=int(height), rest=rest, rest_info=rest_info or info)


def prepare(params: JobParams, audio_src: bytes | str, image_src: bytes | str, settings,
            audio_name: str = "audio", image_name: str = "image", progress=None,
            before_landmarks=None) -> PreparedJob:
    """Prepare from raw inputs (uploaded bytes or file paths). The engine and renderer are checked
    before anything is decoded, so a request for a missing engine costs nothing. before_landmarks(engine):
    called once the inputs are decoded, before the landmarks are detected (or taken from a helper)."""
    engine = ready_engine(params, settings)
    renderer_for(params, settings)
    img = image.decode(image_src, name=image_name)
    clip = audio.decode(audio_src, name=audio_name)
    if before_landmarks is not None:
        before_landmarks(engine)
    return from_decoded(params, clip, img, settings, progress=progress)


def portrait_landmarks(image_src: bytes | str, settings, name: str = "image", prefer: str | None = None) -> dict:
    """`POST /v1/landmarks` and `makeittalk landmarks`: a portrait's 68 points (3 decimals), its size and
    how they were found (detector, faces_found, face_box, notes)."""
    img = image.decode(image_src, name=name)
    res = landmarks.detect(img, settings, prefer=prefer)
    return {"width": int(img.shape[1]), "height": int(img.shape[0]), **res.info(),
            "landmarks": [[round(float(v), 3) for v in p] for p in res.landmarks]}

