"""Issue 9: in steady noise the acoustic mouth still opens on vowels. The background fills the
bands a vowel is told apart by (frication above 3.5 kHz, the level's quiet end), so without taking
the clip's steady floor out first a vowel in 5 dB white noise opened to less than half."""

import numpy as np

from makeittalk_server.engines.default import acoustic, segments

SR = segments.SR


def _vowels_in_noise(snr_db: float) -> tuple[np.ndarray, np.ndarray]:
    """Two 0.4 s vowels (120 Hz voice, a formant near 700 Hz) between 0.3 s gaps, white noise at
    snr_db against the vowels; and per 10 ms whether the frame is a vowel's steady middle."""
    t = np.arange(int(0.4 * SR)) / SR
    vowel = sum(np.sin(2 * np.pi * 120 * k * t) / k * (1 + 4 * np.exp(-((120 * k - 700) / 250) ** 2))
                for k in range(1, 30)) * np.hanning(len(t)) ** 0.3
    gap = np.zeros(int(0.3 * SR))
    x = np.concatenate([gap, vowel, gap, vowel, gap])
    x /= 3 * np.abs(x).max()
    power = np.mean(x[x != 0] ** 2)
    x = x + np.random.default_rng(3).standard_normal(len(x)) * np.sqrt(power / 10 ** (snr_db / 10))
    middle = np.zeros(len(x) // segments.HOP, bool)
    middle[36:64] = middle[106:134] = True
    return x.astype(np.float32), middle


def test_vowels_open_in_steady_noise():
    x, middle = _vowels_in_noise(5.0)
    mask = np.ones(len(middle), bool)
    plain = acoustic.curves_100hz(x, mask)[0][:, 0]
    clean = acoustic.curves_100hz(x, mask, above_floor=True)[0][:, 0]
    gaps = np.zeros(len(middle), bool)
    gaps[:25] = gaps[75:95] = gaps[145:] = True
    assert clean[middle].mean() > 0.75, "a vowel in 5 dB noise should open most of the way"
    assert clean[middle].mean() > plain[middle].mean() + 0.3
    assert clean[gaps].mean() < 0.1, "the noise alone must not open the mouth"


def test_closures_do_not_depend_on_the_floor_option():
    x, middle = _vowels_in_noise(10.0)
    mask = np.ones(len(middle), bool)
    assert np.array_equal(acoustic.curves_100hz(x, mask)[1], acoustic.curves_100hz(x, mask, above_floor=True)[1])
