"""One job, start to end: the same code for the server's worker and the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .audio import AudioClip
from .engines.base import EngineInput
from .params import JobParams
from . import prepare
from .prepare import PreparedJob, checkpoint_dir, from_decoded, renderer_for  # noqa: F401  (checkpoint_dir: old callers)
from .progress import Progress
from .track import Track, n_frames_for


def run(prep: PreparedJob, progress: Progress | None = None) -> Track:
    """The engine on a prepared job -> the track."""
    progress = progress or Progress()
    params, audio = prep.params, prep.audio
    inp = EngineInput(audio=audio, rest=prep.rest, width=prep.width, height=prep.height, params=params,
                      image=prep.image)
    out = prep.engine.run(inp, progress.sub(0.05, 0.9))
    expected = n_frames_for(audio.duration_s, params.fps)
    if out.frames.shape[0] != expected:
        raise RuntimeError(f"engine '{prep.engine.name}' returned {out.frames.shape[0]} frames, expected {expected}")
    info = dict(out.info)
    info.update(prep.rest_info)
    p = params.model_dump(exclude={"rest_landmarks", "checkpoints"})
    p["info"] = info
    track = Track(fps=params.fps, width=prep.width, height=prep.height, engine=prep.engine.name, rest=prep.rest,
                  frames=out.frames, head_pose=out.head_pose, params=p, duration_s=audio.duration_s,
                  phones=out.phones, words=out.words)
    progress.stage("track", 0.9)
    return track


def rest_landmarks(image: np.ndarray, params: JobParams, settings, progress=None) -> tuple[np.ndarray, dict]:
    """The portrait's 68 rest points and how they were found (prepare.rest_landmarks, for callers that
    hold an image but no prepared job, e.g. the batch's once-per-portrait detection)."""
    height, width = image.shape[:2]
    return prepare.rest_landmarks(params, settings, image, int(width), int(height), progress)


def make_track(audio: AudioClip, image: np.ndarray | None, params: JobParams, settings,
               progress: Progress | None = None, width: int | None = None, height: int | None = None,
               rest_info: dict | None = None) -> Track:
    """Prepare (prepare.from_decoded) and run in one call, for decoded inputs. rest_info: how
    params.rest_landmarks were found, when the caller detected them itself."""
    progress = progress or Progress()
    prep = from_decoded(params, audio, image, settings, width, height, rest_info, progress)
    return run(prep, progress)


def render_frames(track: Track, image: np.ndarray, params: JobParams, settings, out_dir: Path,
                  progress: Progress | None = None) -> int:
    """Render the track to out_dir/frame_000001.png ...; returns the frame count."""
    from .image import write_png

    progress = progress or Progress()
    renderer = renderer_for(params, settings)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n = 0
    for i, frame in enumerate(renderer.render(track, image, params.render, progress)):
        progress.check()
        write_png(out_dir / f"frame_{i + 1:06d}.png", frame)   # a full disk fails the job plainly
        n = i + 1
        if i % 8 == 0:
            progress.stage("render", 0.9 + 0.1 * n / max(1, track.n_frames))
    return n
