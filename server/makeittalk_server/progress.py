"""Progress reporting and cancellation shared by server jobs and the command line."""

from __future__ import annotations

import threading
from typing import Callable

from .errors import Cancelled


class Progress:
    """Engines call `stage(name, fraction)` as they go and `check()` in loops.

    `fraction` is the share of the whole job done (0..1). `check()` raises Cancelled once cancel() was
    called, so a long job stops at the next check and frees its memory.
    """

    def __init__(self, on_update: Callable[[str, float], None] | None = None):
        self._on_update = on_update
        self._cancel = threading.Event()
        self.stage_name = "queued"
        self.fraction = 0.0

    def stage(self, name: str, fraction: float | None = None) -> None:
        self.check()
        self.stage_name = name
        if fraction is not None:
            self.fraction = max(self.fraction, min(1.0, float(fraction)))
        if self._on_update:
            self._on_update(self.stage_name, self.fraction)

    def sub(self, start: float, end: float) -> "SubProgress":
        return SubProgress(self, start, end)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()


class SubProgress:
    """A slice [start, end] of a parent Progress, so a stage can report 0..1 of its own."""

    def __init__(self, parent: Progress, start: float, end: float):
        self.parent, self.start, self.end = parent, start, end

    def stage(self, name: str, fraction: float | None = None) -> None:
        f = None if fraction is None else self.start + (self.end - self.start) * fraction
        self.parent.stage(name, f)

    def sub(self, start: float, end: float) -> "SubProgress":
        span = self.end - self.start
        return SubProgress(self.parent, self.start + span * start, self.start + span * end)

    def check(self) -> None:
        self.parent.check()

    @property
    def cancelled(self) -> bool:
        return self.parent.cancelled
