"""Steady background noise taken out of a stretch of speech, for the transcript's forced alignment.

In kitchen or exercise-bike noise at 5-10 dB, pocketsphinx's forced alignment finds no path through
half of the clips (or only through their first words). A Wiener-style spectral subtraction (the noise
spectrum estimated from the stretch's quietest frames) brings most of those alignments back. It is a
second try only (candidates.py): on recognition without a transcript, and on alignments that already
work, the subtracted sound made pocketsphinx hear phones in the pauses (the residual "musical" noise),
so it is not used there. Clean stretches come back untouched: the subtraction fades in only as the
estimated speech-to-noise ratio falls below CLEAN_DB.
"""

from __future__ import annotations

import numpy as np

WIN, HOP = 512, 128          # 32 ms frames, 8 ms hop
QUIET_SHARE = 0.15           # the quietest 15 % of frames stand for the background
CLEAN_DB, NOISY_DB = 24.0, 16.0   # estimated speech/noise ratio: untouched above, full strength below
OVER = 2.0                   # over-subtraction at full strength: noise bursts overshoot the mean
FLOOR = 0.06                 # lowest gain (-24 dB): deeper cuts leave "musical" artefacts


def _frames(x: np.ndarray) -> np.ndarray:
    """WIN-sample frames every HOP samples (a view), the last one zero-padded."""
    n = 1 + max(0, (len(x) - WIN)) // HOP
    pad = np.zeros((n - 1) * HOP + WIN, dtype=np.float32)
    pad[: min(len(x), len(pad))] = x[: len(pad)]
    return np.lib.stride_tricks.sliding_window_view(pad, WIN)[::HOP]


def snr_db(db: np.ndarray) -> float:
    """Speech-to-background ratio of a clip from its 10 ms levels in dB (segments.frame_db): the
    90th over the 10th percentile."""
    return float(np.percentile(db, 90) - np.percentile(db, 10)) if len(db) else 99.0


def strength(snr: float) -> float:
    return float(np.clip((CLEAN_DB - snr) / (CLEAN_DB - NOISY_DB), 0.0, 1.0))


def for_alignment(samples: np.ndarray, db: np.ndarray) -> np.ndarray:
    """The samples with the steady background subtracted, or the very same array when the clip is
    clean (or too short to tell noise from speech). `db`: segments.frame_db of the samples."""
    s = strength(snr_db(db))
    if s <= 0.0 or len(samples) < 4 * WIN:
        return samples
    x = np.asarray(samples, dtype=np.float32)
    win = np.hanning(WIN + 1)[:-1].astype(np.float32)
    spec = np.fft.rfft(_frames(x) * win, axis=1)
    power = spec.real ** 2 + spec.imag ** 2
    e = power.sum(axis=1)
    quiet = e <= np.percentile(e, 100 * QUIET_SHARE)
    noise = power[quiet].mean(axis=0)
    gain = np.maximum(1.0 - s * OVER * noise / np.maximum(power, 1e-20), 1.0 - s * (1.0 - FLOOR))
    frames = np.fft.irfft(spec * np.sqrt(gain), n=WIN, axis=1) * win
    out = np.zeros((len(frames) - 1) * HOP + WIN)
    norm = np.zeros_like(out)
    step = WIN // HOP
    for k in range(step):      # frames k, k+step, ... do not overlap: each pass is one slice add
        part = frames[k::step]
        a = k * HOP
        out[a: a + part.size] += part.ravel()
        norm[a: a + part.size] += np.tile(win ** 2, len(part))
    y = np.zeros(len(x), dtype=np.float32)
    m = min(len(x), len(out))
    y[:m] = out[:m] / np.maximum(norm[:m], 1e-3)
    y[m:] = x[m:]
    return y
