"""Helpers shared by the default-engine tests."""

from support.paths import DATA
import json

import numpy as np



def clip_from(samples):
    from makeittalk_server.audio import SR, AudioClip

    x = np.asarray(samples, dtype=np.float32)
    return AudioClip(samples=x, raw=x[:, None], source_sr=SR)


def load_clip(name):
    from makeittalk_server import audio

    meta = json.loads((DATA / f"{name}.json").read_text())
    return audio.decode(str(DATA / f"{name}.wav")), meta


def gap(frames):
    """Inner-lip gap over the outer-eye-corner distance, per frame."""
    up = frames[:, 61:64, :2].mean(axis=1)
    lo = frames[:, 65:68, :2].mean(axis=1)
    return np.linalg.norm(lo - up, axis=1) / np.linalg.norm(frames[:, 45, :2] - frames[:, 36, :2], axis=1)


def make(clip, rest, settings, **params):
    from makeittalk_server import pipeline
    from makeittalk_server.params import JobParams

    p = JobParams(rest_landmarks=rest.tolist(), **params)
    return pipeline.make_track(clip, None, p, settings, width=256, height=256)
