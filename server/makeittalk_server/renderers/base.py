"""The renderer interface."""

from __future__ import annotations

from typing import Iterator, Protocol

import numpy as np

from ..params import RenderRequest
from ..track import Track


class Renderer(Protocol):
    name: str

    def status(self) -> tuple[bool, str]:
        """(ready, reason)."""

    def render(self, track: Track, image: np.ndarray, req: RenderRequest, progress) -> Iterator[np.ndarray]:
        """Yield one H x W x 3 uint8 RGB frame per track frame (size from req, else the portrait's).
        Call progress.check() between frames."""
