"""How sure the engine is of each moment of its phone timeline (EngineOutput.phones / .words `conf`).

One number per recognition chunk (up to 12 s) cannot say *where* to look. Here every 10 ms frame gets
its own: the local agreement of the chunk's reported candidate with the acoustic opening curve (a
correlation over a ~0.6 s window: are its syllables where the sound's are, here), reduced where the
other candidates that hold weight in the chunk place their syllables elsewhere. A burst of noise or
music inside speech, a mumbled stretch or a word the decoders fight over scores low; clean speech
around it keeps a high score. Two more factors lower it where the sound itself is unclear: a stretch
with no syllable rhythm (clarity) and speech barely above the background (audibility). A phone or word
gets the mean over its frames. Constants were set on the test clips and the benchmark's tune splits.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d

from . import coarticulation, visemes

SMOOTH = 4.0        # frames (10 ms); the same syllable-scale smoothing as agreement.py
WINDOW = 30.0       # frames; sigma of the local correlation window (~ +-0.6 s of weight)
VAR_FLOOR = 0.002   # a curve flatter than this (steady noise, a held tone) cannot confirm anything
DISAGREE = 1.0      # how far the other candidates' disagreement (share of the weight) lowers conf
# local correlation that counts as full confidence: inside speech the syllable-scale correlation of a
# right timeline is lower than a chunk's (which the speech/pause contrast lifts)
R_FULL = 0.45
# a stretch whose acoustic opening swings less than this share of the clip's usual syllable swing is
# not heard clearly (steady noise or music over the voice, mumbling): lower confidence there
MOD_FULL = 0.7
AUDIBLE_DB = (5.0, 20.0)   # dB of speech over the background from which conf starts / is not lowered


def _openness(phones, t: np.ndarray) -> np.ndarray:
    if not phones:
        return np.zeros(len(t))
    c = coarticulation.blend(visemes.expand(sorted(phones, key=lambda x: x[1])), t)[:, 0]
    return gaussian_filter1d(c, SMOOTH)


def local_corr(a: np.ndarray, b: np.ndarray, sigma: float = WINDOW) -> np.ndarray:
    """Correlation of a and b in a Gaussian window around every frame; flat stretches score ~0."""
    f = lambda x: gaussian_filter1d(x, sigma, mode="nearest")   # noqa: E731
    ma, mb = f(a), f(b)
    va, vb = f(a * a) - ma * ma, f(b * b) - mb * mb
    cov = f(a * b) - ma * mb
    return cov / np.sqrt((np.maximum(va, 0) + VAR_FLOOR) * (np.maximum(vb, 0) + VAR_FLOOR))


def chunk_frames(lead: dict | None, others: list[tuple[float, dict]], w_lead: float, w_acoustic: float,
                 ac: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Confidence (0..1) at times t (one chunk) of the reported candidate `lead`; `others`: (weight,
    candidate) of the chunk's other phone candidates; `ac`: the acoustic opening at t."""
    if lead is None or not lead["phones"] or len(t) < 3:
        return np.zeros(len(t))
    a = gaussian_filter1d(np.asarray(ac, float), SMOOTH)
    mine = _openness(lead["phones"], t)
    conf = np.clip(local_corr(mine, a) / R_FULL, 0.0, 1.0)
    total = w_lead + w_acoustic + sum(w for w, _ in others)
    if others and total > 0:
        dis = np.zeros(len(t))
        for w, c in others:
            dis += w * (1.0 - np.clip(local_corr(mine, _openness(c["phones"], t)), 0.0, 1.0))
        conf = conf * (1.0 - DISAGREE * dis / total)
    if w_acoustic > w_lead:        # no phone timeline led here: the phones are only for the record
        conf = np.minimum(conf, max(0.0, lead["agreement"]))
    return np.clip(conf, 0.0, 1.0)


def clarity(ac100: np.ndarray) -> np.ndarray:
    """0..1 per frame: the local syllable-scale swing of the acoustic opening against the clip's own."""
    a = gaussian_filter1d(np.asarray(ac100, float), SMOOTH)
    if len(a) < 3:
        return np.ones(len(a))
    m = gaussian_filter1d(a, WINDOW, mode="nearest")
    sd = np.sqrt(np.maximum(gaussian_filter1d(a * a, WINDOW, mode="nearest") - m * m, 0.0))
    heard = a > 0.15
    ref = np.percentile(sd[heard], 75) if heard.sum() >= 10 else 0.0
    if ref <= 1e-6:
        return np.zeros(len(a))
    return np.clip(sd / (MOD_FULL * ref), 0.0, 1.0)


def audibility(db100: np.ndarray) -> np.ndarray:
    """0..1 per frame: how far the speech around it (its loudest 10 ms within ~0.3 s) stands above the
    clip's background (its 5th percentile level). Speech 5-10 dB over traffic or a kitchen is heard
    only in part, whatever the decoders make of it."""
    db = np.asarray(db100, float)
    if len(db) < 3:
        return np.ones(len(db))
    over = maximum_filter1d(db, 31) - np.percentile(db, 5)
    return np.clip((over - AUDIBLE_DB[0]) / (AUDIBLE_DB[1] - AUDIBLE_DB[0]), 0.0, 1.0)


def span_mean(conf100: np.ndarray, a: float, b: float) -> float:
    """Mean of the 100 Hz confidence over [a, b) s (the nearest frame for very short spans)."""
    if not len(conf100):
        return 0.0
    i = min(len(conf100) - 1, max(0, int(a * 100)))
    j = min(len(conf100), max(i + 1, int(np.ceil(b * 100))))
    return round(float(np.mean(conf100[i:j])), 3)
