"""Viseme targets over time -> smooth mouth-parameter curves, with coarticulation.

Dominance blending (after Cohen & Massaro): every phone pulls each parameter towards its target with a
weight that is full inside the phone and falls off before it (anticipation) and after it (carry-over).
The value at time t is the dominance-weighted mean of all targets. Two hard rules follow, because the
eye is unforgiving about them: lips meet on p/b/m, and the mouth rests closed in pauses >= 0.3 s.
"""

from __future__ import annotations

import numpy as np

from . import visemes

# Time constants (s) of the dominance fall-off before a phone (anticipation) and after it (carry-over).
# Opening and jaw move fast (a vowel reaches its opening in its middle); lip shape (rounding, spread,
# tuck) is planned further ahead, as lip rounding is in speech.
TAU_ANTICIPATE = {"open": 0.032, "shape": 0.070}
TAU_CARRY = {"open": 0.026, "shape": 0.055}
REST_DOMINANCE = 0.05
SHAPE = 2.0                # dominance fall-off exponent (2 = Gaussian-like)
REACH = 0.30               # s; beyond this a phone has no influence (keeps the cost linear)
CLOSURE_RAMP = 0.035       # s; lips close / release over this time around p/b/m
HEARD_GUARD = 1.0          # how far vowel guards hold off heard closures (recognised vowels may be wrong)
REST_PAUSE = 0.30          # s; pauses at least this long bring the mouth to rest
REST_MARGIN = 0.05         # s; rest starts this far inside the pause
REST_RAMP = 0.08           # s


def _window(times: np.ndarray, s: float, e: float) -> slice:
    lo = np.searchsorted(times, s - REACH)
    hi = np.searchsorted(times, e + REACH, side="right")
    return slice(lo, hi)


def blend(phones: list[tuple[str, float, float]], times: np.ndarray, progress=None) -> np.ndarray:
    """Dominance-blended parameters (n x 4) at `times` for expanded phones [(phone, start, end)]."""
    n = len(times)
    num = np.zeros((n, visemes.N_PARAMS))
    # a weak pull towards rest everywhere: gaps between phones drift closed instead of jumping
    den = np.full((n, visemes.N_PARAMS), REST_DOMINANCE)
    tgt, dom = visemes.target_array(phones)
    for i, (_, s, e) in enumerate(phones):
        if progress is not None and i % 512 == 0:
            progress.check()
        w = _window(times, s, e)
        t = times[w]
        before, after = np.clip(s - t, 0.0, None), np.clip(t - e, 0.0, None)
        d_open = np.exp(-(before / TAU_ANTICIPATE["open"] + after / TAU_CARRY["open"]) ** SHAPE)
        d_shape = np.exp(-(before / TAU_ANTICIPATE["shape"] + after / TAU_CARRY["shape"]) ** SHAPE)
        d = np.stack([d_open, d_open, d_shape, d_shape], axis=1) * dom[i]
        num[w] += d * tgt[i]
        den[w] += d
    return num / den


def _plateau(times: np.ndarray, s: float, e: float, ramp: float) -> tuple[slice, np.ndarray]:
    """1 on [s, e], raised-cosine ramps of length `ramp` either side, 0 beyond."""
    lo = np.searchsorted(times, s - ramp)
    hi = np.searchsorted(times, e + ramp, side="right")
    t = times[lo:hi]
    x = np.maximum(np.clip(s - t, 0, None), np.clip(t - e, 0, None)) / ramp
    return slice(lo, hi), 0.5 * (1 + np.cos(np.pi * np.clip(x, 0, 1)))


def closure_mask(phones, times: np.ndarray, fps: float) -> np.ndarray:
    """How closed the lips must be (0..1) from p/b/m. Held at least one frame, so no fps misses it."""
    m = np.zeros(len(times))
    half_frame = 0.55 / fps
    for p, s, e in phones:
        if p not in visemes.BILABIALS:
            continue
        c, h = 0.5 * (s + e), max(0.5 * (e - s) * 0.8, half_frame)
        w, v = _plateau(times, c - h, c + h, CLOSURE_RAMP)
        np.maximum(m[w], v, out=m[w])
    return m


def vowel_guard(phones, times: np.ndarray, fps: float) -> np.ndarray:
    """1 around the middle of each vowel: closures from neighbouring p/b/m (or heard dips) may not
    swallow a short vowel such as the one in "my mom"."""
    m = np.zeros(len(times))
    for p, s, e in phones:
        if p not in visemes.VOWELS:     # after expand() diphthong halves are plain vowels
            continue
        c, h = 0.5 * (s + e), max(0.15 * (e - s), 0.5 / fps)
        w, v = _plateau(times, c - h, c + h, 0.02)
        np.maximum(m[w], v, out=m[w])
    return m


def rest_mask(phones, times: np.ndarray, duration: float, heard_pauses=()) -> np.ndarray:
    """1 inside pauses >= REST_PAUSE: gaps between phones (and the ends), plus pauses heard in the audio."""
    pauses, prev_end = list(heard_pauses), 0.0
    for p, s, e in phones:
        if p == visemes.SILENCE:
            continue
        if s - prev_end >= REST_PAUSE:
            pauses.append((prev_end, s))
        prev_end = max(prev_end, e)
    if duration - prev_end >= REST_PAUSE or not phones:
        pauses.append((prev_end, max(duration, prev_end) + 1.0))
    m = np.zeros(len(times))
    for s, e in pauses:
        # the clip edges need no margin: nothing is said before 0 or after the end
        s2 = s + REST_MARGIN if s > 0 else s - 1.0
        w, v = _plateau(times, s2, e - REST_MARGIN, REST_RAMP)
        np.maximum(m[w], v, out=m[w])
    return m


def mouth_curves(phones_raw, times: np.ndarray, fps: float, duration: float, progress=None,
                 acoustic=None, acoustic_weight: float = 0.0, heard_pauses=(), heard_closure=None) -> np.ndarray:
    """Timed phones [(ARPAbet, start_s, end_s)] -> mouth parameters (n x 4) at `times`.

    `acoustic` (n x 4, optional) is mixed into opening and jaw with `acoustic_weight`: when phones come
    from recognition they may be wrong, while loudness and formant energy are always in time.
    `heard_closure` (n, 0..1, optional) adds lip closures heard in the audio.
    """
    phones = visemes.expand(sorted(phones_raw, key=lambda x: x[1]))
    curves = blend(phones, times, progress)
    if acoustic is not None and acoustic_weight > 0:
        curves[:, :2] = (1 - acoustic_weight) * curves[:, :2] + acoustic_weight * acoustic[:, :2]
    guard = vowel_guard(phones, times, fps)
    close = closure_mask(phones, times, fps) * (1.0 - guard)
    if heard_closure is not None:   # recognised vowels may be wrong: heard closures are half-guarded
        close = np.maximum(close, heard_closure * (1.0 - HEARD_GUARD * guard))
    rest = rest_mask(phones, times, duration, heard_pauses)
    curves[:, 0] *= 1.0 - close
    curves[:, 1] *= 1.0 - 0.6 * close
    curves *= (1.0 - rest)[:, None]
    return curves
