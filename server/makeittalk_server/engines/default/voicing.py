"""Stretches without voice: pauses that the level detector and the recognisers take for speech.

Breath, room noise, hiss, a crowd, a mic bump or a click can sit in a pause as loud as quiet speech,
and the recognisers put words on them; but speech is voiced at least every ~0.2 s (an unvoiced
consonant cluster is shorter), so a longer voiceless stretch is not speech and the mouth may rest.
"""

from __future__ import annotations

import numpy as np

from . import segments

# RAPT's voicing bias: > 0 calls doubtful frames voiced. At 0 real voices lose a third of their
# voiced frames (creak, low level), at 0.3 hiss and crowd noise pass for voice. So a stretch rests
# the mouth when the biased tracker finds no voice in it, or the plain one finds none and it is
# also quiet (QUIET_DB under the clip's speech peak). Chosen on the tune splits (FLEURS pauses).
BIASED, PLAIN = 0.3, 0.0
QUIET_DB = 25.0
# the tracker must find voice in this share of the heard speech to be believed at all: some voices
# (a low male diphone voice, creak) it follows only a third of the time (tune clips: 0.55 and up)
MIN_VOICED_SHARE = 0.45
VOICED_BLIP_S = 0.05      # s; shorter voiced runs inside a voiceless stretch are tracker noise
MIN_LEN = 0.25            # s, after the trim: a pause this long rests (coarticulation.REST_PAUSE's 0.3 - ramps)
TRIM = 0.05               # s; the tracker calls a vowel's first and last periods voiceless: trimmed off


def voiced_100hz(samples: np.ndarray, bias: float) -> np.ndarray:
    """True per 10 ms where the pitch tracker hears voice (RAPT on 8 kHz audio: ~1 ms per second)."""
    import pysptk
    import soxr

    n = max(1, len(samples) // segments.HOP)
    x = soxr.resample(np.asarray(samples, dtype=np.float32), segments.SR, 8000, quality="LQ") * 32767.0
    v = np.zeros(n, bool)
    if len(x) < 800:
        return v
    f0 = pysptk.rapt(x.astype(np.float32), fs=8000, hopsize=80, min=60, max=420, otype="f0", voice_bias=bias)
    m = min(n, len(f0))
    v[:m] = f0[:m] > 0
    return v


def _runs(v: np.ndarray) -> list[tuple[float, float]]:
    v = v.copy()
    blip = int(round(VOICED_BLIP_S * 100))
    d = np.diff(np.r_[0, v.astype(np.int8), 0])
    for s, e in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
        if e - s < blip:
            v[s:e] = False
    runs = segments.pauses(v, MIN_LEN + 2 * TRIM)
    end = len(v) / 100.0
    # the clip's ends need no trim: nothing is said before 0 or after the end
    return [(s if s <= 0 else s + TRIM, e if e >= end else e - TRIM) for s, e in runs]


def voiceless_pauses(samples: np.ndarray, db: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """(start_s, end_s) of stretches without voice, at least MIN_LEN long; `db`, `mask`: segments'."""
    biased = voiced_100hz(samples, BIASED)
    n = min(len(biased), len(mask))
    if not mask[:n].any() or biased[:n][mask[:n]].mean() < MIN_VOICED_SHARE:
        return []
    out = _runs(biased)
    peak = float(np.percentile(db, 98))
    for s, e in _runs(voiced_100hz(samples, PLAIN)):
        seg = db[int(s * 100): max(int(s * 100) + 1, int(e * 100))]
        if len(seg) and float(np.median(seg)) <= peak - QUIET_DB:
            out.append((s, e))
    return sorted(out)
