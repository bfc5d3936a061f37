"""The lip-sync measures themselves, on hand-made mouth tracks against true phone timing."""

import numpy as np
import pytest

import lipsync_metrics as lm
import lipsync_peers
import speech_data

FPS = 30.0


def step_oracle(phones, duration, fps=FPS):
    """A mouth that shows exactly each true phone's openness (no coarticulation)."""
    import phone_classes

    t = np.arange(int(round(duration * fps))) / fps
    g = np.zeros(len(t))
    for _, s, e, c in lm.classed(phones):
        g[(t >= s) & (t < e)] = phone_classes.OPENNESS[c]
    return g


def frames_from_gap(gap):
    """A 68-point track whose inner-lip gap / eye distance is `gap` (for the frames entry point)."""
    f = np.zeros((len(gap), 68, 3))
    f[:, 36, 0], f[:, 45, 0] = 0.0, 100.0
    f[:, 65:68, 1] = 100.0 * np.asarray(gap)[:, None]
    return f


@pytest.fixture(scope="module")
def clip():
    return [c for c in speech_data.clips("real_read") if c.id == "libri_61-70968-0000"][0]


def test_oracle_scores_high(clip):
    g = step_oracle(clip.phones, clip.duration_s)
    m = lm.measure_gap(g, FPS, clip.phones, clip.duration_s)
    assert m["n_bilabial"] >= 3 and m["n_open"] >= 10 and m["n_silence_frames"] > 10
    # (a vowel shorter than a frame can fall between frames: 12 of 13 here)
    assert m["bilabial_closure"] >= 0.95 and m["open_vowel_opening"] >= 0.9 and m["silence_rest"] == 1.0
    assert m["sync_r"] >= 0.9 and abs(m["sync_lag_ms"]) <= 20
    # the landmark entry point measures the same thing
    m2 = lm.measure(frames_from_gap(g), FPS, clip.phones, clip.duration_s)
    assert m2["sync_r"] == pytest.approx(m["sync_r"]) and m2["open_vowel_opening"] == m["open_vowel_opening"]


@pytest.mark.parametrize("level", [0.0, 0.5])
def test_frozen_mouth_opens_nothing(clip, level):
    g = np.full(int(round(clip.duration_s * FPS)), level)
    m = lm.measure_gap(g, FPS, clip.phones, clip.duration_s)
    assert m["open_vowel_opening"] == 0.0
    assert m["sync_r"] == 0.0
    if level > 0:                           # frozen open: never closes, never rests
        assert m["bilabial_closure"] == 0.0 and m["silence_rest"] == 0.0


def test_loudness_mouth_lies_between(clip):
    n = int(round(clip.duration_s * FPS))
    oracle = lm.measure_gap(step_oracle(clip.phones, clip.duration_s), FPS, clip.phones, clip.duration_s)
    loud = lm.measure_gap(lipsync_peers.loudness_gap(clip.samples(), FPS, n), FPS, clip.phones, clip.duration_s)
    frozen = lm.measure_gap(np.full(n, 0.3), FPS, clip.phones, clip.duration_s)
    assert frozen["sync_r"] < loud["sync_r"] < oracle["sync_r"]
    assert 0.2 < loud["sync_r"] < 0.8
    assert loud["bilabial_closure"] < oracle["bilabial_closure"]    # loudness does not see closures


def test_late_mouth_is_found_within_lag_window(clip):
    g = step_oracle(clip.phones, clip.duration_s)
    late = np.r_[np.zeros(1), g[:-1]]       # one frame (33 ms) late
    m = lm.measure_gap(late, FPS, clip.phones, clip.duration_s)
    assert 20 <= m["sync_lag_ms"] <= 40 and m["sync_r"] >= 0.9


def test_legacy_espeak_phones_still_measured():
    """3-tuples of espeak English mnemonics (issue 3's form) keep their meaning."""
    phones = [("_", 0.0, 0.5), ("m", 0.5, 0.6), ("A:", 0.6, 0.8), ("p", 0.8, 0.9), ("@", 0.9, 1.0),
              ("_", 1.0, 1.6)]
    g = step_oracle(phones, 1.6)
    m = lm.measure_gap(g, FPS, phones, 1.6)
    assert m["n_bilabial"] == 2 and m["n_open"] == 2 and m["bilabial_closure"] == 1.0
    assert m["open_vowel_opening"] == 1.0 and m["silence_rest"] == 1.0


def test_rhubarb_cue_mapping():
    cues = [{"start": 0.0, "end": 0.2, "value": "X"}, {"start": 0.2, "end": 0.3, "value": "A"},
            {"start": 0.3, "end": 0.5, "value": "D"}, {"start": 0.45, "end": 0.6, "value": "B"}]
    g = lipsync_peers.cues_gap(cues, 20.0, 14)
    assert list(g[:4]) == [0.0] * 4 and g[4] == 0.0 and g[6] == 1.0 and g[9] == 0.2 and g[13] == 0.2


def test_bench_pools_the_takes_phone_confidence_and_the_share_the_addon_would_flag():
    import eval_lipsync
    from makeittalk_server.track import Track

    base = {"bilabial_closure": 1.0, "n_bilabial": 1, "open_vowel_opening": 1.0, "n_open": 1,
            "silence_rest": 1.0, "n_silence_frames": 1, "sync_r": 0.8, "sync_lag_ms": 0, "how": "recognised"}
    rows = [dict(base, phone_confidence=0.8, low_conf_share=0.0), dict(base, phone_confidence=0.4, low_conf_share=0.5),
            dict(base)]                                     # a peer's row: no confidence
    p = eval_lipsync.pooled(rows)
    assert p["phone_confidence"] == pytest.approx(0.6) and p["low_conf_share"] == pytest.approx(0.25)
    assert "phone_confidence" not in eval_lipsync.pooled([dict(base)])
    phones = [{"start": 0.0, "end": 1.0, "phone": "AA", "conf": 0.9}, {"start": 1.0, "end": 2.0, "phone": "AA", "conf": 0.2}]
    t = Track(fps=10.0, width=8, height=8, rest=np.zeros((68, 3)), frames=np.zeros((40, 68, 3)), phones=phones)
    c = eval_lipsync._confidence(t)
    assert c["phone_confidence"] == pytest.approx(0.55) and c["low_conf_share"] == pytest.approx(0.25)
