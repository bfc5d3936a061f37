"""The `makeittalk` engine object (engines/base.py): checkpoints folder -> ready models -> tracks.

Frame k of the 62.5 fps track is the original's frame k. The original yields N' = T - 18 frames (fewer
if a short tail segment is dropped), which ends >= 288 ms before the audio; the remaining frames hold
the last face while the mouth closes. Other fps values resample that full track linearly in time.
Blinks use numpy's legacy RandomState(params.seed); seed 0 (the default) is the original's sequence.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ...errors import BadInput, EngineNotReady
from ...track import n_frames_for, resample
from ..base import EngineInput, EngineOutput
from . import audio2landmark, features
from .checkpoints import FILES, WHERE_TO_GET, CheckpointError, missing_files

NEEDED = ("autovc", "content", "speaker")


class MakeItTalkEngine:
    name = "makeittalk"

    def __init__(self, settings, checkpoints=None):
        self.settings = settings
        folder = checkpoints or getattr(settings, "checkpoints_dir", None)
        self.folder = str(folder) if folder else None
        self._models = None
        self._fast = None                # the fast precision's Models (fast.py), made on first use
        self._error: str | None = None
        self._error_sig = None           # the files as they were when loading failed
        self._lock = threading.Lock()
        self._cache = audio2landmark.AudioCache(4)

    # ---- readiness -----------------------------------------------------------------------------
    def _files_sig(self):
        out = []
        for w in NEEDED:
            p = Path(self.folder or ".") / FILES[w][0]
            try:
                st = p.stat()
                out.append((p.name, st.st_size, st.st_mtime_ns))
            except OSError:
                out.append((p.name, None, None))
        return tuple(out)

    def status(self) -> tuple[bool, str]:
        if self._error and self._files_sig() != self._error_sig:
            self._error = None            # the files were replaced since: try again
        if self._error:
            return False, self._error
        if not self.folder:
            return False, ("no checkpoint folder is configured; " + WHERE_TO_GET)
        if not Path(self.folder).is_dir():
            return False, f"the checkpoint folder {self.folder} does not exist; " + WHERE_TO_GET
        missing = missing_files(self.folder, NEEDED)
        if missing:
            return False, f"missing {', '.join(missing)} in {self.folder}; " + WHERE_TO_GET
        note = "" if not missing_files(self.folder, ("i2i",)) else \
            f" ({FILES['i2i'][0]} is absent: the neural renderer will not be available)"
        return True, "checkpoints found in " + self.folder + note

    def _load(self):
        with self._lock:
            if self._models is None:
                ready, reason = self.status()
                if not ready:
                    raise EngineNotReady("engine_not_ready", f"engine 'makeittalk' is not ready: {reason}")
                try:
                    self._models = audio2landmark.Models.load(self.folder, self.settings.torch_device())
                except CheckpointError as e:
                    self._error = f"{e} ({WHERE_TO_GET})"
                    self._error_sig = self._files_sig()
                    raise EngineNotReady("bad_checkpoint", f"engine 'makeittalk' cannot load its checkpoints: {e}") from None
            return self._models

    def _models_for(self, precision: str):
        models = self._load()
        if precision != "fast":
            return models
        with self._lock:
            if self._fast is None:
                from .fast import fast_models

                self._fast = fast_models(models)
            return self._fast

    def warm(self) -> None:
        """Load the networks and run one short clip so librosa/numba and the LSTMs are compiled."""
        models = self._load()
        rng = np.random.RandomState(1)
        pcm = (rng.randn(16000, 1) * 3000).astype(np.int16)
        rest = _template_face()
        audio2landmark.animate(models, pcm, rest, blink=False)

    # ---- run -------------------------------------------------------------------------------------
    def run(self, inp: EngineInput, progress) -> EngineOutput:
        p = inp.params
        precision = getattr(p, "precision", "exact")
        models = self._models_for(precision)
        pcm = features.pcm16_from_clip(inp.audio.raw, inp.audio.source_sr)
        try:
            res = audio2landmark.animate(
                models, pcm, inp.rest, image_size=(inp.width, inp.height), amp_lip_x=p.amp_lip_x,
                amp_lip_y=p.amp_lip_y, amp_pos=p.amp_pos, blink=p.blink, seed=p.seed, check=progress.check,
                report=lambda name, f: progress.stage(name, f * 0.95), audio_cache=self._cache)
        except audio2landmark.TooShort as e:
            raise BadInput("audio_too_short", str(e)) from None
        except ValueError as e:   # e.g. degenerate rest landmarks, no voiced audio
            raise BadInput("bad_input", f"makeittalk engine: {e}") from None
        duration = inp.audio.duration_s
        n62 = n_frames_for(duration, features.FPS)
        full = _fill(res.track, n62)
        frames = full if abs(p.fps - features.FPS) < 1e-9 else resample(full, features.FPS, p.fps, duration)
        progress.stage("landmarks done", 1.0)
        info = {"fps_original": features.FPS, "frames_original": int(res.track.shape[0]),
                "frames_filled": int(max(0, n62 - res.track.shape[0])), "blink_frames": res.blink_frames,
                "segments": [list(s) for s in res.segments], "device": models.device, "precision": precision,
                "timings_s": {k: round(v, 4) for k, v in res.timings.items()}}
        return EngineOutput(frames=frames, info=info)


def _fill(track: np.ndarray, n: int) -> np.ndarray:
    from .face import fill_tail

    return fill_tail(track, n)


def _template_face() -> np.ndarray:
    """A plausible 256-px face from the standard face (for warming up only)."""
    from .constants import std_face

    s = std_face()
    return np.c_[128 + s[:, 0] * 70, 110 + s[:, 1] * 70, np.zeros(68)]
