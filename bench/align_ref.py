"""Reference phone timing for real recordings with known words: a careful pocketsphinx forced alignment.

Careful means: wide beams (far wider than the engine's), batch CMN on the whole clip, optional
silences between words, a word pass and then a phone/state pass. Dev/bench only.
Known weakness: the same bundled acoustic model as the engine's transcript path (see SOURCES.md).
"""

from __future__ import annotations

import re

import numpy as np

# silprob 0.1 (default 0.005): at the default, pauses of 100-300 ms inside a sentence are absorbed into
# the phone before them; at 0.1 they come out as SIL (checked against the clip energy).
# Beams 1e-60/1e-40: ten orders wider than the defaults (wider still, the state pass underflows and fails).
WIDE = dict(beam=1e-60, wbeam=1e-40, pbeam=1e-60, cmn="batch", silprob=0.1)
FALLBACK = dict(cmn="batch", silprob=0.1)
FRAME_S = 0.01
# words some sources use that the bundled dictionary lacks (ARPAbet, CMUdict style)
EXTRA = {"yknow": "Y AH N OW", "steels": "S T IY L Z", "whittemore": "W IH T M AO R",
         "gregson": "G R EH G S AH N", "dashwood": "D AE SH W UH D", "em": "AH M",
         "puddy": "P AH D IY", "aligner": "AH L AY N ER", "selden's": "S EH L D AH N Z", "pooty": "P UW T IY", "poofy": "P UW F IY", "hm": "HH M",
         "sintra": "S IH N T R AH", "marianas": "M EH R IY AA N AH S", "sie": "Z IY",
         "splendours": "S P L EH N D ER Z"}


def _pcm(x: np.ndarray) -> bytes:
    x = np.asarray(x, np.float32)
    x = x * (0.5 / (float(np.abs(x).max()) + 1e-9))
    x = x + 1e-4 * np.random.default_rng(0).standard_normal(len(x)).astype(np.float32)
    return (np.clip(x, -1, 1) * 32767).astype(np.int16).tobytes()


def words_of(text: str) -> list[str]:
    t = text.lower().replace("-", " ")
    return [w for w in re.sub(r"[^a-z' ]", " ", t).split() if w.strip("'")]


def align(x: np.ndarray, text: str):
    """-> (phones [(ARPAbet, start_s, end_s)] with SIL for pauses, words [(word, start, end)])."""
    try:
        return _align(x, text, WIDE)
    except RuntimeError:
        pass
    try:
        return _align(x, text, FALLBACK)
    except RuntimeError:
        return _align(x, text, dict(cmn="batch"))


def _align(x: np.ndarray, text: str, beams: dict):
    import pocketsphinx as ps

    d = ps.Decoder(lm=None, loglevel="FATAL", **beams)
    words = []
    for w in words_of(text):
        w = w.strip("'") if d.lookup_word(w) is None and d.lookup_word(w.strip("'")) else w
        if d.lookup_word(w) is None:
            if w not in EXTRA:
                raise ValueError(f"no pronunciation for {w!r}")
            d.add_word(w, EXTRA[w], True)
        words.append(w)
    pcm = _pcm(x)
    d.set_align_text(" ".join(words))
    _run(d, pcm)
    if d.hyp() is None:
        raise RuntimeError("alignment found no path")
    segs = [(re.sub(r"\(\d+\)$", "", s.word), s.start_frame * FRAME_S, (s.end_frame + 1) * FRAME_S)
            for s in d.seg() if s.word not in {"<s>", "</s>"}]
    timed = [w for w in segs if w[0] != "<sil>"]
    try:
        d.set_alignment()
        _run(d, pcm)
        al = [(p.name, p.start) for p in d.get_alignment().phones()]
    except RuntimeError:
        # the state pass fails on some long stretches: align each word inside its word-pass span
        return _per_word(x, segs, d), timed
    # each phone lasts until the next one starts (the reported durations can leave holes)
    ends = [s for _, s in al[1:]] + [len(pcm) // 320]
    phones = [(n, round(s * FRAME_S, 3), round(e * FRAME_S, 3)) for (n, s), e in zip(al, ends) if e > s]
    return phones, timed


def _run(d, pcm: bytes) -> None:
    d.reinit_feat()
    d.start_utt()
    d.process_raw(pcm, full_utt=True)
    d.end_utt()


def _per_word(x: np.ndarray, segs, d, sr: int = 16000):
    out = []
    for w, s, e in segs:
        if w in {"<sil>", "[noise]"} or w.startswith("+"):
            out.append(("SIL", round(s, 3), round(e, 3)))
            continue
        try:
            ph, _ = _align(x[int(s * sr):int(e * sr)], w, dict(cmn="batch", silprob=0.1))
            out += [(p, round(a + s, 3), round(min(b + s, e), 3)) for p, a, b in ph if p != "SIL" or b - a > 0.05]
        except (RuntimeError, ValueError):
            pron = (d.lookup_word(w) or "").split()      # last resort: spread the dictionary phones
            step = (e - s) / max(1, len(pron))
            out += [(p, round(s + k * step, 3), round(s + (k + 1) * step, 3)) for k, p in enumerate(pron)]
    return out


def align_segments(x: np.ndarray, segments, sr: int = 16000):
    """Long takes: align each (start_s, end_s, text) stretch on its own; SIL between them."""
    phones, words, t = [], [], 0.0
    for s, e, text in segments:
        if s > t:
            phones.append(("SIL", round(t, 3), round(s, 3)))
        ph, wd = align(x[int(s * sr):int(e * sr)], text)
        phones += [(p, round(a + s, 3), round(b + s, 3)) for p, a, b in ph]
        words += [(w, a + s, b + s) for w, a, b in wd]
        t = e
    if len(x) / sr > t:
        phones.append(("SIL", round(t, 3), round(len(x) / sr, 3)))
    return phones, words


def textgrid_intervals(text: str, tier: str, offset: float = 0.0):
    """(start, end, words) of the non-empty intervals of one TextGrid tier, shifted by -offset."""
    body = text.split(f'name = "{tier}"', 1)[1].split("item [", 1)[0]
    hits = re.findall(r'xmin = ([\d.]+)\s+xmax = ([\d.]+)\s+text = "([^"]*)"', body)
    return [(float(a) - offset, float(b) - offset, w.replace("\n", " ")) for a, b, w in hits if w.strip()]
