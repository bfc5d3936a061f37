"""The timeline the engine reports (EngineOutput.phones / .words and info), from the weighted chunks."""

from __future__ import annotations

import numpy as np

from . import confidence, visemes

MIN_GAP = 0.02     # s; shorter gaps between phones are not reported as silence


def _reported(how, cand, by):
    """The candidate whose phones stand for a chunk: its leader, or the best-agreeing phone candidate
    when the acoustic curve leads (kept for the record, with its low confidence)."""
    if cand is not None:
        return cand
    return max(by.values(), key=lambda c: c["agreement"], default=None)


def entries(tl, duration: float, ac100=None, db100=None) -> tuple[list[dict], list[dict]]:
    """([{"start", "end", "phone", "conf"}], [{"start", "end", "word", "conf"}]) covering the clip.
    `ac100`: the clip's acoustic opening at 100 Hz; with it each phone and word gets its own confidence
    (confidence.py), without it every entry of a chunk gets the chunk's agreement; `db100`: the clip's
    frame levels (segments.frame_db), to lower it where speech barely stands above the background."""
    phones, words = [], []
    conf100 = clip_confidence(tl, ac100, db100) if ac100 is not None else None
    for (how, cand, _, s, e), (_, _, _, by) in zip(tl.primary(), tl.chunks):
        c = _reported(how, cand, by)
        flat = round(min(1.0, max(0.0, c["agreement"])), 3) if c else 0.0
        conf = (lambda a, b: confidence.span_mean(conf100, a, b)) if conf100 is not None else (lambda a, b: flat)
        t = s
        for p, a, b in sorted(c["phones"], key=lambda x: x[1]) if c else []:
            a, b = max(a, t), min(b, e, duration)
            if b <= a:
                continue
            if a - t >= MIN_GAP:
                phones.append(_ph(t, a, visemes.SILENCE, conf(t, a)))
            phones.append(_ph(a, b, visemes.base_phone(p), conf(a, b)))
            t = b
        end = min(e, duration)
        if end - t > 1e-6:
            phones.append(_ph(t, end, visemes.SILENCE, conf(t, end)))
        for w, a, b in c["words"] if c else []:
            a, b = max(a, s), min(b, e, duration)
            if b > a:
                words.append({"start": round(a, 3), "end": round(b, 3), "word": w, "conf": conf(a, b)})
    return phones, words


def clip_confidence(tl, ac100, db100=None) -> np.ndarray:
    """Per 10 ms frame of the clip: the confidence of the phones reported there (confidence.py)."""
    ac100 = np.asarray(ac100, float)
    out = np.zeros(len(ac100))
    for (how, cand, _, s, e), (_, _, w, by) in zip(tl.primary(), tl.chunks):
        c = _reported(how, cand, by)
        i, j = int(round(s * 100)), min(len(ac100), int(round(e * 100)))
        if c is None or j - i < 3:
            continue
        t = (np.arange(i, j) + 0.5) * 0.01
        others = [(w.get(k, 0.0), o) for k, o in by.items() if o is not c]
        out[i:j] = confidence.chunk_frames(c, others, w.get(c["how"], 0.0), w.get("acoustic", 0.0),
                                           ac100[i:j], t)
    out *= confidence.clarity(ac100)
    if db100 is not None:
        a = confidence.audibility(db100)[: len(out)]
        out[: len(a)] *= a
    return out


def _ph(a, b, p, conf):
    return {"start": round(a, 3), "end": round(b, 3), "phone": p, "conf": conf}


def summary(tl, phones: list[dict], had_transcript: bool) -> dict:
    """info fields: how the phones were found, from where, and how sure."""
    lead = [how for how, *_ in tl.primary()]
    if lead and all(h == "transcript" for h in lead):
        how = "transcript"
    elif lead and all(h == "acoustic" for h in lead):
        how = "acoustic-fallback"
    else:
        how = "recognised"
    spoken = [p for p in phones if p["phone"] != visemes.SILENCE]
    total = sum(p["end"] - p["start"] for p in spoken)
    conf = sum(p["conf"] * (p["end"] - p["start"]) for p in spoken) / total if total > 0 else 0.0
    shares = {k: 0.0 for k in ("transcript", "words", "loop", "acoustic")}
    for s, e, w, _ in tl.chunks:
        for k, v in w.items():
            shares[k] += v * (e - s)
    dur = sum(e - s for s, e, _, _ in tl.chunks) or 1.0
    info = {"phones": how, "phone_confidence": round(conf, 3),
            "phone_sources": {k: round(v / dur, 3) for k, v in shares.items()}}
    if had_transcript:
        n_t = sum(h == "transcript" for h in lead)
        info["transcript_used"] = n_t > 0
        if n_t == 0:
            info["transcript_note"] = ("the transcript could not be matched to the audio (no words the "
                                       "English aligner can pronounce, or it does not fit); lip sync "
                                       "comes from recognition and the sound itself")
        elif n_t < len(lead):
            info["transcript_note"] = (f"{len(lead) - n_t} of {len(lead)} stretches did not match the "
                                       "transcript and were recognised from the audio instead")
    return info
