"""Speech -> timed ARPAbet phones with pocketsphinx (its bundled US-English model, nothing downloaded).

Recognition: words with the n-gram model, then a phone-level forced alignment of those words; and the
free phone loop. With a transcript: forced alignment to the transcript. candidates.py runs these per
chunk and scores each against the sound. Long audio is decoded in chunks cut at pauses, so memory
stays bounded and chunks can run in parallel.
"""

from __future__ import annotations

import re

import numpy as np

from . import text as textmod

# Word recognition: the default beams (narrower ones lost most of the gain on real voices), no second
# passes, every other frame scored and at most 300 active HMMs a frame: ~0.04 x real time of CPU, a
# twelfth of the defaults. 1000 and 500 scored a little better on the tuning sets (a few more open
# vowels), but the 60 s speed budget needs this.
FAST = dict(fwdflat=False, bestpath=False, maxhmmpf=300, ds=2, cmn="batch")
# aligning recognised words (not a transcript): every other frame, narrower beams; a third of the cost
ALIGN_FAST = dict(ds=2, beam=1e-30, pbeam=1e-30, wbeam=1e-20, cmn="batch")
# cmn="batch": each chunk is normalised on its own (see also _decode, which resets the front end).
# Phone loop: narrow beams, every other frame scored, top-2 Gaussians: ~0.02 x real time of CPU,
# a third of the cost of the defaults, at no measurable loss in lip-sync scores (bench/eval_lipsync.py).
ALLPHONE = dict(beam=1e-10, pbeam=1e-10, ds=2, topn=2, lw=2.0, pip=0.5, bestpath=False, cmn="batch")
FRAME_S = 0.01
_FILLER = re.compile(r"^(<s>|</s>|<sil>|\[.*\]|\+.*\+)$")
# typical relative phone lengths, to split a word's time when phone alignment is unavailable
_VOWEL_WEIGHT = 2.0


DITHER = 2e-4          # -74 dBFS noise: digital silence (exact zeros) derails pocketsphinx's features


def _pcm(samples: np.ndarray) -> bytes:
    """Peak-normalised 16-bit PCM with a fixed faint noise floor, as a microphone would give."""
    x = np.asarray(samples, dtype=np.float32)
    peak = float(np.abs(x).max()) if x.size else 0.0
    if peak > 0:
        x = x * (0.5 / peak)
    x = x + DITHER * np.random.default_rng(len(x)).standard_normal(len(x)).astype(np.float32)
    return (np.clip(x, -1.0, 1.0) * 32767).astype(np.int16).tobytes()


def _decode(d, pcm: bytes) -> None:
    """One utterance from a fresh front end: pocketsphinx otherwise carries feature state (CMN and
    more) from one utterance to the next, and the same chunk would decode differently."""
    d.reinit_feat()
    d.start_utt()
    d.process_raw(pcm, full_utt=True)
    d.end_utt()


class PhoneDecoder:
    """Two pocketsphinx decoders (recognition and alignment), created on first use. Not thread-safe."""

    def __init__(self, method: str = "hybrid"):
        # "hybrid" (both below), "words" (n-gram words, then alignment) or "allphone" (phone loop)
        self.method = method
        self._rec = None
        self._ali = None
        self._ali_fast = None
        self._allphone = None

    def load(self, transcripts: bool = True) -> None:
        """Load the decoders this method uses (each holds its own copy of the acoustic model).
        transcripts=False leaves the transcript aligner (~0.2 s) to its first use: for callers that
        know their jobs come without transcripts (a batch whose manifest has none)."""
        if self.method in ("words", "hybrid"):
            self._recogniser()
            self._aligner(fast=True)
        if self.method in ("allphone", "hybrid"):
            self._phone_loop()
        if transcripts:
            self._aligner()

    def _recogniser(self):
        import pocketsphinx as ps

        if self._rec is None:
            self._rec = ps.Decoder(loglevel="FATAL", **FAST)
        return self._rec

    def _aligner(self, fast: bool = False):
        import pocketsphinx as ps

        if fast:     # for recognised words: their times are known roughly already
            if self._ali_fast is None:
                self._ali_fast = ps.Decoder(lm=None, loglevel="FATAL", **ALIGN_FAST)
            return self._ali_fast
        if self._ali is None:
            self._ali = ps.Decoder(lm=None, loglevel="FATAL", cmn="batch")
        return self._ali

    def _phone_loop(self):
        import os

        import pocketsphinx as ps

        if self._allphone is None:
            lm = os.path.join(ps.get_model_path(), "en-us", "en-us-phone.lm.bin")
            self._allphone = ps.Decoder(lm=None, allphone=lm, loglevel="FATAL", **ALLPHONE)
        return self._allphone

    def phone_loop(self, samples: np.ndarray) -> list[tuple[str, float, float]]:
        """Free phone recognition: timed phones straight from the audio."""
        d = self._phone_loop()
        _decode(d, _pcm(samples))
        return [(s.word, s.start_frame * FRAME_S, (s.end_frame + 1) * FRAME_S) for s in d.seg()
                if s.word not in ("SIL", "+NSN+", "+SPN+") and not s.word.startswith("+")]

    # ---- words ------------------------------------------------------------------------------------
    def recognise(self, samples: np.ndarray) -> list[tuple[str, float, float]]:
        d = self._recogniser()
        _decode(d, _pcm(samples))
        out = []
        for s in d.seg():
            if _FILLER.match(s.word):
                continue
            out.append((re.sub(r"\(\d+\)$", "", s.word), s.start_frame * FRAME_S, (s.end_frame + 1) * FRAME_S))
        return out

    def known_words(self, words: list[str], fast: bool = False) -> list[str]:
        """Words ready for alignment: unknown ones get a guessed pronunciation added to the dictionary."""
        ali = self._aligner(fast)
        out = []
        for w in words:
            if ali.lookup_word(w) is None:
                pron = textmod.guess_pronunciation(w)
                if not pron:
                    continue
                ali.add_word(w, pron, True)
            out.append(w)
        return out

    # ---- phones -----------------------------------------------------------------------------------
    def align(self, samples: np.ndarray, words: list[str], fast: bool = False):
        """(phones, timed words) from a forced alignment; None when the decoder finds no path at all.

        Two passes: words, then phones and states within them. When only the second pass fails (it
        is stricter, e.g. on fast speech), the words' times are kept and their dictionary phones are
        spread over them: the transcript is still used.
        """
        words = self.known_words(words, fast)
        if not words:
            return None
        d, pcm = self._aligner(fast), _pcm(samples)
        try:
            d.set_align_text(" ".join(words))
            _decode(d, pcm)
            if d.hyp() is None:
                return None
        except RuntimeError:
            return None
        timed = [(re.sub(r"\(\d+\)$", "", s.word), s.start_frame * FRAME_S, (s.end_frame + 1) * FRAME_S)
                 for s in d.seg() if not _FILLER.match(s.word)]
        try:
            d.set_alignment()
            _decode(d, pcm)
            al = d.get_alignment()
        except RuntimeError:
            al = None
        out = [] if al is None else [(p.name, p.start * FRAME_S, (p.start + p.duration) * FRAME_S)
                                     for p in al.phones()]
        out = [x for x in out if x[0] != "SIL"] or self.spread_in_words(timed)
        return (out, timed) if out else None

    def spread_in_words(self, words: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
        """Phones from the dictionary, spread over each recognised word's time (vowels longer)."""
        # Only a dictionary lookup: both aligners hold the same dictionary, and a word either had added
        # got the same guessed pronunciation that the fallback below gives, so either one answers the same
        # and the transcript aligner need not be loaded for it.
        ali = self._ali_fast or self._aligner()
        out = []
        for w, s, e in words:
            pron = ali.lookup_word(w) or textmod.guess_pronunciation(w)
            ph = pron.split()
            if not ph:
                continue
            wts = np.array([_VOWEL_WEIGHT if p[0] in "AEIOU" else 1.0 for p in ph])
            edges = s + (e - s) * np.r_[0.0, np.cumsum(wts) / wts.sum()]
            out += [(p, float(a), float(b)) for p, a, b in zip(ph, edges[:-1], edges[1:])]
        return out

    def candidates(self, samples: np.ndarray, transcript_words: list[str] | None = None) -> list[dict]:
        """Every candidate timeline for one chunk, scored (candidates.py)."""
        from .candidates import chunk_candidates

        return chunk_candidates(self, samples, transcript_words)

    def chunk_phones(self, samples: np.ndarray, transcript_words: list[str] | None = None):
        """(phones, words, how) for one chunk; times relative to the chunk start."""
        cands = self.candidates(samples, transcript_words)
        if not cands:
            return [], [], "recognised"
        c = max(cands, key=lambda c: (c["how"] == "transcript", c["agreement"]))
        return c["phones"], [w for w, _, _ in c["words"]], "transcript" if c["how"] == "transcript" else "recognised"


def split_words(words: list[str], weights: list[float]) -> list[list[str]]:
    """Share a transcript between chunks in proportion to each chunk's amount of speech."""
    w = np.asarray(weights, dtype=np.float64)
    if w.sum() <= 0:
        w = np.ones_like(w)
    bounds = np.round(np.cumsum(w) / w.sum() * len(words)).astype(int)
    out, a = [], 0
    for b in bounds:
        out.append(words[a:b])
        a = b
    return out
