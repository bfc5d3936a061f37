"""Lip sync on a real voice and a non-English voice, the transcript fallbacks and the reported timeline.

Floors sit a little under what the engine reaches today (in the comments), so a regression breaks them.
The measures are bench/lipsync_metrics.py's (issue 3 and 9 definitions).
"""

import json

import lipsync_metrics
import numpy as np
import phone_classes
import pytest
import soundfile as sf

from support.default_engine_helpers import clip_from, gap, load_clip
from support.paths import DATA

FPS = 30.0


def _arpabet():
    from makeittalk_server.engines.default import visemes

    return set(visemes.TABLE) | set(visemes.DIPHTHONGS)


def _run(engine, rest, clip, **params):
    from makeittalk_server.engines.base import EngineInput
    from makeittalk_server.params import JobParams
    from makeittalk_server.progress import Progress

    p = JobParams(rest_landmarks=rest.tolist(), fps=params.pop("fps", FPS), **params)
    r3 = np.c_[rest, np.zeros(len(rest))]
    return engine.run(EngineInput(audio=clip, rest=r3, width=256, height=256, params=p), Progress())


@pytest.fixture(scope="module")
def real():
    x, sr = sf.read(str(DATA / "real_cathy.flac"), dtype="float32")
    assert sr == 16000
    return clip_from(x), json.loads((DATA / "real_cathy.json").read_text())


@pytest.fixture(scope="module")
def real_out(engine, rest, real):
    return _run(engine, rest, real[0])


@pytest.fixture(scope="module")
def real_out_transcript(engine, rest, real):
    return _run(engine, rest, real[0], transcript=real[1]["text"])


def _measure(out, meta, duration):
    return lipsync_metrics.measure(out.frames, FPS, [tuple(p) for p in meta["phones"]], duration)


def test_real_voice_without_transcript_keeps_closures_rest_and_sync(real, real_out):
    clip, meta = real
    m = _measure(real_out, meta, clip.duration_s)
    # today: closure 1.00 (14 p/b/m), open 0.84, rest 1.00, sync 0.86
    # wave 3 of issue 9: 1.00 (14 p/b/m) / 0.842 (19 vowels) / 1.00 / 0.854
    assert m["n_bilabial"] >= 12 and m["bilabial_closure"] >= 0.9
    assert m["open_vowel_opening"] >= 0.78
    assert m["silence_rest"] >= 0.95
    assert m["sync_r"] >= 0.8
    assert real_out.info["phones"] in ("recognised", "acoustic-fallback")


def test_real_voice_with_transcript_is_at_least_as_good(real, real_out, real_out_transcript):
    clip, meta = real
    without, with_t = _measure(real_out, meta, clip.duration_s), _measure(real_out_transcript, meta, clip.duration_s)
    # wave 3: 1.00 / 0.947 / 1.00 / 0.876
    assert with_t["bilabial_closure"] >= 0.9 and with_t["silence_rest"] >= 0.95
    assert with_t["open_vowel_opening"] >= 0.89
    assert with_t["sync_r"] >= 0.83 and with_t["sync_r"] >= without["sync_r"] - 0.02
    assert real_out_transcript.info["transcript_used"] is True
    assert "exclaimed" not in real_out_transcript.info["words"]         # the words are the transcript's
    assert "stamp" in real_out_transcript.info["words"]


def test_timeline_fields_cover_the_clip(real, real_out):
    clip, _ = real
    ph, words = real_out.phones, real_out.words
    assert ph and words
    assert ph[0]["start"] == 0.0 and abs(ph[-1]["end"] - clip.duration_s) < 0.02
    for a, b in zip(ph, ph[1:]):
        assert a["end"] <= b["start"] + 1e-6 and a["start"] < a["end"]
    assert all(p["phone"] in _arpabet() and 0.0 <= p["conf"] <= 1.0 for p in ph)
    assert any(p["phone"] == "SIL" and p["end"] - p["start"] >= 0.5 for p in ph)      # the pause
    assert {"P", "B", "M"} & {p["phone"] for p in ph}
    assert all(0 <= w["start"] < w["end"] <= clip.duration_s + 1e-6 and 0 <= w["conf"] <= 1 for w in words)
    info = real_out.info
    assert 0.0 <= info["phone_confidence"] <= 1.0 and -1.0 <= info["phone_acoustic_agreement"] <= 1.0
    assert abs(sum(info["phone_sources"].values()) - 1.0) < 0.01


def test_rest_in_the_real_pause_at_other_frame_rates(engine, rest, real):
    clip, meta = real
    s, e = meta["pause"]
    for fps in (24.0, 60.0):
        out = _run(engine, rest, clip, fps=fps)
        g = gap(out.frames)
        t = np.arange(len(g)) / fps
        inside = (t > s + 0.1) & (t < e - 0.1)
        assert g[inside].max() < 0.25 * np.percentile(g, 95)
        assert len(g) == int(np.floor(clip.duration_s * fps + 1e-6)) or abs(len(g) - clip.duration_s * fps) <= 1


def test_real_voice_is_deterministic(engine, rest, real, real_out):
    again = _run(engine, rest, real[0])
    assert np.array_equal(again.frames, real_out.frames)
    assert again.phones == real_out.phones and again.words == real_out.words


def test_german_voice_without_transcript(engine, rest):
    clip, meta = load_clip("german")
    phones = [(p, s, e, phone_classes.espeak(p, english=False)) for p, s, e in meta["phones"]]
    out = _run(engine, rest, clip)
    m = lipsync_metrics.measure(out.frames, FPS, phones, clip.duration_s)
    # wave 3: closure 1.00 (9 p/b/m), open 0.857 (14; 0.64 with other settings once: it varies), rest 1.00,
    # sync 0.825
    assert m["bilabial_closure"] >= 0.85 and m["open_vowel_opening"] >= 0.7
    assert m["silence_rest"] >= 0.95 and m["sync_r"] >= 0.77


@pytest.mark.parametrize("text", ["Привет, как дела? Это мой дом.", "你好，我的朋友", "①②③ ⑴ ™ ∞"])
def test_transcript_the_aligner_cannot_read_falls_back_and_says_so(engine, rest, text):
    clip, meta = load_clip("sentence")
    out = _run(engine, rest, clip, transcript=text)
    assert out.info["transcript_used"] is False and out.info["transcript_note"]
    assert out.info["phones"] in ("recognised", "acoustic-fallback")
    g = gap(out.frames)
    assert g.max() > 0.1 and g.std() > 0.02             # still talking


def test_transcript_with_odd_characters_and_numbers_still_aligns(engine, rest):
    clip, meta = load_clip("sentence")
    out = _run(engine, rest, clip, transcript="① " + meta["text"] + " ™")
    assert out.info["transcript_used"] is True and out.info["phones"] == "transcript"


def _envelope_r(out, x, fps):
    from scipy.ndimage import gaussian_filter1d

    hop = int(16000 / fps)
    n = len(out.frames)
    env = np.sqrt(np.mean(np.pad(x, (0, max(0, n * hop - len(x))))[: n * hop].reshape(n, hop) ** 2, axis=1))
    g = gaussian_filter1d(gap(out.frames), 1.0)
    return float(np.corrcoef(g, env)[0, 1])


def test_music_and_noise_move_the_mouth_in_time_with_the_sound(engine, rest):
    rng = np.random.default_rng(3)
    sr, t = 16000, np.arange(16000 * 6) / 16000
    # a melody: notes of 0.2-0.5 s with gaps, harmonics, a decaying envelope
    music = np.zeros_like(t)
    s = 0.3
    while s < 5.5:
        d, f0 = rng.uniform(0.2, 0.5), rng.choice([196.0, 220.0, 262.0, 294.0, 330.0])
        sel = (t >= s) & (t < s + d)
        tt = t[sel] - s
        music[sel] = np.exp(-3 * tt) * sum(np.sin(2 * np.pi * f0 * k * tt) / k for k in (1, 2, 3))
        s += d + rng.uniform(0.1, 0.35)
    bursts = np.zeros_like(t)
    for s in np.arange(0.5, 5.5, 0.7):       # noise bursts: 0.3 s on, 0.4 s off
        sel = (t >= s) & (t < s + 0.3)
        bursts[sel] = rng.standard_normal(sel.sum())
    # today: music opens to 0.25 (r 0.71 with the loudness), hiss only to 0.06 (no vowel in it; r 0.93)
    for x, least in ((0.2 * music, 0.15), (0.1 * bursts, 0.04)):
        x = x.astype(np.float32) + (1e-4 * rng.standard_normal(len(x))).astype(np.float32)
        out = _run(engine, rest, clip_from(x))
        g = gap(out.frames)
        assert g.std() > 0.01 and g.max() > least
        assert _envelope_r(out, x, FPS) > 0.5


def test_a_transcript_that_does_not_fit_does_not_beat_recognition(engine, rest, real, real_out):
    clip, meta = real
    out = _run(engine, rest, clip, transcript="one two")
    m, ref = _measure(out, meta, clip.duration_s), _measure(real_out, meta, clip.duration_s)
    assert out.info["phone_sources"]["transcript"] < 0.5
    assert m["sync_r"] >= ref["sync_r"] - 0.05 and m["bilabial_closure"] >= 0.85
