"""One chunk -> candidate phone timelines, each scored against the chunk's own acoustics.

Candidates: a forced alignment to the transcript (when there is one), pocketsphinx word recognition
with its bundled language model followed by an alignment of the recognised words (best on real English
voices), and the free phone loop (best on synthetic and non-English voices). None is right
everywhere, so the engine weighs them per chunk by their agreement with the sound (agreement.py).
"""

from __future__ import annotations

import numpy as np

from .agreement import agreement, chunk_open

# a transcript alignment this consistent with the sound is trusted without decoding alternatives
TRANSCRIPT_OK = 0.45
SKIP_LOOP_AT = 0.65
# an alignment that times fewer of the transcript's words than this stopped short (a partial path)
COMPLETE = 0.9


def _cand(how, phones, words, ac_open) -> dict:
    return {"how": how, "phones": phones, "words": words, "agreement": round(agreement(phones, ac_open), 4)}


def _transcript_alignment(dec, samples: np.ndarray, words: list[str]):
    """dec.align, tried again on the stretch with its steady noise subtracted (denoise.py) when the
    first try finds no path or stops short of the transcript's end (a partial path)."""
    r = dec.align(samples, words)
    if r and len(r[1]) >= COMPLETE * len(words):
        return r
    from .denoise import for_alignment
    from .segments import frame_db

    quiet = for_alignment(samples, frame_db(samples))
    if quiet is samples:
        return r
    r2 = dec.align(quiet, words)
    return r2 if r2 and (not r or len(r2[1]) > len(r[1])) else r


def chunk_candidates(dec, samples: np.ndarray, transcript_words=None) -> list[dict]:
    """[{"how": transcript|words|loop, "phones": [(p, s, e)], "words": [(w, s, e)], "agreement"}];
    times relative to the chunk start."""
    ac_open = chunk_open(samples)
    out = []
    if transcript_words:
        r = _transcript_alignment(dec, samples, transcript_words)
        if r:
            out.append(_cand("transcript", r[0], r[1], ac_open))
            if out[0]["agreement"] >= TRANSCRIPT_OK:
                return out
    if dec.method in ("hybrid", "words"):
        words = dec.recognise(samples)
        if words:
            r = dec.align(samples, [w for w, _, _ in words], fast=True)
            ph, timed = r if r else (dec.spread_in_words(words), words)
            out.append(_cand("words", ph, timed, ac_open))
    # the phone loop costs a third of the time again; where the recognised words already agree this
    # well with the sound it would get almost no weight (mixing.PRIOR), so it is skipped
    if dec.method == "allphone" or (dec.method == "hybrid" and max(
            (c["agreement"] for c in out if c["how"] == "words"), default=0.0) < SKIP_LOOP_AT):
        out.append(_cand("loop", dec.phone_loop(samples), [], ac_open))
    return out
