"""One job, start to end: the same code for the server's worker and the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import engines, landmarks
from .audio import AudioClip
from .engines.base import EngineInput
from .params import JobParams
from .progress import Progress
from .track import Track, as_68x3, n_frames_for


def rest_landmarks(image: np.ndarray | None, params: JobParams, settings, progress=None) -> tuple[np.ndarray, dict]:
    """The 68 rest points: from params when given, else detected on the image."""
    if params.rest_landmarks is not None:
        return as_68x3(params.rest_landmarks), {"detector": "given"}
    if progress:
        progress.stage("landmarks", 0.02)
    res = landmarks.detect(image, settings)
    return res.landmarks, res.info()


def make_track(audio: AudioClip, image: np.ndarray | None, params: JobParams, settings,
               progress: Progress | None = None, width: int | None = None, height: int | None = None,
               rest_info: dict | None = None) -> Track:
    """rest_info: how params.rest_landmarks were found, when the caller detected them itself."""
    progress = progress or Progress()
    engine = engines.get(params.engine, settings, checkpoint_dir(settings, params))
    engines.require_ready(engine)
    rest, det_info = rest_landmarks(image, params, settings, progress)
    det_info = rest_info or det_info
    if image is not None:
        height, width = image.shape[:2]
    if width is None or height is None:
        raise ValueError("width and height are needed when no image is given")
    inp = EngineInput(audio=audio, rest=rest, width=int(width), height=int(height), params=params, image=image)
    out = engine.run(inp, progress.sub(0.05, 0.9))
    expected = n_frames_for(audio.duration_s, params.fps)
    if out.frames.shape[0] != expected:
        raise RuntimeError(f"engine '{engine.name}' returned {out.frames.shape[0]} frames, expected {expected}")
    info = dict(out.info)
    info.update(det_info)
    p = params.model_dump(exclude={"rest_landmarks", "checkpoints"})
    p["info"] = info
    track = Track(fps=params.fps, width=int(width), height=int(height), engine=engine.name, rest=rest,
                  frames=out.frames, head_pose=out.head_pose, params=p, duration_s=audio.duration_s,
                  phones=out.phones, words=out.words)
    progress.stage("track", 0.9)
    return track


def checkpoint_dir(settings, params: JobParams | None = None) -> str | None:
    """Checkpoint folder for a job: the request's (only under an allowed folder) or the server's."""
    if params is not None and params.checkpoints:
        return str(settings.resolve_allowed(params.checkpoints))
    return str(settings.checkpoints_dir) if settings.checkpoints_dir else None


def render_frames(track: Track, image: np.ndarray, params: JobParams, settings, out_dir: Path,
                  progress: Progress | None = None) -> int:
    """Render the track to out_dir/frame_000001.png ...; returns the frame count."""
    import cv2

    from . import renderers

    progress = progress or Progress()
    renderer = renderers.get(params.render.renderer, settings)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n = 0
    for i, frame in enumerate(renderer.render(track, image, params.render, progress)):
        progress.check()
        cv2.imwrite(str(out_dir / f"frame_{i + 1:06d}.png"), np.ascontiguousarray(frame[:, :, ::-1]),
                    [cv2.IMWRITE_PNG_COMPRESSION, 1])
        n = i + 1
        if i % 8 == 0:
            progress.stage("render", 0.9 + 0.1 * n / max(1, track.n_frames))
    return n
