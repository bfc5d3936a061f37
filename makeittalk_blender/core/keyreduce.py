"""Keyframe reduction: a curve sampled on every frame -> a few Bezier keys that stay within a tolerance.

The keys keep the sampled value and the sampled slope at their frame (at a kink, where the motion turns
sharply, the incoming and outgoing slopes differ: a broken tangent); their handles sit one third of
the way to the neighbouring key, on the slope. A Bezier segment with handles at thirds is a cubic
Hermite segment in the frame number (its x is linear in t), so `evaluate` reproduces Blender's F-curve
evaluation exactly, and an animator gets ordinary keys with aligned handles to move.

Keys are added where the error is largest until every sampled frame is within `tol` (numpy only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Keys:
    frames: np.ndarray      # key positions as sample indices (0 .. n-1), increasing, first and last included
    values: np.ndarray
    slopes: np.ndarray      # outgoing slope, value per sample step
    slopes_in: np.ndarray | None = None    # incoming slope (None: the same as outgoing)

    def __post_init__(self):
        if self.slopes_in is None:
            self.slopes_in = self.slopes

    def __len__(self) -> int:
        return len(self.frames)

    def scaled(self, scale: float, offset: float = 0.0) -> "Keys":
        return Keys(self.frames, offset + scale * self.values, scale * self.slopes, scale * self.slopes_in)

    @property
    def broken(self) -> np.ndarray:
        """Keys whose tangent is broken (a kink)."""
        return ~np.isclose(self.slopes, self.slopes_in, rtol=1e-9, atol=1e-12)

    def handles(self, frame0: float = 0.0):
        """(left, right) handle points, each k x 2 in (frame, value), for keys placed at frame0 + index."""
        x = self.frames.astype(np.float64)
        gap_l = np.diff(x, prepend=x[0] - (x[1] - x[0] if len(x) > 1 else 1.0)) / 3.0
        gap_r = np.diff(x, append=x[-1] + (x[-1] - x[-2] if len(x) > 1 else 1.0)) / 3.0
        left = np.stack([frame0 + x - gap_l, self.values - self.slopes_in * gap_l], axis=1)
        right = np.stack([frame0 + x + gap_r, self.values + self.slopes * gap_r], axis=1)
        return left, right


def slopes_of(y: np.ndarray):
    """(incoming, outgoing) sampled slopes: central differences where the motion is smooth, one-sided
    ones at a kink (the two one-sided differences disagree by more than half their size)."""
    y = np.asarray(y, dtype=np.float64)
    if len(y) < 2:
        return np.zeros_like(y), np.zeros_like(y)
    back = np.diff(y, prepend=y[0])
    fwd = np.diff(y, append=y[-1])
    central = np.gradient(y)
    kink = np.abs(fwd - back) > 0.5 * (np.abs(fwd) + np.abs(back)) + 1e-12
    kink[[0, -1]] = False
    return np.where(kink, back, central), np.where(kink, fwd, central)


def evaluate(keys: Keys, n: int) -> np.ndarray:
    """The Hermite curve through the keys at every sample 0 .. n-1 (held flat outside the keys)."""
    x = np.arange(n, dtype=np.float64)
    kf = keys.frames
    if len(kf) == 1:
        return np.full(n, float(keys.values[0]))
    seg = np.clip(np.searchsorted(kf, x, side="right") - 1, 0, len(kf) - 2)
    a, b = kf[seg].astype(np.float64), kf[seg + 1].astype(np.float64)
    h = b - a
    t = np.clip((x - a) / h, 0.0, 1.0)
    t2, t3 = t * t, t * t * t
    return ((2 * t3 - 3 * t2 + 1) * keys.values[seg] + (t3 - 2 * t2 + t) * h * keys.slopes[seg]
            + (-2 * t3 + 3 * t2) * keys.values[seg + 1] + (t3 - t2) * h * keys.slopes_in[seg + 1])


def reduce(y: np.ndarray, tol: float, max_rounds: int = 64) -> Keys:
    """Fewest-ish keys (greedy, all segments split at their worst sample each round) with |error| <= tol
    on every sample. A flat curve gets two keys (one for a single sample)."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if n == 0:
        raise ValueError("an empty curve has no keys")
    s_in, s = slopes_of(y)
    if n == 1:
        return Keys(np.array([0]), y.copy(), np.zeros(1))
    is_key = np.zeros(n, dtype=bool)
    is_key[[0, n - 1]] = True
    tol = max(float(tol), 0.0)
    for _ in range(max_rounds):
        kf = np.flatnonzero(is_key)
        keys = Keys(kf, y[kf], s[kf], s_in[kf])
        err = np.abs(evaluate(keys, n) - y)
        if err.max() <= tol:
            return keys
        # each segment that is off gets a key at its worst sample
        seg = np.clip(np.searchsorted(kf, np.arange(n), side="right") - 1, 0, len(kf) - 2)
        bad = err > tol
        order = np.lexsort((-err, seg))            # per segment, worst sample first
        first = np.ones(n, dtype=bool)
        first[1:] = seg[order][1:] != seg[order][:-1]
        pick = order[first & bad[order]]
        is_key[pick] = True
    kf = np.arange(n)            # keys on every sample are exact (only reached with a tiny max_rounds)
    return Keys(kf, y[kf], s[kf], s_in[kf])


def reduce_many(curves: np.ndarray, tols) -> list:
    """reduce() for each row of curves (m x n) with its own tolerance."""
    tols = np.broadcast_to(np.asarray(tols, dtype=np.float64), (len(curves),))
    return [reduce(c, t) for c, t in zip(curves, tols)]
