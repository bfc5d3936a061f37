"""Stretches without voice: pauses that the level detector and the recognisers take for speech.

Breath, room noise, a mic bump or a click can sit in a pause as loud as quiet speech, and the
recognisers put words on them; but speech is voiced at least every ~0.2 s (an unvoiced consonant
cluster is shorter), so a longer voiceless stretch is not speech and the mouth may rest there.
"""

from __future__ import annotations

import os

import numpy as np

from . import segments

# RAPT's voicing bias: > 0 calls doubtful frames voiced. Real voices lose a third of their voiced
# frames at 0 (creak, low level); a pause must be plainly voiceless to rest the mouth.
VOICE_BIAS = float(os.environ.get("MIT_VB", "0.3"))
VOICED_BLIP_S = 0.05      # s; shorter voiced runs inside a voiceless stretch are tracker noise
MIN_LEN = float(os.environ.get("MIT_VLMIN", "0.25"))
# s; the tracker calls a vowel's first and last periods voiceless (onsets, creak): trimmed off
TRIM = float(os.environ.get("MIT_VLTRIM", "0.05"))


def voiced_100hz(samples: np.ndarray) -> np.ndarray:
    """True per 10 ms where the pitch tracker hears voice (RAPT on 8 kHz audio: ~1 ms per second)."""
    import pysptk
    import soxr

    n = max(1, len(samples) // segments.HOP)
    x = soxr.resample(np.asarray(samples, dtype=np.float32), segments.SR, 8000, quality="LQ") * 32767.0
    v = np.zeros(n, bool)
    if len(x) < 800:
        return v
    f0 = pysptk.rapt(x.astype(np.float32), fs=8000, hopsize=80, min=60, max=420, otype="f0",
                     voice_bias=VOICE_BIAS)
    m = min(n, len(f0))
    v[:m] = f0[:m] > 0
    return v


def voiceless_pauses(samples: np.ndarray, min_len: float | None = None) -> list[tuple[float, float]]:
    """(start_s, end_s) of stretches of at least min_len without voice."""
    v = voiced_100hz(samples)
    blip = int(round(VOICED_BLIP_S * 100))
    d = np.diff(np.r_[0, v.astype(np.int8), 0])
    for s, e in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
        if e - s < blip:
            v[s:e] = False
    runs = segments.pauses(v, (MIN_LEN if min_len is None else min_len) + 2 * TRIM)
    end = len(v) / 100.0
    # the clip's ends need no trim: nothing is said before 0 or after the end
    return [(s if s <= 0 else s + TRIM, e if e >= end else e - TRIM) for s, e in runs]
