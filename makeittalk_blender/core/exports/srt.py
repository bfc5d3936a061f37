"""SubRip subtitles (.srt) of what is said: the track's words (timed by the engine), or its transcript
spread over the speech (the non-silent phones) in proportion to each word's length.

Lines break at pauses of 0.3 s or more and after 7 words; times HH:MM:SS,mmm.
"""

from __future__ import annotations

from ..phoneset import SILENCE
from .build import ExportError
from .timeline import PAUSE_S, segments

MAX_WORDS = 7


def words_of(track) -> list[dict]:
    if track.words:
        return [dict(w) for w in track.words]
    text = str(track.params.get("transcript") or "").split()
    if not text:
        raise ExportError("srt needs the words: this track has no word timing and no transcript "
                          "(animate with a transcript to get subtitles)")
    speech = [(a, b) for a, b, ph, _ in segments(track) if ph != SILENCE] or [(0.0, float(track.duration_s))]
    total = sum(b - a for a, b in speech)
    weights = [len(w) + 1 for w in text]
    out, acc = [], 0.0
    scale = total / sum(weights)
    for word, wt in zip(text, weights):
        start = _at(speech, acc)
        acc += wt * scale
        out.append({"start": start, "end": _at(speech, acc - 1e-9), "word": word})
    return out


def _at(speech: list, t: float) -> float:
    """The time at t seconds of speech, skipping the silences."""
    for a, b in speech:
        if t <= b - a:
            return a + t
        t -= b - a
    return speech[-1][1]


def _stamp(t: float) -> str:
    ms = int(round(max(0.0, t) * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def srt(track) -> bytes:
    lines, group = [], []
    words = words_of(track)
    for i, w in enumerate(words):
        group.append(w)
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt is None or len(group) >= MAX_WORDS or nxt["start"] - w["end"] >= PAUSE_S:
            lines.append((group[0]["start"], group[-1]["end"], " ".join(x["word"] for x in group)))
            group = []
    out = [f"{k}\n{_stamp(a)} --> {_stamp(b)}\n{text}\n" for k, (a, b, text) in enumerate(lines, 1)]
    return "\n".join(out).encode()
