"""Face normalisation, denormalisation, naive blinks and the final smoothing (spec 7.2 - 7.5).

Normalised space: the mid-point of landmarks 0 and 16 at the origin, jaw ends near x = +-0.8, y down.
The normalisation is scale-free, so portraits of any size work; only the original's small fixed pixel
tweak (1-2 px on a 256 px portrait) is scaled with the image size (k = max(w, h) / 256, 1 at 256).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import savgol_filter

EYE_PAIRS = [(37, 41), (38, 40), (43, 47), (44, 46)]
LID_POINTS = [37, 38, 40, 41, 43, 44, 46, 47]


@dataclass
class FaceFrame:
    face_id: np.ndarray        # 1 x 204 float32, normalised rest face given to both branches
    scale: np.float32          # 1.6 / (x0 - x16): negative for a frontal face
    shift: np.ndarray          # 2 float32: -(p0 + p16) / 2


def tweak(landmarks_px: np.ndarray, k: float = 1.0) -> np.ndarray:
    """The original's fixed lip/eye adjustment in pixels (lips slightly closed, eyes slightly opened)."""
    f = np.array(landmarks_px, dtype=np.float32, copy=True)
    f[49:54, 1] += 1 * k
    f[55:60, 1] -= 1 * k
    f[[37, 38, 43, 44], 1] -= 2 * k
    f[[40, 41, 46, 47], 1] += 2 * k
    return f


def normalise(landmarks_px: np.ndarray, std_face: np.ndarray, k: float = 1.0) -> FaceFrame:
    """68x3 (or 68x2) pixel landmarks -> face_id; z is replaced by 0.1 x the standard face's z."""
    p = np.zeros((68, 3), dtype=np.float32)
    a = np.asarray(landmarks_px, dtype=np.float32)
    p[:, : a.shape[1]] = a[:, :3]
    f = tweak(p, k)
    width = f[0, 0] - f[16, 0]
    if not np.isfinite(width) or abs(float(width)) < 1e-3:
        raise ValueError("landmarks 0 and 16 (the jaw ends) have the same x: cannot normalise the face")
    scale = np.float32(1.6) / width
    shift = -(f[0, :2] + f[16, :2]) / np.float32(2)
    f[:, :2] = (f[:, :2] + shift) * scale
    f[:, 2] = 0.1 * std_face[:, 2]
    f[:, :2] = -f[:, :2]
    return FaceFrame(face_id=f.reshape(1, 204), scale=np.float32(scale), shift=shift.astype(np.float32))


def denormalise(pred: np.ndarray, scale, shift) -> np.ndarray:
    """N x 204 normalised prediction -> N x 68 x 3 pixels (float64); z untouched."""
    v = np.asarray(pred, dtype=np.float64).reshape(-1, 68, 3).copy()
    v[:, :, :2] = -v[:, :, :2]
    v[:, :, :2] = v[:, :, :2] / scale - np.asarray(shift)
    return v


def blink_frames(n: int, rng: np.random.RandomState) -> list[int]:
    """Frame 30, then every 60 + randint(30, 90) frames while t < n - 16 (legacy numpy RNG draws).
    Blinks that would not fit the track (the original crashes on them) are left out."""
    out = [30]
    t = 30
    while True:
        t += 60 + rng.randint(30, 90)
        if t < n - 16:
            out.append(t)
        else:
            break
    return [t for t in out if t - 10 >= 0 and t + 15 < n]


def add_blinks(track: np.ndarray, rng: np.random.RandomState) -> tuple[np.ndarray, list[int]]:
    """Narrow the eyes slightly every frame, then close them at the blink frames with linear ramps."""
    f = np.array(track, dtype=np.float64, copy=True)
    r = 0.95
    for up, lo in EYE_PAIRS:
        u, l = f[:, up].copy(), f[:, lo].copy()
        f[:, up] = r * u + (1 - r) * l
        f[:, lo] = (1 - r) * u + r * l
    frames = blink_frames(f.shape[0], rng)
    for t in frames:
        for up, lo in EYE_PAIRS:
            m = 0.25 * f[t, up] + 0.75 * f[t, lo]
            f[t, up] = m
            f[t, lo] = m
        for t0 in range(t - 9, t):
            rho = (t - t0) / 10
            f[t0, LID_POINTS] = rho * f[t - 10, LID_POINTS] + (1 - rho) * f[t, LID_POINTS]
        for t0 in range(t + 1, t + 15):
            rho = (t + 14 - t0) / 15
            f[t0, LID_POINTS] = rho * f[t, LID_POINTS] + (1 - rho) * f[t + 15, LID_POINTS]
    return f, frames


def _sg(x: np.ndarray, window: int) -> np.ndarray:
    """Savitzky-Golay (poly 3, mode interp) along time; shorter tracks get the largest odd window that fits."""
    n = x.shape[0]
    w = min(window, n if n % 2 else n - 1)
    if w <= 3:
        return x
    return savgol_filter(x, w, 3, axis=0)


def smooth(track: np.ndarray, win_face: int = 15, win_mouth: int = 5) -> np.ndarray:
    """SG on landmarks 0-47 (window 15) and 48-67 (window 5); natural faces. Puppets use 17 and 11."""
    flat = np.asarray(track, dtype=np.float64).reshape(track.shape[0], 204)
    out = flat.copy()
    out[:, :144] = _sg(flat[:, :144], win_face)
    out[:, 144:] = _sg(flat[:, 144:], win_mouth)
    return out.reshape(-1, 68, 3)


def fill_tail(track: np.ndarray, n: int, ramp: int = 8) -> np.ndarray:
    """Extend an N x 68 x 3 track to n frames: the original stops 18+ frames (>= 288 ms) before the
    audio ends. The last frame is held while the mouth closes over `ramp` frames: the inner lip pairs
    meet at their mid-points and the outer lips follow the inner lips they sit on."""
    track = np.asarray(track, dtype=np.float64)
    extra = n - track.shape[0]
    if extra <= 0:
        return track[:n]
    last = track[-1]
    closed = last.copy()
    for up, lo in ((61, 67), (62, 66), (63, 65)):
        m = 0.5 * (last[up] + last[lo])
        closed[up], closed[lo] = m, m
    closed[49:54] += (closed[61:64] - last[61:64]).mean(axis=0)     # upper outer lip with the upper inner lip
    closed[55:60] += (closed[65:68] - last[65:68]).mean(axis=0)     # lower outer lip with the lower inner lip
    w = np.minimum(1.0, np.arange(1, extra + 1) / ramp)[:, None, None]
    tail = last[None] * (1 - w) + closed[None] * w
    return np.concatenate([track, tail], axis=0)
