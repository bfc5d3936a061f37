"""Keyframe reduction: a curve sampled on every frame -> a few Bezier keys that stay within a tolerance.

The keys keep the sampled value and the sampled slope at their frame (at a kink, where the motion turns
sharply, the incoming and outgoing slopes differ: a broken tangent); their handles sit one third of
the way to the neighbouring key, on the slope. A Bezier segment with handles at thirds is a cubic
Hermite segment in the frame number (its x is linear in t), so `evaluate` reproduces Blender's F-curve
evaluation exactly, and an animator gets ordinary keys with aligned handles to move.

Keys are added where the error is largest until every sampled frame is within `tol`, then keys the
search did not need are dropped again (numpy only).
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
    if len(keys.frames) == 1:
        return np.full(n, float(keys.values[0]))
    return _hermite(np.arange(n, dtype=np.float64), keys.frames, keys.values, keys.slopes, keys.slopes_in)[0]


def _hermite(x, kf, v, s_out, s_in, seg=None):
    """The Hermite curve through keys kf (values v, slopes) at samples x (kf increasing, sorted x)."""
    if seg is None:
        seg = np.maximum(np.searchsorted(kf, x, side="right") - 1, 0)
    seg = np.minimum(seg, max(len(kf) - 2, 0))      # the last sample is the end of the last segment
    a = kf[seg]
    h = kf[seg + 1] - a                              # keys are distinct samples: h >= 1
    t = (x - a) / h                                  # in 0..1: samples lie between their keys
    t2 = t * t
    t3 = t2 * t
    return ((2 * t3 - 3 * t2 + 1) * v[seg] + (t3 - 2 * t2 + t) * h * s_out[seg]
            + (-2 * t3 + 3 * t2) * v[seg + 1] + (t3 - t2) * h * s_in[seg + 1]), seg


PEAKS_AFTER = 6      # rounds of one key per segment; then every error peak above the tolerance gets one


def _round(y, s_in, s_out, tol, is_key, rnd, last):
    """One round on rows laid end to end (flat arrays); marks new keys in is_key; True when all fit."""
    kf = np.flatnonzero(is_key)
    x = np.arange(len(y), dtype=y.dtype)
    approx, seg = _hermite(x, kf.astype(y.dtype), y[kf], s_out[kf], s_in[kf], np.cumsum(is_key) - 1)
    err = np.abs(approx - y)
    bad = err > tol
    if not bad.any():
        return True
    worst = np.maximum.reduceat(err, kf[:-1])            # the worst error of each segment
    if last:                   # out of rounds: the segments still off get a key on every sample (exact)
        is_key |= (worst > tol[kf[:-1]])[seg] | bad
        return True
    pick = bad & (err == worst[seg])
    if rnd >= PEAKS_AFTER:
        peak = np.ones_like(bad)
        peak[1:] &= err[1:] >= err[:-1]
        peak[:-1] &= err[:-1] >= err[1:]
        pick |= bad & peak
        is_key[pick] = True
    else:
        idx = np.flatnonzero(pick)
        _, first = np.unique(seg[idx], return_index=True)     # one new key per segment
        is_key[idx[first]] = True
    return False


def _prune(y, s_in, s_out, tol, mask, passes: int = 4) -> None:
    """Drop keys the greedy search did not need: each pass tries every other interior key (so no two
    removed keys are neighbours) and keeps a removal when the merged segment is still within tolerance."""
    m, n = mask.shape
    yf, sif, sof = y.ravel(), s_in.ravel(), s_out.ravel()
    tolf = np.repeat(tol, n)
    x = np.arange(m * n, dtype=y.dtype)
    for p in range(passes):
        is_key = mask.ravel().copy()
        kf = np.flatnonzero(is_key)
        col = kf % n
        interior = np.flatnonzero((col != 0) & (col != n - 1))
        cand = interior[(interior % 2) == (p % 2)]
        if not len(cand):
            break
        trial = is_key.copy()
        trial[kf[cand]] = False
        tk = np.flatnonzero(trial)
        approx, seg = _hermite(x, tk.astype(y.dtype), yf[tk], sof[tk], sif[tk], np.cumsum(trial) - 1)
        bad = np.abs(approx - yf) > tolf
        seg_bad = np.maximum.reduceat(bad.astype(np.int8), tk[:-1]) > 0
        # a removed key lies inside exactly one merged segment: keep it removed when that one fits
        owner = np.searchsorted(tk, kf[cand], side="right") - 1
        keep_removed = ~seg_bad[owner]
        if not keep_removed.any():
            continue
        is_key[kf[cand[keep_removed]]] = False
        mask[:] = is_key.reshape(m, n)


def reduce_many(curves: np.ndarray, tols, max_rounds: int = 48) -> list:
    """Fewest-ish keys for each row of curves (m x n), |error| <= its tolerance on every sample.

    Greedy: every segment that is off gets a key at its worst sample, each round, for all curves at once
    (the rows still off are laid end to end; a curve's first and last samples are keys, so no segment
    crosses from one curve into the next). After a few rounds every local error peak above the
    tolerance gets a key (fast motion needs many keys; one per segment and round would take hundreds of
    rounds). A flat curve gets two keys (one for a single sample)."""
    y2 = np.atleast_2d(np.asarray(curves, dtype=np.float64))
    m, n = y2.shape
    if n == 0:
        raise ValueError("an empty curve has no keys")
    tol = np.broadcast_to(np.maximum(np.asarray(tols, dtype=np.float64), 0.0), (m,))
    s_in2, s_out2 = np.empty_like(y2), np.empty_like(y2)
    for r in range(m):
        s_in2[r], s_out2[r] = slopes_of(y2[r])
    mask = np.zeros((m, n), dtype=bool)
    mask[:, [0, n - 1]] = True
    active = np.arange(m)
    # the search runs in float32 (twice as fast; its rounding is a millionth of the tolerance) against a
    # tolerance kept 1% inside, so the float64 curve is within the tolerance too
    y32, si32, so32 = y2.astype(np.float32), s_in2.astype(np.float32), s_out2.astype(np.float32)
    tol32 = (0.99 * tol).astype(np.float32)
    for rnd in range(max_rounds):
        if not len(active) or n < 3:
            break
        sub = mask[active].ravel()
        done_all = _round(y32[active].ravel(), si32[active].ravel(), so32[active].ravel(),
                          np.repeat(tol32[active], n), sub, rnd, rnd == max_rounds - 1)
        sub = sub.reshape(len(active), n)
        grew = (sub != mask[active]).any(axis=1)
        mask[active] = sub
        active = active[grew] if not done_all else active[:0]
    rows = np.flatnonzero(mask.sum(axis=1) > 2)          # only curves with interior keys can lose some
    if n >= 3 and len(rows):
        sub = mask[rows]
        _prune(y32[rows], si32[rows], so32[rows], tol32[rows], sub)
        mask[rows] = sub
    out = []
    for r in range(m):
        kf = np.flatnonzero(mask[r])
        out.append(Keys(kf, y2[r, kf].copy(), s_out2[r, kf].copy(), s_in2[r, kf].copy()))
    return out


def reduce(y: np.ndarray, tol: float, max_rounds: int = 64) -> Keys:
    """reduce_many() for one curve."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError("an empty curve has no keys")
    if len(y) == 1:
        return Keys(np.array([0]), y.copy(), np.zeros(1))
    return reduce_many(y[None], [tol], max_rounds)[0]
