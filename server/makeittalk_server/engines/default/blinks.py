"""Eye blinks: a natural rate (about 15-20 a minute, irregular) and shape (fast close, slower open),
drawn to phrase pauses where people tend to blink. Deterministic for a seed."""

from __future__ import annotations

import numpy as np

MEAN_INTERVAL = 3.6       # s between blinks on average (~17/min)
MIN_INTERVAL = 1.2
CLOSE_S, HOLD_S, OPEN_S = 0.08, 0.05, 0.15   # typical durations; each blink varies them a little
UPPER = {37: 41, 38: 40, 43: 47, 44: 46}    # upper-lid point -> the lower-lid point it meets


def blink_times(duration: float, rng: np.random.Generator, pauses: list[tuple[float, float]]) -> list[float]:
    starts = [p[0] + 0.05 for p in pauses]
    out, t = [], rng.uniform(0.4, MEAN_INTERVAL)
    while t < duration:
        near = [s for s in starts if abs(s - t) < 0.8]
        out.append(min(near, key=lambda s: abs(s - t)) if near else t)
        t = out[-1] + max(MIN_INTERVAL, rng.gamma(3.0, MEAN_INTERVAL / 3.0))
    return out


def blink_curve(times: np.ndarray, duration: float, rng: np.random.Generator,
                pauses: list[tuple[float, float]]) -> np.ndarray:
    """Eyelid closure 0 (open) .. 1 (closed) at `times`."""
    c = np.zeros(len(times))
    for t0 in blink_times(duration, rng, pauses):
        k = rng.uniform(0.8, 1.3)
        a, h, o = CLOSE_S * k, HOLD_S * k, OPEN_S * k
        lo, hi = np.searchsorted(times, t0), np.searchsorted(times, t0 + a + h + o)
        t = times[lo:hi] - t0
        v = np.where(t < a, np.sin(0.5 * np.pi * t / a) ** 2,
                     np.where(t < a + h, 1.0, np.cos(0.5 * np.pi * (t - a - h) / o) ** 2))
        np.maximum(c[lo:hi], v, out=c[lo:hi])
    return c


def add_offsets(off: np.ndarray, rest: np.ndarray, closure: np.ndarray) -> np.ndarray:
    """Eyelid offsets added into an existing n x 68 x 3 array (no frame-sized temporary); returns it.
    Upper lids travel most of the way down, lower lids rise a little."""
    for up, low in UPPER.items():
        gap = rest[low, 1] - rest[up, 1]
        if gap <= 0:
            continue
        off[:, up, 1] += 0.85 * gap * closure
        off[:, low, 1] -= 0.15 * gap * closure
    return off
