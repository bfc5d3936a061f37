"""F0 per 10 ms for the head motion's prosody: a YIN-style tracker in numpy.

Why not pysptk's RAPT (used before): its C code keeps state between calls, so the same clip got a
different contour (283 of 342 frames, up to 73 Hz apart) depending on which clip the process had
analysed before it — the server's second run of a take moved its head differently. This one is a pure
function of its input. Head motion needs the contour, not the last hertz: 8 kHz audio, 40 ms frames.
"""

from __future__ import annotations

import numpy as np

SR8, HOP8, WIN = 8000, 80, 320          # 10 ms hop, 40 ms window at 8 kHz
FMIN, FMAX = 60.0, 420.0
THRESHOLD = 0.3                          # cumulative-mean-normalised difference below this: periodic
SILENT_DB = -45.0                        # frames this far under the clip's loudest are unvoiced
BLOCK = 2000                             # frames (20 s) analysed at a time
_NFFT = 512                              # >= WIN + the longest lag: no circular wrap


def track(x8: np.ndarray) -> np.ndarray:
    """F0 in Hz per 10 ms of 8 kHz audio (0 = unvoiced), ceil(len / 80) values. (voicing.py still uses
    RAPT for its voicing decisions: see .team/default_engine.md.)"""
    x = np.asarray(x8, dtype=np.float64)
    n = max(1, int(np.ceil(len(x) / HOP8)))
    t_max = int(np.ceil(SR8 / FMIN))
    pad = np.zeros((n - 1) * HOP8 + WIN + t_max)
    pad[: len(x)] = x
    frames = np.lib.stride_tricks.sliding_window_view(pad, WIN + t_max)[::HOP8][:n]
    energy = np.concatenate([np.mean(frames[a: a + BLOCK, :WIN] ** 2, axis=1) for a in range(0, n, BLOCK)])
    loud = 10 * np.log10(energy + 1e-12) > 10 * np.log10(energy.max() + 1e-12) + SILENT_DB
    f0 = np.zeros(n)
    for a in range(0, n, BLOCK):       # blocks: a long clip's lag matrices stay a few MB
        f0[a: a + BLOCK] = _block(frames[a: a + BLOCK], loud[a: a + BLOCK])
    return f0


def _block(frames: np.ndarray, loud: np.ndarray) -> np.ndarray:
    t_min, t_max = int(SR8 // FMAX), frames.shape[1] - WIN
    d = _difference(frames, t_max)
    # cumulative mean normalisation (YIN step 3): d(tau) * tau / sum_{k<=tau} d(k)
    cum = np.cumsum(d[:, 1:], axis=1)
    cmnd = d[:, 1:] * np.arange(1, t_max + 1) / np.maximum(cum, 1e-12)
    seg = cmnd[:, t_min - 1: t_max - 1]
    below = seg < THRESHOLD
    has = below.any(axis=1) & loud
    first = np.argmax(below, axis=1)
    # the dip's bottom: the minimum of the first run of lags under the threshold
    lag = np.arange(seg.shape[1])[None, :]
    after = lag >= first[:, None]
    brk = after & ~below
    stop = np.where(brk.any(axis=1), np.argmax(brk, axis=1), seg.shape[1])
    k = np.argmin(np.where(after & (lag < stop[:, None]), seg, np.inf), axis=1)
    out = np.zeros(len(frames))
    rows = np.flatnonzero(has)
    out[rows] = SR8 / (t_min + k[rows] + _parabola(seg[rows], k[rows]))
    return out


def _difference(frames: np.ndarray, t_max: int) -> np.ndarray:
    """YIN's squared difference d(tau) = sum_j (x_j - x_{j+tau})^2 over a WIN window, tau = 0..t_max,
    from one FFT cross-correlation per frame and running energies."""
    head = np.zeros_like(frames)
    head[:, :WIN] = frames[:, :WIN]
    r = np.fft.irfft(np.conj(np.fft.rfft(head, _NFFT)) * np.fft.rfft(frames, _NFFT), _NFFT)[:, : t_max + 1]
    sq = np.cumsum(np.pad(frames ** 2, ((0, 0), (1, 0))), axis=1)
    e0 = sq[:, WIN][:, None]
    tau = np.arange(t_max + 1)
    e_tau = sq[:, tau + WIN] - sq[:, tau]
    return np.maximum(e0 + e_tau - 2 * r, 0.0)


def _parabola(y: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Sub-lag offset of each row's minimum at k, from the parabola through its neighbours."""
    rows = np.arange(len(k))
    a = y[rows, np.maximum(k - 1, 0)]
    b = y[rows, k]
    c = y[rows, np.minimum(k + 1, y.shape[1] - 1)]
    den = a - 2 * b + c
    off = np.where(den > 1e-12, 0.5 * (a - c) / np.where(den > 1e-12, den, 1.0), 0.0)
    return np.clip(np.where((k > 0) & (k + 1 < y.shape[1]), off, 0.0), -0.5, 0.5)
