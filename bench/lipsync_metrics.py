"""Lip-sync quality measures on a landmark track against known phone timing (issue 3's definitions).

Phones are (label, start_s, end_s) espeak-ng English mnemonics, or (label, start_s, end_s, class) with a
class from bench/phone_classes.py (every set in bench/speech_sets/ carries its classes). Both are turned
into the same classes, so every phone set is measured the same way.
"""

from __future__ import annotations

import numpy as np

import phone_classes  # noqa: E402  (bench/ is on sys.path for every bench script and test)

# issue 3's espeak English lists, kept under their old names (they live in phone_classes now)
BILABIAL = {"p", "b", "m"}
OPEN_FULL, SCHWA = phone_classes.EN_OPEN, phone_classes.EN_SCHWA
CLOSE_V, MID_V = phone_classes.EN_CLOSE, phone_classes.EN_MID


def classed(phones) -> list[tuple[str, float, float, str]]:
    """(label, start, end, class) for every phone; 3-tuples are espeak English (issue 3's lists)."""
    return [tuple(p) if len(p) > 3 else (p[0], p[1], p[2], phone_classes.espeak(p[0])) for p in phones]


def is_pause(p: str) -> bool:
    return p.startswith("_") or p == ""


def openness(p: str) -> float:
    """How open each phone looks, independent of the engine's own tables."""
    if is_pause(p) or p in BILABIAL:
        return 0.0
    if p in OPEN_FULL:
        return 1.0
    if p in MID_V or p in SCHWA:
        return 0.6
    if p in CLOSE_V:
        return 0.35
    if p in {"f", "v"}:
        return 0.1
    return 0.25


def gap_curve(frames: np.ndarray) -> np.ndarray:
    """Inner-lip gap / outer-eye-corner distance per frame (rotation and scale free)."""
    up = frames[:, 61:64, :2].mean(axis=1)
    lo = frames[:, 65:68, :2].mean(axis=1)
    eye = np.linalg.norm(frames[:, 45, :2] - frames[:, 36, :2], axis=1)
    return np.linalg.norm(lo - up, axis=1) / eye


def _frames_in(times, s, e):
    return np.flatnonzero((times >= s) & (times <= e))


def pauses_of(phones, duration, min_len=0.3):
    speech = sorted((s, e) for _, s, e, c in classed(phones) if c != "sil")
    out, t = [], 0.0
    for s, e in speech:
        if s - t >= min_len:
            out.append((t, s))
        t = max(t, e)
    if duration - t >= min_len:
        out.append((t, duration))
    return out


def openness_curve(phones, duration: float) -> np.ndarray:
    """The reference's openness at 100 Hz, smoothed by 30 ms (what the mouth should look like)."""
    from scipy.ndimage import gaussian_filter1d

    t100 = np.arange(0, duration, 0.01)
    o = np.zeros(len(t100))
    for _, s, e, c in classed(phones):
        o[(t100 >= s) & (t100 < e)] = phone_classes.OPENNESS[c]
    return gaussian_filter1d(o, 3)


def measure(frames: np.ndarray, fps: float, phones, duration: float, include_schwa: bool = True) -> dict:
    return measure_gap(gap_curve(frames), fps, phones, duration, include_schwa)


def measure_gap(gap: np.ndarray, fps: float, phones, duration: float, include_schwa: bool = True) -> dict:
    """The four measures on a lip-gap curve (any unit: thresholds are relative to the curve itself)."""
    phones = classed(phones)
    gap = np.asarray(gap, float)
    times = np.arange(len(gap)) / fps
    open_set = {"open", "schwa"} if include_schwa else {"open"}
    ov = [(s, e) for _, s, e, c in phones if c in open_set]
    ov_frames = np.concatenate([_frames_in(times, s, e) for s, e in ov]) if ov else np.array([], int)
    med_open = float(np.median(gap[ov_frames])) if len(ov_frames) else float("nan")
    closed_thr = 0.25 * med_open
    p95 = float(np.percentile(gap, 95))

    bil = [(s, e) for _, s, e, c in phones if c == "bil" and e - s >= 0.04]
    bil_ok = [bool(len(f := _frames_in(times, s, e)) and gap[f].min() <= closed_thr) for s, e in bil]
    # a vowel opens when the gap reaches half the clip's 95th percentile -- and the mouth moves at all
    # (without the second test a frozen mouth, open or shut, "opened" every vowel: max >= 0.5 * max)
    p5 = float(np.percentile(gap, 5))
    moves = p95 - p5 > 1e-9
    ov_ok = [bool(len(f := _frames_in(times, s, e)) and moves and gap[f].max() >= 0.5 * p95
                  and gap[f].max() - p5 >= 0.25 * (p95 - p5)) for s, e in ov]
    ov_ok = [x for x, (s, e) in zip(ov_ok, ov) if len(_frames_in(times, s, e))]
    sil = []
    for s, e in pauses_of(phones, duration):
        f = _frames_in(times, s + 0.1, e - 0.1)
        sil += list(gap[f] <= closed_thr)

    # sync: gap vs phone openness at 100 Hz, best correlation within +-40 ms
    o = openness_curve(phones, duration)
    g = np.interp(np.arange(len(o)) * 0.01, times, gap)
    best = None
    for lag in range(-4, 5):   # gap shifted by lag*10 ms
        a, b = (g[lag:], o[:len(o) - lag]) if lag >= 0 else (g[:lag], o[-lag:])
        if a.std() > 0 and b.std() > 0:
            r = float(np.corrcoef(a, b)[0, 1])
            best = max(best or (r, lag * 10), (r, lag * 10))
    best = best or (0.0, 0)    # a frozen mouth is uncorrelated with the speech (it used to read -1)
    return {"bilabial_closure": _rate(bil_ok), "n_bilabial": len(bil_ok), "open_vowel_opening": _rate(ov_ok),
            "n_open": len(ov_ok), "silence_rest": _rate(sil), "n_silence_frames": len(sil),
            "sync_r": best[0], "sync_lag_ms": best[1]}


def _rate(xs) -> float:
    return float(np.mean(xs)) if len(xs) else float("nan")
