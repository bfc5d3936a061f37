"""The engine interface: audio + rest landmarks -> landmark frames at the requested fps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..audio import AudioClip
from ..params import JobParams


@dataclass
class EngineInput:
    audio: AudioClip
    rest: np.ndarray            # 68x3 float64 pixels (x right, y down; z towards camera)
    width: int
    height: int
    params: JobParams
    image: np.ndarray | None = None   # H x W x 3 uint8 RGB, when the engine wants it


@dataclass
class EngineOutput:
    frames: np.ndarray                  # n x 68 x 3 pixels; n = track.n_frames_for(duration, params.fps)
    head_pose: list[dict] = field(default_factory=list)   # empty: fitted from frames (track.fit_head_pose)
    info: dict = field(default_factory=dict)               # engine notes, e.g. {"phones": "recognised"}
    # The timeline the engine heard, for the track (v2) and exports. Each entry:
    # {"start": s, "end": s, "phone": ARPAbet without stress ("SIL" for silence), "conf": 0..1}.
    phones: list[dict] = field(default_factory=list)
    # Words when known (transcript alignment or word recognition): {"start", "end", "word", "conf"}.
    words: list[dict] = field(default_factory=list)


class Engine(Protocol):
    name: str

    def status(self) -> tuple[bool, str]:
        """(ready, reason). reason says in plain words why not, and what to do."""

    def warm(self) -> None:
        """Load models and compile what compiles, so the first job is not slow. May raise."""

    def run(self, inp: EngineInput, progress) -> EngineOutput:
        """Animate. Call progress.stage(name, fraction) and progress.check() regularly."""
