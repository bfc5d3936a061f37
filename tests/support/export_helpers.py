"""A track from known phones: each phone's Rhubarb shape drawn on the template face (with head motion),
the phones and words in its timeline, so every export can be checked against the truth."""

from __future__ import annotations

import math

import numpy as np

from makeittalk_blender.core.exports.build import soften, track_from_channels
from makeittalk_blender.core.exports.cues import CUE_CHANNELS
from makeittalk_blender.core.phoneset import cue_of

# "hello, bob my papa" with pauses: (phone, seconds)
SENTENCE = [("SIL", 0.30), ("HH", 0.06), ("AH", 0.08), ("L", 0.07), ("OW", 0.20), ("SIL", 0.40),
            ("B", 0.07), ("AA", 0.15), ("B", 0.08), ("M", 0.07), ("AY", 0.18), ("P", 0.06), ("AA", 0.12),
            ("P", 0.09), ("AA", 0.2), ("SIL", 0.35), ("F", 0.08), ("UW", 0.2), ("SIL", 0.3)]
WORDS = [("hello", 1, 5), ("bob", 6, 9), ("my", 9, 11), ("papa", 11, 15), ("foo", 16, 18)]


def phone_timeline(repeat: int = 1) -> tuple[list[dict], list[dict], float]:
    phones, words, t = [], [], 0.0
    for _ in range(repeat):
        starts = []
        for ph, d in SENTENCE:
            starts.append(t)
            phones.append({"start": t, "end": t + d, "phone": ph, "conf": 0.9})
            t += d
        starts.append(t)
        for w, a, b in WORDS:
            words.append({"start": starts[a], "end": starts[b], "word": w, "conf": 0.8})
    return phones, words, t


def phone_track(repeat: int = 1, fps: float = 30.0, head: bool = True):
    phones, words, duration = phone_timeline(repeat)
    n = int(math.ceil(duration * fps - 1e-9))
    times = np.arange(n) / fps
    starts = np.array([p["start"] for p in phones])
    idx = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(phones) - 1)
    shapes = sorted(CUE_CHANNELS)
    one_hot = np.zeros((n, len(shapes)))
    one_hot[np.arange(n), [shapes.index(cue_of(phones[i]["phone"])) for i in idx]] = 1.0
    w = soften(one_hot)
    names = sorted({k for v in CUE_CHANNELS.values() for k in v})
    values = {nm: w @ np.array([CUE_CHANNELS[s].get(nm, 0.0) for s in shapes]) for nm in names}
    values["blink_L"] = values["blink_R"] = (np.abs(times % 3.0 - 1.5) < 0.05).astype(float)
    hd = {"roll_deg": 3 * np.sin(times), "yaw_deg": 5 * np.sin(0.7 * times), "pitch_deg": 2 * np.cos(times)} if head else None
    t = track_from_channels(values, fps, duration, phones=phones, head=hd, engine="synthetic", width=640, height=480)
    t.words = [dict(x) for x in words]
    return t
