"""Windows, segments and the per-segment combination of the two branches (spec 5.1, 5.4, 5.5).

All arithmetic is float32 like the original, in the original's order, so the result matches to
rounding. Landmarks are flat 204-vectors (x, y, z per landmark) in normalised face space.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import savgol_filter

WINDOW = 18
SEGMENT = 512
MIN_SEGMENT = 10

CLOSE_PAIRS = [(49, 59), (50, 58), (51, 57), (52, 56), (53, 55), (61, 67), (62, 66), (63, 65)]
MOUTH_X = np.arange(48, 68) * 3
MOUTH_Y = MOUTH_X + 1


def normalise_mel(autovc_out: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """(au - mean) / std in float64, then float32."""
    return ((autovc_out.astype(np.float64) - mean) / std).astype(np.float32)


def n_windows(T: int) -> int:
    """N = T - 18 windows (one fewer than possible, as the original)."""
    return max(0, T - WINDOW)


def segments(n: int) -> list[tuple[int, int]]:
    """[start, end) slices of 512 windows; a slice shorter than 10 is dropped (its frames are lost)."""
    out = []
    for j in range(0, n, SEGMENT):
        e = min(n, j + SEGMENT)
        if e - j >= MIN_SEGMENT:
            out.append((j, e))
    return out


def sg_window(b: int) -> int:
    return (min(b - 1, 31) // 2) * 2 + 1


def close_mouth(f: np.ndarray, r: float = 0.99) -> np.ndarray:
    """Pull each upper/lower lip pair together (all means taken before any point moves)."""
    v = f.reshape(f.shape[0], 68, 3)
    out = v.copy()
    for a, b in CLOSE_PAIRS:
        m = (v[:, a] + v[:, b]) * 0.5
        out[:, a] = r * m + (1 - r) * v[:, a]
        out[:, b] = r * m + (1 - r) * v[:, b]
    return out.reshape(f.shape).astype(f.dtype)


def calibrate(con: np.ndarray) -> np.ndarray:
    """Subtract, per column, the mean of the lower half (K = floor(B/2) smallest values)."""
    k = int(0.5 * con.shape[0])
    ct = np.ascontiguousarray(con.T)          # per-column float32 means, summed like a 1-D column
    low = np.partition(ct, k, axis=1)[:, :k] if k < con.shape[0] else ct
    return con - np.mean(low, axis=1)


def inner_lip_area(f: np.ndarray) -> np.ndarray:
    """Signed area of the inner-lip polygon 60..67 (fan from 60), per frame."""
    p = f.reshape(f.shape[0], 68, 3)[:, 60:68, :2].astype(np.float64)
    d = p[:, 1:] - p[:, :1]
    cross = d[:, :-1, 0] * d[:, 1:, 1] - d[:, :-1, 1] * d[:, 1:, 0]
    return 0.5 * cross.sum(axis=1)


def repair_inverted_lips(f: np.ndarray) -> np.ndarray:
    """Frames whose inner lips cross (negative area) get them closed and the outer lips re-attached,
    using the previous frame (already repaired) for the outer lips' offsets."""
    f = f.copy()
    v = f.reshape(f.shape[0], 68, 3)
    bad = _signed_area_negative(v)
    for t in np.nonzero(bad)[0]:
        cur = v[t]
        for lo, up in ((65, 63), (66, 62), (67, 61)):
            cur[lo] = 0.5 * (cur[up] + cur[lo])
            cur[up] = cur[lo]
        prev = v[t - 1] if t > 0 else cur
        cur[55:59, 1] = cur[64:68, 1] + prev[55:59, 1] - prev[64:68, 1]
        cur[59, 1] = cur[60, 1] + prev[59, 1] - prev[60, 1]
        cur[49:54, 1] = cur[60:65, 1] + prev[49:54, 1] - prev[60:65, 1]
    return f


def _signed_area_negative(v: np.ndarray) -> np.ndarray:
    # same arithmetic as the original's per-frame loop (float32 cross products summed in order)
    p = v[:, 60:68, :2]
    o = p[:, 0]
    area = np.zeros(v.shape[0], dtype=np.float64)
    for i in range(1, 7):
        a = p[:, i] - o
        b = p[:, i + 1] - o
        area = area + 0.5 * (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
    return area < 0


def combine_segment(spk: np.ndarray, con: np.ndarray, face_id: np.ndarray, amp_pos=0.5, amp_lip_x=2.0,
                    amp_lip_y=2.0, parts: dict | None = None) -> np.ndarray:
    """One segment: speaker (B x 204) and content (B x 204) raw outputs -> absolute landmarks (B x 204)."""
    b = spk.shape[0]
    smoothed = savgol_filter(spk, sg_window(b), 3, axis=0).astype(np.float32)
    head = close_mouth(smoothed) * np.float32(amp_pos)
    c = calibrate(con.astype(np.float32))
    c[:, MOUTH_X] *= np.float32(amp_lip_x)
    c[:, MOUTH_Y] *= np.float32(amp_lip_y)
    disp = head + c
    f = disp + face_id.astype(np.float32)
    fixed = repair_inverted_lips(f)
    if parts is not None:
        parts.setdefault("speaker_smoothed", []).append(smoothed)
        parts.setdefault("content_calibrated", []).append(c)
        parts.setdefault("combined_displacement", []).append(disp)
        parts.setdefault("before_lip_fix", []).append(f)
        parts.setdefault("after_lip_fix", []).append(fixed)
    return fixed


def finish(pred: np.ndarray) -> np.ndarray:
    """After all segments: nose-top fix (27 := 2*28 - 29) and Savitzky-Golay 5 over the whole track."""
    v = pred.reshape(pred.shape[0], 68, 3).copy()
    v[:, 27] = 2 * v[:, 28] - v[:, 29]
    out = v.reshape(pred.shape)
    if out.shape[0] >= 5:
        out = savgol_filter(out, 5, 3, axis=0)
    return out.astype(pred.dtype)


def text_round_trip(pred: np.ndarray) -> np.ndarray:
    """The original writes the prediction with %.6f and reads it back (float64).

    rint(v * 1e6) / 1e6 gives the same double as float('%.6f' % v) except where v * 1e6 lies within
    rounding error of a half; those few values go through the string formatting itself.
    """
    v = np.asarray(pred, dtype=np.float64)
    y = v * 1e6
    out = np.rint(y) / 1e6
    near_half = np.abs(y - np.floor(y) - 0.5) < 1e-6
    if near_half.any():
        out[near_half] = [float("%.6f" % x) for x in v[near_half]]
    return out
