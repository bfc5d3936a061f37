"""Candidate timelines per chunk -> one set of mouth curves, and the timeline the engine reports.

Every chunk has candidates (transcript alignment, recognised words, phone loop; candidates.py) and the
acoustic curve as a last one. Each gets a weight from its agreement with the sound plus a prior, so a
transcript wins unless it plainly does not match the audio (a restart, a missing "um"), and the
acoustic curve wins when no phone timeline fits (noise, music, a language the decoders get lost in).
Opening and shape are mixed by weight frame by frame; lip closures come from every candidate with a
real share of the weight, since a half-closed mouth is no closure.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import maximum_filter1d

from . import coarticulation, visemes

PRIOR = {"transcript": 0.35, "words": 0.12, "loop": 0.0}
TRANSCRIPT_FLOOR = 0.2     # a transcript alignment agreeing this little with the sound gets no head start
ACOUSTIC_SCORE = 0.30      # a phone candidate scoring below this is worse than the sound alone
TEMPERATURE = 0.06         # softness of the weighting (agreement units)
CLOSE_MIN_WEIGHT = 0.3     # a candidate's p/b/m close the lips where it holds at least this weight
# share of acoustic opening mixed into each candidate's opening: the phone loop makes mistakes that
# the always-in-time acoustics smooth over; aligned words rarely do
ACOUSTIC_MIX = {"transcript": 0.25, "words": 0.0, "loop": 0.6}
# how far heard closures (acoustic dips) override each candidate
SHUT_TRUST = {"transcript": 0.0, "words": 0.8, "loop": 1.0, "acoustic": 1.0}
# s; forced-alignment boundaries come out a little early; phone-loop ones are in phase with the
# acoustic curves they are mixed with
DELAY = {"transcript": -0.01, "words": 0.0, "loop": 0.0}
KINDS = ("transcript", "words", "loop")
# the opening never falls below this share of the acoustic opening (before closures and rests): where
# the candidates disagree, their mix would otherwise half-open on a vowel that is plainly heard
ACOUSTIC_FLOOR = 0.5
LOUD_OPEN = (0.3, 0.6)   # acoustic opening from which a phone gap is plainly speech, not a pause
# heard dip x P(p/b/m) (bilabial.py) from which the lips start to close and are fully shut
BIL_PROB = (0.2, 0.45)
CONFIRM_S = 0.06           # s; a heard dip this close to a candidate's p/b/m confirms it


def chunk_weights(cands: list[dict]) -> dict[str, float]:
    """Softmax of (agreement + prior) over the chunk's candidates and the acoustic curve."""
    scores = {c["how"]: c["agreement"] + _prior(c) for c in cands}
    scores["acoustic"] = ACOUSTIC_SCORE
    top = max(scores.values())
    w = {k: math.exp((v - top) / TEMPERATURE) for k, v in scores.items()}
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


def _prior(c) -> float:
    """A transcript's head start shrinks when its alignment plainly does not fit the sound (a wrong or
    far too short transcript), so recognition can take over that stretch."""
    p = PRIOR[c["how"]]
    if c["how"] == "transcript":
        from .candidates import TRANSCRIPT_OK

        p *= min(1.0, max(0.0, (c["agreement"] - TRANSCRIPT_FLOOR) / (TRANSCRIPT_OK - TRANSCRIPT_FLOOR)))
    return p


class Timeline:
    """The chunks' candidates, placed on the clip's time axis with their per-frame weights."""

    def __init__(self, results, plan, sr: int, times: np.ndarray):
        n = len(times)
        self.phones = {k: [] for k in KINDS}
        self.words = {k: [] for k in KINDS}
        self.weight = {k: np.zeros(n) for k in KINDS + ("acoustic",)}
        self.chunks = []          # per chunk: (start_s, end_s, weights, {how: candidate})
        for (a, b), cands in zip(plan, results):
            s, e = a / sr, b / sr
            w = chunk_weights(cands)
            sel = (times >= s) & (times < e)
            for k, v in w.items():
                self.weight[k][sel] = v
            by = {}
            for c in cands:
                k, off = c["how"], s + DELAY[c["how"]]
                ph = [(p, t0 + off, t1 + off) for p, t0, t1 in c["phones"]]
                wd = [(x, t0 + off, t1 + off) for x, t0, t1 in c["words"]]
                self.phones[k] += ph
                self.words[k] += wd
                by[k] = dict(c, phones=ph, words=wd)
            self.chunks.append((s, e, w, by))

    def primary(self):
        """Per chunk the best-weighted candidate: (how, candidate or None, weight)."""
        out = []
        for s, e, w, by in self.chunks:
            k = max(w, key=w.get)
            out.append((k, by.get(k), w[k], s, e))
        return out


def mouth_curves(tl: Timeline, times, fps, duration, ac, shut, heard_pauses, progress=None, bil=None,
                 heard_open=None):
    """Weighted mix of every candidate's mouth curves (n x 4), with closures and rests applied.
    `bil` (n, optional): heard dips weighted by the classifier's P(p/b/m), as bilabial.probability.
    `heard_open` (n, optional): the acoustic opening of the plain sound, which says whether a gap
    between phones is still loud (default: ac's own)."""
    n = len(times)
    num = np.zeros((n, visemes.N_PARAMS))
    den = np.full(n, 1e-9)
    close = np.zeros(n)
    heard_trust = tl.weight["acoustic"] * SHUT_TRUST["acoustic"]
    guard_all = np.zeros(n)
    confirmed = np.clip(maximum_filter1d(shut, max(1, int(round(CONFIRM_S * fps)))) / 0.5, 0, 1) if len(shut) else shut
    for k in KINDS:
        w = tl.weight[k]
        if not tl.phones[k] or w.max() <= 0:
            continue
        ph = visemes.expand(sorted(tl.phones[k], key=lambda x: x[1]))
        c = coarticulation.blend(ph, times, progress)
        if ACOUSTIC_MIX[k] > 0:
            c[:, :2] = (1 - ACOUSTIC_MIX[k]) * c[:, :2] + ACOUSTIC_MIX[k] * ac[:, :2]
        num += w[:, None] * c
        den += w
        guard = coarticulation.vowel_guard(ph, times, fps)
        guard_all = np.maximum(guard_all, guard * (w >= CLOSE_MIN_WEIGHT))
        mine = coarticulation.closure_mask(ph, times, fps) * (1.0 - guard)
        # a p/b/m that the sound confirms (a dip in the formant band) closes the lips whichever
        # candidate heard it; unconfirmed ones only where their candidate leads
        close = np.maximum(close, mine * np.maximum(w >= CLOSE_MIN_WEIGHT, confirmed))
        heard_trust = heard_trust + w * SHUT_TRUST[k]
    wa = tl.weight["acoustic"]
    num += wa[:, None] * ac
    den += wa
    curves = num / den[:, None]
    curves[:, :2] = np.maximum(curves[:, :2], ACOUSTIC_FLOOR * ac[:, :2])
    heard = shut * np.clip(heard_trust, 0, 1) * (1.0 - coarticulation.HEARD_GUARD * guard_all)
    close = np.maximum(close, heard)
    if bil is not None:     # dips the classifier calls p/b/m close the lips (a transcript knows better)
        close = np.maximum(close, np.clip((bil - BIL_PROB[0]) / (BIL_PROB[1] - BIL_PROB[0]), 0, 1)
                           * (1.0 - guard_all) * (1.0 - tl.weight["transcript"]))
    heard_rest = coarticulation.rest_mask([("AH", s, e) for s, e in _speech_runs(heard_pauses, duration)],
                                          times, duration, heard_pauses)
    gap_rest = coarticulation.rest_mask(_rest_phones(tl), times, duration)
    # a gap between phones rests the mouth only where the sound is quiet too: a word the recogniser
    # missed is still spoken (and noise that the level detector takes for speech still rests)
    level = ac[:, 0] if heard_open is None else heard_open
    loud = np.clip((level - LOUD_OPEN[0]) / (max(LOUD_OPEN[1] - LOUD_OPEN[0], 1e-6)), 0, 1)
    rest = np.maximum(heard_rest, gap_rest * (1.0 - loud))
    curves[:, 0] *= 1.0 - close
    curves[:, 1] *= 1.0 - 0.6 * close
    curves *= (1.0 - rest)[:, None]
    return curves


def _rest_phones(tl: Timeline):
    """Phones that say where speech is: each chunk's best phone candidate, or the whole chunk when the
    acoustic curve leads there (the heard pauses still bring the mouth to rest)."""
    out = []
    for how, cand, _, s, e in tl.primary():
        if how == "acoustic" or cand is None:
            out.append(("AH", s, e))
        else:
            out += cand["phones"]
    return out


def _speech_runs(pauses, total):
    runs, t = [], 0.0
    for s, e in pauses:
        if s > t:
            runs.append((t, s))
        t = e
    if total > t:
        runs.append((t, total))
    return runs
