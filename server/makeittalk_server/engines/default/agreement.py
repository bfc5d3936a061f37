"""How well a phone timeline agrees with the sound itself: the correlation, at syllable scale, of the
phones' openness with the acoustic opening curve. Language independent, so it scores a transcript
alignment, word recognition and the phone loop on the same footing, stretch by stretch."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from . import coarticulation, visemes


def agreement(phones, ac_open100: np.ndarray, t0: float = 0.0) -> float:
    """Correlation (-1..1; 0 when undefined) of the phones' openness with `ac_open100` (100 Hz,
    starting at t0 s). ~40 ms smoothing: "are the phones in the right places", not "are their edges exact"."""
    if not phones or len(ac_open100) < 5:
        return 0.0
    t = t0 + np.arange(len(ac_open100)) * 0.01 + 0.005
    ph_open = coarticulation.blend(visemes.expand(sorted(phones, key=lambda x: x[1])), t)[:, 0]
    ph_open, a = gaussian_filter1d(ph_open, 4.0), gaussian_filter1d(np.asarray(ac_open100, float), 4.0)
    if ph_open.std() < 1e-6 or a.std() < 1e-6:
        return 0.0
    return float(np.corrcoef(ph_open, a)[0, 1])


def chunk_open(samples: np.ndarray) -> np.ndarray:
    """The acoustic opening curve of one chunk at 100 Hz (its own levels)."""
    from . import acoustic, segments

    mask = segments.speech_mask(segments.frame_db(samples))
    return acoustic.curves_100hz(samples, mask)[0][:, 0]
