"""The pitch contour behind the head motion (engines/default/f0.py): right on a known tone and the same
for the same audio whatever the process analysed before (pysptk's RAPT, used before, kept state between
calls: the same clip's contour moved by up to 73 Hz after another clip)."""

import numpy as np
import soundfile as sf

from support.paths import DATA


def _tone(f, seconds=1.0, sr=8000):
    t = np.arange(int(seconds * sr)) / sr
    return sum(np.sin(2 * np.pi * f * k * t) / k for k in range(1, 6)) * 3000


def test_a_harmonic_tone_reads_its_pitch():
    from makeittalk_server.engines.default import f0

    for hz in (90.0, 150.0, 260.0):
        track = f0.track(_tone(hz))
        assert len(track) == 100
        mid = track[10:-10]
        assert (mid > 0).all() and np.abs(mid / hz - 1).max() < 0.02


def test_noise_and_silence_are_unvoiced():
    from makeittalk_server.engines.default import f0

    rng = np.random.default_rng(0)
    x = np.r_[rng.standard_normal(8000) * 3000, np.zeros(8000)]
    assert (f0.track(x) > 0).mean() < 0.1


def test_same_audio_same_contour_whatever_came_before():
    from makeittalk_server.engines.default import voice

    x, _ = sf.read(str(DATA / "real_cathy.flac"), dtype="float32")
    first = voice.pitch(x)
    voice.pitch(x[: len(x) // 3])              # a shorter clip in between upset RAPT's buffers
    voice.pitch(np.random.default_rng(1).standard_normal(len(x) * 2).astype(np.float32) * 0.1)
    again = voice.pitch(x)
    assert np.array_equal(first, again)
    assert 0.3 < (first > 0).mean() < 0.8      # a real voice: voiced about half the time

