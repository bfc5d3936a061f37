"""Which heard lip closures are p/b/m: a small logistic classifier on the spectrum around each dip.

acoustic.closures_100hz finds dips in the formant band, but t/d/k/g/n dip as well; trusting every dip
closed the lips inside words and cost opening. The bilabial ones differ in their murmur and release
(energy falls in every band, the release burst is weak and low). Weights: data/bilabial_weights.json,
trained by bench/train_bilabial.py on the tune splits of bench/speech_sets (nothing downloaded).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.ndimage import maximum_filter1d

OFFSETS = (-10, -8, -6, -4, -2, 0, 2, 4, 6, 8, 10)   # frames (10 ms) around the frame classified
REACH = 12                           # frames either side for the local speech level
WEIGHTS = Path(__file__).parent / "data" / "bilabial_weights.json"   # package data (pyproject)


FLOOR_PCT = 10                       # the clip's per-band noise floor: this percentile of its frames
FLOOR_KEEP = 0.05                    # power left under the floor after subtraction (-13 dB): no log of 0


def _relative(bands: np.ndarray) -> tuple[list, np.ndarray, np.ndarray]:
    """Band levels at OFFSETS relative to the local loudest frame; the frame level and that reference."""
    n = len(bands)
    total = 10 * np.log10(np.sum(10 ** (bands / 10), axis=1) + 1e-10)
    ref = maximum_filter1d(total, 2 * REACH + 1)
    rel = bands - ref[:, None]
    return [rel[np.clip(np.arange(n) + o, 0, n - 1)] for o in OFFSETS], total, ref


def frame_features(bands: np.ndarray, shut: np.ndarray) -> np.ndarray:
    """n x F: relative band levels at OFFSETS of the bands as heard and with the clip's steady noise
    floor subtracted (in noise a p/b/m's murmur and release sink into the floor, so the heard levels
    alone make it look like t/d/k), the dip depth, the frame level, and how far speech and the frame
    stand over the floor (the classifier learns how much to trust the band pattern)."""
    floor = np.percentile(bands, FLOOR_PCT, axis=0) if len(bands) else np.zeros(bands.shape[1])
    power, fpow = 10 ** (bands / 10), 10 ** (floor / 10)
    clean = 10 * np.log10(np.maximum(power - fpow, FLOOR_KEEP * fpow) + 1e-10)
    cols, total, ref = _relative(clean)
    raw, total0, _ = _relative(bands)
    ftot = 10 * np.log10(np.sum(fpow) + 1e-10)
    extra = np.stack([shut, total - ref, maximum_filter1d(total0, 2 * REACH + 1) - ftot, total0 - ftot], axis=1)
    return np.concatenate(cols + raw + [extra], axis=1)


@lru_cache(maxsize=1)
def _model():
    d = json.loads(WEIGHTS.read_text())
    return (np.asarray(d["mean"]), np.asarray(d["scale"]), np.asarray(d["coef"]), float(d["intercept"]))


def probability(bands: np.ndarray, shut: np.ndarray) -> np.ndarray:
    """P(the lips are shut for p/b/m) per 10 ms frame (0 where no dip is heard)."""
    if not len(bands) or not WEIGHTS.exists():
        return np.zeros(len(shut))
    mean, scale, coef, b = _model()
    z = ((frame_features(bands, shut) - mean) / scale) @ coef + b
    return np.where(shut > 0, 1.0 / (1.0 + np.exp(-z)), 0.0)
