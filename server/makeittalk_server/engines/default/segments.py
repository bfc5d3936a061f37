"""Speech / pause detection on 10 ms frames, and a plan to cut long audio into chunks at pauses.

Level-relative thresholds (noise floor and speech peak of this clip), so it works the same for a
quiet phone recording and a loud studio take.
"""

from __future__ import annotations

import numpy as np

SR = 16000
HOP = 160                 # 10 ms
MIN_PAUSE = 0.25          # s; shorter dips are stops and closures, not pauses
CHUNK_MIN, CHUNK_MAX = 4.0, 12.0   # s; decoding chunk lengths


def frame_db(samples: np.ndarray) -> np.ndarray:
    """RMS level per 10 ms frame in dBFS (at least -100)."""
    n = max(1, len(samples) // HOP)
    x = np.zeros(n * HOP, dtype=np.float32)
    m = min(len(samples), n * HOP)
    x[:m] = samples[:m]
    rms = np.sqrt(np.mean(x.reshape(n, HOP).astype(np.float64) ** 2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-5))


def speech_mask(db: np.ndarray) -> np.ndarray:
    """True for frames that are part of speech (loud enough relative to this clip's own levels)."""
    floor, peak = np.percentile(db, 5), np.percentile(db, 98)
    # 35 dB under the speech peak is a pause even on a studio-clean take whose floor is digital zero
    thresh = min(max(floor + 0.35 * (peak - floor), peak - 35.0), peak - 12.0)
    loud = db > thresh
    # bridge short gaps (stop closures) so only real pauses remain
    gap = int(MIN_PAUSE * 100)
    out = loud.copy()
    idx = np.flatnonzero(loud)
    if len(idx) > 1:
        jumps = np.flatnonzero(np.diff(idx) > 1)
        for j in jumps:
            a, b = idx[j], idx[j + 1]
            if b - a - 1 < gap:
                out[a:b] = True
    return out


def pauses(mask: np.ndarray, min_len: float = MIN_PAUSE) -> list[tuple[float, float]]:
    """(start_s, end_s) of non-speech runs at least min_len long."""
    runs, padded = [], np.r_[True, mask, True]
    d = np.diff(padded.astype(np.int8))
    starts, ends = np.flatnonzero(d == -1), np.flatnonzero(d == 1)
    for s, e in zip(starts, ends):
        if (e - s) / 100.0 >= min_len:
            runs.append((s / 100.0, e / 100.0))
    return runs


def chunk_plan(db: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges covering the clip, cut in the middle of pauses, each at most CHUNK_MAX long."""
    n_frames = len(db)
    total = n_frames / 100.0
    cuts, start = [0.0], 0.0
    ps = pauses(mask, 0.15)
    while total - start > CHUNK_MAX:
        cands = [(e - s, 0.5 * (s + e)) for s, e in ps if start + CHUNK_MIN <= 0.5 * (s + e) <= start + CHUNK_MAX]
        if cands:
            cut = max(cands)[1]
        else:  # no pause: cut at the quietest 10 ms in the window
            lo, hi = int((start + CHUNK_MIN) * 100), int((start + CHUNK_MAX) * 100)
            cut = (lo + int(np.argmin(db[lo:hi]))) / 100.0
        cuts.append(cut)
        start = cut
    cuts.append(total)
    return [(int(a * SR), int(b * SR)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
