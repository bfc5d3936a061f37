"""Keyframe reduction: a curve sampled on every frame -> a few Bezier keys that stay within a tolerance.

Keys sit on samples (the key's value is the sampled value). Each segment between two keys is a cubic
Hermite segment whose two end slopes are fitted by least squares to the samples inside it, so a key's
incoming and outgoing slopes may differ (a broken tangent, FREE handles in Blender). Handles sit one
third of the way to the neighbouring key on the fitted slope: a Bezier segment with handles at thirds
is the Hermite segment in the frame number (its x is linear in t), so `evaluate` reproduces Blender's
F-curve evaluation exactly.

Only whole frames are checked (Blender evaluates a take at whole frames), so a segment of L frames has
L - 1 samples inside it for its two slopes: fitted slopes reach about three times further than slopes
taken from the samples.

Search: for every start and every length up to LMAX the fitted segment's worst error is one small
matrix product (the least-squares operator of a segment depends only on its length), for all curves at
once; then each curve takes the longest segment that fits, start after start (greedy-longest, optimal
when fitting is monotone in the length). Pruning passes then merge neighbouring segments (longer than
LMAX in still stretches). Several curves can share their keys (a landmark's x and y): their error is the
length of the error vector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LMAX = 10             # longest segment the window search tries (longer ones come from merging)
RIDGE = 1e-4          # pulls the slopes of a one-sample segment towards flat (scale: values)


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
        """Keys whose tangent is broken (the two slopes differ)."""
        return ~np.isclose(self.slopes, self.slopes_in, rtol=1e-6, atol=1e-9)

    def handles(self, frame0: float = 0.0):
        """(left, right) handle points, each k x 2 in (frame, value), for keys placed at frame0 + index."""
        x = self.frames.astype(np.float64)
        gap_l = np.diff(x, prepend=x[0] - (x[1] - x[0] if len(x) > 1 else 1.0)) / 3.0
        gap_r = np.diff(x, append=x[-1] + (x[-1] - x[-2] if len(x) > 1 else 1.0)) / 3.0
        left = np.stack([frame0 + x - gap_l, self.values - self.slopes_in * gap_l], axis=1)
        right = np.stack([frame0 + x + gap_r, self.values + self.slopes * gap_r], axis=1)
        return left, right


def evaluate(keys: Keys, n: int) -> np.ndarray:
    """The Hermite curve through the keys at every sample 0 .. n-1 (held flat outside the keys)."""
    if len(keys.frames) == 1:
        return np.full(n, float(keys.values[0]))
    x = np.arange(n, dtype=np.float64)
    kf = keys.frames
    seg = np.clip(np.searchsorted(kf, x, side="right") - 1, 0, len(kf) - 2)
    a = kf[seg]
    h = kf[seg + 1] - a
    t = np.clip((x - a) / h, 0.0, 1.0)
    h00, h01, g1, g2 = _basis(t)
    return (h00 * keys.values[seg] + h01 * keys.values[seg + 1]
            + g1 * h * keys.slopes[seg] + g2 * h * keys.slopes_in[seg + 1])


def _basis(t):
    t2 = t * t
    t3 = t2 * t
    return 2 * t3 - 3 * t2 + 1, -2 * t3 + 3 * t2, t3 - 2 * t2 + t, t3 - t2


def _window_ops(length: int):
    """For a segment of `length` steps: (errors, slopes) operators on its window y[a .. a+length]:
    errors (length-1 x length+1) gives the fitted segment's error at the samples inside,
    slopes (2 x length+1) the fitted (outgoing, incoming) slopes times the length."""
    t = np.arange(1, length) / length
    h00, h01, g1, g2 = _basis(t)
    g = np.stack([g1, g2], axis=1)
    fit = np.linalg.solve(g.T @ g + RIDGE * np.eye(2), g.T)
    take = np.zeros((length - 1, length + 1))          # window -> what the slopes must explain
    take[:, 0], take[:, -1] = -h00, -h01
    take[np.arange(length - 1), np.arange(1, length)] = 1.0
    return (g @ fit - np.eye(length - 1)) @ take, fit @ take


def _longest(y: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """m x n: for each start, the longest segment (1 .. LMAX steps) whose fit is within tol (y: m x n x d)."""
    m, n, d = y.shape
    best = np.ones((m, n), dtype=np.int32)
    y32 = np.ascontiguousarray(y.transpose(0, 2, 1), dtype=np.float32)          # m x d x n
    lim = (tol * tol).astype(np.float32)[:, None]
    for length in range(2, min(LMAX, n - 1) + 1):
        err_op = _window_ops(length)[0].astype(np.float32)
        win = np.lib.stride_tricks.sliding_window_view(y32, length + 1, axis=2)   # m x d x starts x (L+1)
        err = (win.reshape(-1, length + 1) @ err_op.T).reshape(m, d, n - length, length - 1)
        sq = err * err if d > 1 else None
        ok = (sq.sum(axis=1).max(axis=2) if d > 1 else np.abs(err[:, 0]).max(axis=2)) <= (lim if d > 1 else np.sqrt(lim))
        best[:, :n - length][ok] = length
    return best


def _walk(best: np.ndarray) -> np.ndarray:
    """Keys of the greedy-longest walk along each row (every curve at once)."""
    m, n = best.shape
    mask = np.zeros((m, n), dtype=bool)
    mask[:, 0] = mask[:, -1] = True
    pos = np.zeros(m, dtype=np.int64)
    rows = np.arange(m)
    while True:
        live = pos < n - 1
        if not live.any():
            return mask
        pos[live] = np.minimum(pos[live] + best[rows[live], pos[live]], n - 1)
        mask[rows[live], pos[live]] = True


def _fit(y: np.ndarray, is_key: np.ndarray):
    """Least-squares slopes of every segment of rows laid end to end (y: N x d, is_key: N, each row's
    first and last samples keys). Returns (approx N x d, key indices, u_out, u_in (segments x d), the
    slopes times the segment length)."""
    kf = np.flatnonzero(is_key)
    seg = np.clip(np.cumsum(is_key) - 1, 0, len(kf) - 2)
    a, b = kf[seg], kf[seg + 1]
    h = (b - a).astype(np.float64)
    t = np.clip((np.arange(len(y)) - a) / h, 0.0, 1.0)
    h00, h01, g1, g2 = _basis(t)
    r = y - h00[:, None] * y[a] - h01[:, None] * y[b]
    ns = len(kf) - 1

    def total(w):
        return np.stack([np.bincount(seg, w[:, k], ns) for k in range(w.shape[1])], axis=1) \
            if w.ndim == 2 else np.bincount(seg, w, ns)

    g11, g12, g22 = total(g1 * g1) + RIDGE, total(g1 * g2), total(g2 * g2) + RIDGE
    b1, b2 = total(g1[:, None] * r), total(g2[:, None] * r)
    det = (g11 * g22 - g12 * g12)[:, None]
    u1 = (g22[:, None] * b1 - g12[:, None] * b2) / det
    u2 = (g11[:, None] * b2 - g12[:, None] * b1) / det
    approx = y - r + g1[:, None] * u1[seg] + g2[:, None] * u2[seg]
    return approx, kf, u1, u2


def _errors(y, is_key):
    approx, kf, _, _ = _fit(y, is_key)
    return np.sqrt(((approx - y) ** 2).sum(axis=1)), kf


def _repair(y, tolf, is_key, rounds: int = 8) -> None:
    """Add a key at the worst sample of every segment still off (the float64 check of the search)."""
    for _ in range(rounds):
        err, kf = _errors(y, is_key)
        bad = err > tolf
        if not bad.any():
            return
        seg = np.clip(np.cumsum(is_key) - 1, 0, len(kf) - 2)
        worst = np.maximum.reduceat(err, kf[:-1])
        pick = bad & (err == worst[seg])
        is_key[pick] = True
    err, _ = _errors(y, is_key)
    is_key[err > tolf] = True               # last resort: keys on the samples still off (exact there)


def _prune(y, tolf, is_key, n: int, passes: int = 6) -> None:
    """Merge neighbouring segments: each pass tries to drop every other interior key (no two dropped
    keys are neighbours) and keeps a drop when the merged segment still fits."""
    for p in range(passes):
        kf = np.flatnonzero(is_key)
        col = kf % n
        interior = np.flatnonzero((col != 0) & (col != n - 1))
        if not len(interior):
            return
        cand = interior[(interior % 2) == (p % 2)]
        if not len(cand):
            continue
        trial = is_key.copy()
        trial[kf[cand]] = False
        err, tk = _errors(y, trial)
        seg_bad = np.maximum.reduceat((err > tolf).astype(np.int8), tk[:-1]) > 0
        owner = np.searchsorted(tk, kf[cand], side="right") - 1
        keep = ~seg_bad[owner]
        is_key[kf[cand[keep]]] = False


def reduce_shared(curves: np.ndarray, tols) -> list:
    """Keys for each row of curves (m x n x d: d curves that share their key frames, e.g. x and y),
    the length of the error vector <= the row's tolerance on every sample. Returns m lists of d Keys."""
    y3 = np.asarray(curves, dtype=np.float64)
    m, n, d = y3.shape
    if n == 0:
        raise ValueError("an empty curve has no keys")
    tol = np.broadcast_to(np.maximum(np.asarray(tols, dtype=np.float64), 0.0), (m,))
    if n == 1:
        return [[Keys(np.array([0]), y3[r, :, k].copy(), np.zeros(1)) for k in range(d)] for r in range(m)]
    # the search runs in float32 against a tolerance kept 1% inside; the float64 check repairs the rest
    mask = _walk(_longest(y3, 0.99 * tol)) if n > 2 else np.ones((m, n), dtype=bool)
    yf = y3.reshape(m * n, d)
    tolf = np.repeat(tol, n) * (1 + 1e-9)
    is_key = mask.ravel()
    _repair(yf, tolf, is_key)
    _prune(yf, tolf, is_key, n)
    _repair(yf, tolf, is_key)
    return _keys_of(yf, is_key, m, n, d)


def _keys_of(yf, is_key, m, n, d) -> list:
    _, kf, u1, u2 = _fit(yf, is_key)
    h = np.diff(kf).astype(np.float64)[:, None]
    s_out, s_in = u1 / h, u2 / h                      # per segment (the one crossing rows is never used)
    out = []
    for r in range(m):
        lo, hi = np.searchsorted(kf, [r * n, (r + 1) * n - 1])
        frames = kf[lo:hi + 1] - r * n
        so = np.concatenate([s_out[lo:hi], s_in[hi - 1:hi]])         # the last key: its incoming slope
        si = np.concatenate([s_out[lo:lo + 1], s_in[lo:hi]])         # the first key: its outgoing slope
        out.append([Keys(frames, yf[kf[lo:hi + 1], k].copy(), so[:, k].copy(), si[:, k].copy())
                    for k in range(d)])
    return out


def reduce_many(curves: np.ndarray, tols, max_rounds: int | None = None) -> list:
    """Keys for each row of curves (m x n), |error| <= the row's tolerance on every sample. A flat
    curve gets two keys (one for a single sample). (max_rounds: accepted for older callers.)"""
    y2 = np.atleast_2d(np.asarray(curves, dtype=np.float64))
    return [row[0] for row in reduce_shared(y2[:, :, None], tols)]


def reduce(y: np.ndarray, tol: float, max_rounds: int | None = None) -> Keys:
    """reduce_many() for one curve."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError("an empty curve has no keys")
    return reduce_many(y[None], [tol])[0]
