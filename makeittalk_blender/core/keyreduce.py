"""Keyframe reduction: a curve sampled on every frame -> a few Bezier keys that stay within a tolerance.

Keys sit on samples (the key's value is the sampled value). Each segment between two keys is a cubic
Hermite segment whose two end slopes are fitted by least squares to the samples inside it, so a key's
incoming and outgoing slopes may differ (a broken tangent, FREE handles in Blender). Handles sit one
third of the way to the neighbouring key on the fitted slope: a Bezier segment with handles at thirds
is the Hermite segment in the frame number (its x is linear in t), so `evaluate` reproduces Blender's
F-curve evaluation exactly.

Where the tolerance allows, a key then gets one slope for both sides (ALIGNED handles, no kink).
Only whole frames are checked (Blender evaluates a take at whole frames), so a segment of L frames has
L - 1 samples inside it for its two slopes: fitted slopes reach about three times further than slopes
taken from the samples.

Search: for every start and every length up to LMAX the fitted segment's worst error is one small
matrix product (the least-squares operator of a segment depends only on its length and handle reach),
for all curves at once; then each curve takes the longest segment that fits, start after start
(greedy-longest: on speech as few keys as dynamic programming finds).
Pruning passes then merge neighbouring segments (longer than LMAX in still stretches). Several curves
can share their keys (a landmark's x and y): their error is the length of the error vector.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

LMAX = 10             # longest segment the window search tries (longer ones come from merging)
RIDGE = 1e-4          # pulls the slopes of a one-sample segment towards flat (scale: values)
THIRD = 1.0 / 3.0
# handle reaches (share of the segment each handle spans in frames) tried with reach=True; thirds first
_GRID = (1.0 / 6.0, THIRD, 0.5, 2.0 / 3.0)
REACHES = ((THIRD, THIRD),) + tuple((a, b) for a in _GRID for b in _GRID if a + b <= 1.0 + 1e-9
                                    and (a, b) != (THIRD, THIRD))


@dataclass
class Keys:
    frames: np.ndarray      # key positions as sample indices (0 .. n-1), increasing, first and last included
    values: np.ndarray
    slopes: np.ndarray      # outgoing slope, value per sample step
    slopes_in: np.ndarray | None = None    # incoming slope (None: the same as outgoing)
    reach_out: np.ndarray | None = None    # right handle's share of the next segment (None: thirds)
    reach_in: np.ndarray | None = None     # left handle's share of the previous segment

    def __post_init__(self):
        if self.slopes_in is None:
            self.slopes_in = self.slopes
        if self.reach_out is None:
            self.reach_out = np.full(len(self.frames), THIRD)
        if self.reach_in is None:
            self.reach_in = np.full(len(self.frames), THIRD)

    def __len__(self) -> int:
        return len(self.frames)

    def scaled(self, scale: float, offset: float = 0.0) -> "Keys":
        return Keys(self.frames, offset + scale * self.values, scale * self.slopes, scale * self.slopes_in,
                    self.reach_out, self.reach_in)

    @property
    def broken(self) -> np.ndarray:
        """Keys whose tangent is broken (the two slopes differ)."""
        return ~np.isclose(self.slopes, self.slopes_in, rtol=1e-6, atol=1e-9)

    def handles(self, frame0: float = 0.0):
        """(left, right) handle points, each k x 2 in (frame, value), for keys placed at frame0 + index."""
        x = self.frames.astype(np.float64)
        gap_l = np.diff(x, prepend=x[0] - (x[1] - x[0] if len(x) > 1 else 1.0)) * self.reach_in
        gap_r = np.diff(x, append=x[-1] + (x[-1] - x[-2] if len(x) > 1 else 1.0)) * self.reach_out
        left = np.stack([frame0 + x - gap_l, self.values - self.slopes_in * gap_l], axis=1)
        right = np.stack([frame0 + x + gap_r, self.values + self.slopes * gap_r], axis=1)
        return left, right


def evaluate(keys: Keys, n: int) -> np.ndarray:
    """The curve through the keys at every sample 0 .. n-1 (held flat outside the keys), as Blender
    evaluates its Bezier keys."""
    if len(keys.frames) == 1:
        return np.full(n, float(keys.values[0]))
    x = np.arange(n, dtype=np.float64)
    kf = keys.frames
    seg = np.clip(np.searchsorted(kf, x, side="right") - 1, 0, len(kf) - 2)
    a = kf[seg]
    h = kf[seg + 1] - a
    s = np.clip((x - a) / h, 0.0, 1.0)
    h00, h01, g1, g2 = _basis(s, keys.reach_out[seg], keys.reach_in[seg + 1])
    return (h00 * keys.values[seg] + h01 * keys.values[seg + 1]
            + g1 * h * keys.slopes[seg] + g2 * h * keys.slopes_in[seg + 1])


def _solve_t(s, ra, rb):
    """Bezier parameter t with x(t) = s for the x controls 0, ra, 1 - rb, 1 (monotone: ra + rb <= 1,
    reaches >= 1/6 keep x' > 0.5 at the ends): Newton's method from t = s."""
    t = s.copy()
    for _ in range(8):
        u = 1.0 - t
        x = 3 * ra * t * u * u + 3 * (1 - rb) * t * t * u + t * t * t
        dx = 3 * ra * u * u + 6 * (1 - rb - ra) * t * u + 3 * rb * t * t
        t = np.clip(t - (x - s) / np.maximum(dx, 1e-6), 0.0, 1.0)
    return t


def _basis(s, ra=THIRD, rb=THIRD):
    """(h00, h01, g1, g2) at positions s (0..1) in a segment whose handles reach ra and rb of it:
    value = h00 * v_a + h01 * v_b + g1 * u_out + g2 * u_in  (u = slope x segment length).
    With handles at thirds x is linear in t (t = s): the cubic Hermite segment."""
    s = np.asarray(s, dtype=np.float64)
    t = s
    if not (np.isscalar(ra) and np.isscalar(rb) and ra == THIRD and rb == THIRD):
        ra, rb = np.broadcast_to(ra, s.shape), np.broadcast_to(rb, s.shape)
        third = (np.abs(ra - THIRD) < 1e-12) & (np.abs(rb - THIRD) < 1e-12)
        if not third.all():
            t = s.copy()
            t[~third] = _solve_t(s[~third], ra[~third], rb[~third])
    u = 1.0 - t
    b0, b1, b2, b3 = u * u * u, 3 * t * u * u, 3 * t * t * u, t * t * t
    return b0 + b1, b2 + b3, b1 * ra, -b2 * rb


@lru_cache(maxsize=512)
def _window_ops(length: int, ra: float = THIRD, rb: float = THIRD):
    """For a segment of `length` steps: (errors, slopes) operators on its window y[a .. a+length]:
    errors (length-1 x length+1) gives the fitted segment's error at the samples inside,
    slopes (2 x length+1) the fitted (outgoing, incoming) slopes times the length."""
    h00, h01, g1, g2 = _basis(np.arange(1, length) / length, ra, rb)
    g = np.stack([g1, g2], axis=1)
    fit = np.linalg.solve(g.T @ g + RIDGE * np.eye(2), g.T)
    take = np.zeros((length - 1, length + 1))          # window -> what the slopes must explain
    take[:, 0], take[:, -1] = -h00, -h01
    take[np.arange(length - 1), np.arange(1, length)] = 1.0
    err_op = ((g @ fit - np.eye(length - 1)) @ take).astype(np.float32)
    return err_op, fit @ take


@lru_cache(maxsize=64)
def _stacked_ops(length: int, reaches: tuple) -> np.ndarray:
    """The error operators of every handle reach for one length, stacked: one matrix product tests all."""
    return np.ascontiguousarray(np.concatenate([_window_ops(length, ra, rb)[0] for ra, rb in reaches]))


def _feasible(y: np.ndarray, tol: np.ndarray, reaches) -> tuple:
    """(ok, which), m x n x (LMAX + 1): ok[., a, L] when the fitted segment a .. a+L is within tol
    (y: m x n x d), which[., a, L] the index in `reaches` of the first handle reach that fits it."""
    m, n, d = y.shape
    top = min(LMAX, n - 1)
    ok_all = np.zeros((m, n, top + 1), dtype=bool)
    ok_all[:, :n - 1, 1] = True
    which = np.zeros((m, n, top + 1), dtype=np.int8)
    y32 = np.ascontiguousarray(y.transpose(0, 2, 1), dtype=np.float32)          # m x d x n
    lim = (tol * tol if d > 1 else tol).astype(np.float32)[:, None]
    for length in range(2, top + 1):
        win = np.lib.stride_tricks.sliding_window_view(y32, length + 1, axis=2).reshape(-1, length + 1)
        # reaches x errors as the leading axes: the reductions below run over whole contiguous rows
        err = (_stacked_ops(length, reaches) @ win.T).reshape(len(reaches), length - 1, m, d, n - length)
        if d > 1:
            np.square(err, out=err)
            worst = err.sum(axis=3).max(axis=1)                         # reaches x m x starts
        else:
            worst = np.abs(err[:, :, :, 0]).max(axis=1)
        ok = worst <= lim
        which[:, :n - length, length] = np.argmax(ok, axis=0)           # the first reach that fits
        ok_all[:, :n - length, length] = ok.any(axis=0)
    return ok_all, which


def _walk(ok: np.ndarray, which: np.ndarray, reaches) -> tuple:
    """Keys of the greedy-longest walk along each row (every curve at once; as few keys as dynamic
    programming finds on speech, in a fraction of the time), and the handle reaches (ra, rb, m x n)
    of the segment starting at each key."""
    m, n, top = ok.shape[0], ok.shape[1], ok.shape[2] - 1
    best = top - np.argmax(ok[:, :, ::-1], axis=2)          # the longest length that fits (1 always does)
    mask = np.zeros((m, n), dtype=bool)
    mask[:, 0] = mask[:, -1] = True
    ra, rb = np.full((m, n), THIRD), np.full((m, n), THIRD)
    table = np.asarray(reaches, dtype=np.float64)
    pos = np.zeros(m, dtype=np.int64)
    rows = np.arange(m)
    while True:
        live = pos < n - 1
        if not live.any():
            return mask, ra, rb
        r, p = rows[live], pos[live]
        length = np.minimum(best[r, p], n - 1 - p)
        ra[r, p], rb[r, p] = table[which[r, p, length], 0], table[which[r, p, length], 1]
        pos[live] = p + length
        mask[r, pos[live]] = True


def _fit(y: np.ndarray, is_key: np.ndarray, ra: np.ndarray, rb: np.ndarray):
    """Least-squares slopes of every segment of rows laid end to end (y: N x d, is_key: N, each row's
    first and last samples keys; ra, rb: N, the handle reaches of the segment starting at a key).
    Returns (approx N x d, key indices, u_out, u_in (segments x d), the slopes times the segment length)."""
    kf = np.flatnonzero(is_key)
    seg = np.clip(np.cumsum(is_key) - 1, 0, len(kf) - 2)
    a, b = kf[seg], kf[seg + 1]
    h = (b - a).astype(np.float64)
    pos = np.clip((np.arange(len(y)) - a) / h, 0.0, 1.0)
    h00, h01, g1, g2 = _basis(pos) if ra is None else _basis(pos, ra[a], rb[a])
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
    return approx, kf, u1, u2, (seg, y - r, g1[:, None], g2[:, None])


def _errors(y, is_key, ra, rb):
    approx, kf, _, _, _ = _fit(y, is_key, ra, rb)
    return np.sqrt(((approx - y) ** 2).sum(axis=1)), kf


def _repair(y, tolf, is_key, ra, rb, rounds: int = 8) -> None:
    """Add a key at the worst sample of every segment still off (the float64 check of the search)."""
    for _ in range(rounds):
        err, kf = _errors(y, is_key, ra, rb)
        bad = err > tolf
        if not bad.any():
            return
        seg = np.clip(np.cumsum(is_key) - 1, 0, len(kf) - 2)
        worst = np.maximum.reduceat(err, kf[:-1])
        pick = bad & (err == worst[seg])
        is_key[pick] = True
    err, _ = _errors(y, is_key, ra, rb)
    is_key[err > tolf] = True               # last resort: keys on the samples still off (exact there)


def _prune(y, tolf, is_key, ra, rb, n: int, passes: int = 4) -> None:
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
        err, tk = _errors(y, trial, ra, rb)
        seg_bad = np.maximum.reduceat((err > tolf).astype(np.int8), tk[:-1]) > 0
        owner = np.searchsorted(tk, kf[cand], side="right") - 1
        keep = ~seg_bad[owner]
        is_key[kf[cand[keep]]] = False


def reduce_shared(curves: np.ndarray, tols, reach: bool = False) -> list:
    """Keys for each row of curves (m x n x d: d curves that share their key frames, e.g. x and y),
    the length of the error vector <= the row's tolerance on every sample. Returns m lists of d Keys.
    reach: also try handle lengths other than thirds (fewer keys on busy curves; slower)."""
    y3 = np.asarray(curves, dtype=np.float64)
    m, n, d = y3.shape
    if n == 0:
        raise ValueError("an empty curve has no keys")
    tol = np.broadcast_to(np.maximum(np.asarray(tols, dtype=np.float64), 0.0), (m,))
    if n == 1:
        return [[Keys(np.array([0]), y3[r, :, k].copy(), np.zeros(1)) for k in range(d)] for r in range(m)]
    reaches = REACHES if reach else REACHES[:1]
    # the search runs in float32 against a tolerance kept 1% inside; the float64 check repairs the rest
    if n > 2:
        mask, ra, rb = _walk(*_feasible(y3, 0.99 * tol, reaches), reaches)
    else:
        mask, ra, rb = np.ones((m, n), dtype=bool), np.full((m, n), THIRD), np.full((m, n), THIRD)
    yf = y3.reshape(m * n, d)
    tolf = np.repeat(tol, n) * (1 + 1e-9)
    is_key, ra, rb = mask.ravel(), ra.ravel(), rb.ravel()
    fit_ra, fit_rb = (ra, rb) if reach else (None, None)          # thirds only: the fast path
    _repair(yf, tolf, is_key, fit_ra, fit_rb)
    _prune(yf, tolf, is_key, fit_ra, fit_rb, n)
    _repair(yf, tolf, is_key, fit_ra, fit_rb)
    return _keys_of(yf, tolf, is_key, ra, rb, m, n, d, reach)


def _align(y, tolf, fitted, n: int):
    """One slope for a key (ALIGNED handles, no kink) wherever the tolerance allows: the least-squares
    slope over both of its segments, else the samples' central slope, else the length-weighted mean of
    its two fitted slopes, else the incoming one, else the outgoing one. Keys of one parity at a time,
    so no segment has both of its ends changed at once."""
    _, kf, u1, u2, (seg, base, g1, g2) = fitted
    h = np.diff(kf).astype(np.float64)[:, None]
    ns = len(kf) - 1
    col = kf % n
    interior = np.flatnonzero((col != 0) & (col != n - 1))

    def total(w):
        return np.stack([np.bincount(seg, w[:, k], ns) for k in range(w.shape[1])], axis=1)

    for parity in (0, 1):
        cand = interior[interior % 2 == parity]
        hs = h[seg]
        a_in, a_out = g2 * hs, g1 * hs                       # d(value)/d(slope) at the segment's end / start
        b_in = total(a_in * (y - base - g1 * u1[seg]))       # what the end slope must explain
        b_out = total(a_out * (y - base - g2 * u2[seg]))
        aa_in, aa_out = total(a_in * a_in), total(a_out * a_out)
        ls = (b_in[cand - 1] + b_out[cand]) / (aa_in[cand - 1] + aa_out[cand] + 1e-12)
        s_in, s_out = u2[cand - 1] / h[cand - 1], u1[cand] / h[cand]
        mean = (s_in * h[cand - 1] + s_out * h[cand]) / (h[cand - 1] + h[cand])
        k = kf[cand]
        central = 0.5 * (y[k + 1] - y[k - 1])                # the samples' own slope at the key
        todo = np.ones(len(cand), dtype=bool)
        for sigma in (ls, central, mean, s_in, s_out):
            idx = cand[todo]
            t1, t2 = u1.copy(), u2.copy()
            t2[idx - 1] = sigma[todo] * h[idx - 1]
            t1[idx] = sigma[todo] * h[idx]
            err = np.sqrt(((base + g1 * t1[seg] + g2 * t2[seg] - y) ** 2).sum(axis=1))
            seg_ok = np.maximum.reduceat((err > tolf).astype(np.int8), kf[:-1]) == 0
            ok = seg_ok[idx - 1] & seg_ok[idx]
            u2[idx[ok] - 1], u1[idx[ok]] = t2[idx[ok] - 1], t1[idx[ok]]
            todo[np.flatnonzero(todo)[ok]] = False
            if not todo.any():
                break
    return u1, u2


def _keys_of(yf, tolf, is_key, ra, rb, m, n, d, reach) -> list:
    fitted = _fit(yf, is_key, ra if reach else None, rb if reach else None)
    kf = fitted[1]
    u1, u2 = _align(yf, tolf, fitted, n)
    h = np.diff(kf).astype(np.float64)[:, None]
    s_out, s_in = u1 / h, u2 / h                      # per segment (the one crossing rows is never used)
    out = []
    for r in range(m):
        lo, hi = np.searchsorted(kf, [r * n, (r + 1) * n - 1])
        frames = kf[lo:hi + 1] - r * n
        so = np.concatenate([s_out[lo:hi], s_in[hi - 1:hi]])         # the last key: its incoming slope
        si = np.concatenate([s_out[lo:lo + 1], s_in[lo:hi]])         # the first key: its outgoing slope
        starts = kf[lo:hi]
        r_out = np.concatenate([ra[starts], [THIRD]])
        r_in = np.concatenate([[THIRD], rb[starts]])
        out.append([Keys(frames, yf[kf[lo:hi + 1], k].copy(), so[:, k].copy(), si[:, k].copy(), r_out, r_in)
                    for k in range(d)])
    return out


def reduce_many(curves: np.ndarray, tols, max_rounds: int | None = None, reach: bool = False) -> list:
    """Keys for each row of curves (m x n), |error| <= the row's tolerance on every sample. A flat
    curve gets two keys (one for a single sample). (max_rounds: accepted for older callers.)"""
    y2 = np.atleast_2d(np.asarray(curves, dtype=np.float64))
    return [row[0] for row in reduce_shared(y2[:, :, None], tols, reach)]


def reduce(y: np.ndarray, tol: float, max_rounds: int | None = None, reach: bool = False) -> Keys:
    """reduce_many() for one curve."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError("an empty curve has no keys")
    return reduce_many(y[None], [tol], reach=reach)[0]
