"""The batch's progress bar with an ETA (stderr). On a terminal it redraws one line; otherwise it
prints a line at every tenth of the work, so logs stay short."""

from __future__ import annotations

import sys
import time


def _clock(s: float) -> str:
    s = int(max(0, s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class Bar:
    def __init__(self, total: int, audio_s: float, quiet: bool = False, stream=None, width: int = 28):
        self.total, self.audio_total = total, max(audio_s, 0.0)
        self.stream = stream or sys.stderr
        self.quiet, self.width = quiet, width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = self.failed = 0
        self.audio_done = 0.0
        self.t0 = time.monotonic()
        self._last_tenth = -1

    def eta(self) -> float | None:
        """Seconds left, by audio seconds when their total is known, else by lines."""
        elapsed = time.monotonic() - self.t0
        if self.audio_total > 0 and self.audio_done > 0:
            return elapsed * max(0.0, self.audio_total - self.audio_done) / self.audio_done
        if self.done:
            return elapsed * (self.total - self.done) / self.done
        return None

    def update(self, result: dict, planned_s: float = 0.0) -> None:
        """planned_s: this line's share of the audio total (so a failed line still counts as done)."""
        self.done += 1
        self.failed += result.get("status") != "done"
        self.audio_done += float(planned_s or result.get("audio_s") or 0.0)
        self.draw()

    def text(self) -> str:
        frac = self.done / self.total if self.total else 1.0
        fill = int(frac * self.width)
        eta = self.eta()
        fails = f", {self.failed} failed" if self.failed else ""
        return (f"[{'#' * fill}{'-' * (self.width - fill)}] {self.done}/{self.total} lines{fails}  "
                f"{_clock(time.monotonic() - self.t0)} elapsed  ETA {_clock(eta) if eta is not None else '?'}")

    def draw(self) -> None:
        if self.quiet:
            return
        if self.tty:
            print("\r" + self.text(), end="", file=self.stream, flush=True)
            return
        tenth = int(10 * self.done / self.total) if self.total else 10
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            print(self.text(), file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty and not self.quiet:
            print(file=self.stream, flush=True)
