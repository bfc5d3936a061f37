"""Language-independent mouth curves from the sound itself, for speech the recogniser cannot follow
(other languages, singing, noisy takes). Spectral cues stand in for phones:
loudness and first-formant energy -> opening; second-formant brightness -> spread vs rounded;
quiet stretches inside speech -> lips together.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from . import segments

N_FFT = 512
# finer bands (Hz) for the lip-closure classifier (bilabial.py): where a closure's murmur and release sit
BAND_EDGES = (80, 300, 600, 1000, 1600, 2400, 3500, 5000, 8000)


_COARSE = {"low": (80, 300), "f1": (300, 1000), "f2": (1000, 3000), "high": (3500, 8000)}


def _band_matrix(freqs: np.ndarray, edges) -> np.ndarray:
    """bins x bands of 0/1: one matrix product sums every band at once."""
    return np.stack([((freqs >= lo) & (freqs < hi)).astype(np.float32) for lo, hi in edges], axis=1)


def features(samples: np.ndarray, block_s: float = 30.0, progress=None, bands: bool = False) -> dict[str, np.ndarray]:
    """Per-10-ms band energies (low, f1, f2, high), computed in blocks so memory stays bounded;
    bands=True adds "bands": n x 8 levels in dB on BAND_EDGES (for bilabial.py)."""
    hop, win = segments.HOP, np.hanning(N_FFT).astype(np.float32)
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / segments.SR)
    edges = list(_COARSE.values()) + (list(zip(BAND_EDGES[:-1], BAND_EDGES[1:])) if bands else [])
    mat = _band_matrix(freqs, edges)
    n = max(1, len(samples) // hop)
    pad = np.pad(np.asarray(samples, dtype=np.float32), (N_FFT // 2, N_FFT // 2 + hop))   # one copy, not two
    sums = np.empty((n, len(edges)))
    step = int(block_s * 100)
    for a in range(0, n, step):
        if progress is not None:
            progress.check()
        b = min(n, a + step)
        idx = (np.arange(a, b) * hop)[:, None] + np.arange(N_FFT)[None, :]
        spec = np.abs(np.fft.rfft(pad[idx] * win, axis=1)) ** 2
        sums[a:b] = spec @ mat
    sums += 1e-10
    out = {k: sums[:, i] for i, k in enumerate(_COARSE)}
    if bands:
        out["bands"] = 10 * np.log10(sums[:, len(_COARSE):])
    return out


def _norm(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Scale to 0..1 between this clip's quiet and loud speech levels."""
    ref = x[mask] if mask.any() else x
    lo, hi = np.percentile(ref, 10), np.percentile(ref, 97)
    return np.clip((x - lo) / max(hi - lo, 1e-6), 0.0, 1.0)


DIP_DB = 8.0          # a dip this far below the nearby vowels starts to count as a closure
DIP_FULL_DB = 15.0    # ... and this far is fully closed
DIP_REACH = 12        # frames (120 ms) either side to find the nearby vowel level


def closures_100hz(f: dict[str, np.ndarray], mask: np.ndarray) -> np.ndarray:
    """0..1 per 10 ms: lips likely together (stop closures, nasal murmur) inside speech.

    The formant band (300-3000 Hz) drops sharply while the lips are shut (p, b, m and, alas, also
    t/d/k/g/n); fricatives are told apart by their hiss above 3.5 kHz and left open.
    """
    from scipy.ndimage import maximum_filter1d

    mid = gaussian_filter1d(10 * np.log10(_above_floor(f["f1"] + f["f2"])), 1.0)
    ref = maximum_filter1d(mid, 2 * DIP_REACH + 1)
    dip = np.clip((ref - mid - DIP_DB) / (DIP_FULL_DB - DIP_DB), 0, 1)
    hiss = np.clip((10 * np.log10(_above_floor(f["high"])) - mid + 6) / 8, 0, 1)
    return dip * (1 - hiss) * mask


def _above_floor(power: np.ndarray) -> np.ndarray:
    """A band's power less the clip's steady background (its 10th percentile): in noise the shut lips'
    drop is otherwise filled in by the noise (5 dB pink noise hid most p/b/m). Clean audio barely
    changes: its floor is far below the speech."""
    floor = float(np.percentile(gaussian_filter1d(power, 2), 10))
    return np.maximum(power - floor, 0.05 * floor + 1e-12)


def curves_100hz(samples: np.ndarray, mask: np.ndarray, progress=None, feats: dict | None = None,
                 above_floor: bool = False):
    """(mouth parameters n x 4: open, jaw, spread, tuck; closure n) at 100 Hz from acoustics alone.
    `feats`: features() of the samples, when the caller has them already. above_floor=True: the
    opening and shape come from each band less the clip's steady background (`_above_floor`): in noise
    the background fills the "high" band and the level's quiet end, so vowels read as frication and
    open too little (noisy tune clips: opening 0.61 -> 0.65). Closures always use the plain bands."""
    raw = feats if feats is not None else features(samples, progress=progress)
    f = {k: _above_floor(raw[k]) for k in _COARSE} if above_floor else raw
    n = len(f["f1"])
    mask = mask[:n] if len(mask) >= n else np.r_[mask, np.zeros(n - len(mask), bool)]
    voiced_db = 10 * np.log10(f["low"] + f["f1"] + f["f2"])
    level = _norm(voiced_db, mask)
    # vowel-ness: energy in the formant region against frication noise
    vowel = np.clip((10 * np.log10(f["f1"] / f["high"]) + 5) / 25, 0, 1)
    open_ = level ** 1.3 * (0.35 + 0.65 * vowel)
    f1_share = f["f1"] / (f["low"] + f["f1"])
    open_ *= 0.6 + 0.8 * _norm(f1_share, mask)
    bright = 10 * np.log10(f["f2"] / f["f1"])
    ref = bright[mask] if mask.any() else bright
    spread = np.clip((bright - np.median(ref)) / (np.std(ref) + 1e-6) * 0.45, -1, 1)
    open_ = np.clip(open_, 0, 1) * mask
    out = np.stack([open_, 0.9 * open_, spread * mask, np.zeros(n)], axis=1)
    out = gaussian_filter1d(out, 2.5, axis=0)   # ~25 ms: mouths do not jitter at 100 Hz
    return out, closures_100hz(raw, mask[:n])


def at_times(curves100: np.ndarray, times: np.ndarray, hold: bool = False) -> np.ndarray:
    """Sample 100 Hz curves at frame times. hold=True takes the maximum over each frame's span, so a
    40 ms closure is not lost between two frames at 24 fps."""
    c = curves100 if curves100.ndim == 2 else curves100[:, None]
    if hold and len(times) > 1:
        from scipy.ndimage import maximum_filter1d

        span = max(1, int(round(100 * (times[1] - times[0]))))
        c = maximum_filter1d(c, span, axis=0)
    t100 = np.arange(len(c)) * 0.01 + 0.005
    out = np.stack([np.interp(times, t100, c[:, i]) for i in range(c.shape[1])], axis=1)
    return out if curves100.ndim == 2 else out[:, 0]
