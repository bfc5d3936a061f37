"""Fixtures for the makeittalk engine's parity tests.

The reference outputs of the original code live in the shared parity folder, located next to the
repository (<repo>/../shared/reference/parity) or named by MAKEITTALK_PARITY_DIR. The four checkpoints
are regenerated once per session by its make_weights.py (deterministic pseudo-random weights).
"""

from __future__ import annotations
from support.paths import ROOT

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = ROOT


def parity_dir() -> Path | None:
    env = os.environ.get("MAKEITTALK_PARITY_DIR")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "reference" / "parity"]:
        if (cand / "make_weights.py").is_file() and (cand / "manifest.json").is_file():
            return cand
    return None


@pytest.fixture(scope="session")
def parity() -> Path:
    d = parity_dir()
    if d is None:
        pytest.skip("MakeItTalk parity fixtures not found (expected <repo>/../shared/reference/parity "
                    "or MAKEITTALK_PARITY_DIR)")
    return d


@pytest.fixture(scope="session")
def ref(parity):
    """ref('clipA/mel') -> the array; ref.json('clipA/face') -> the dict; ref.path('inputs/...')."""

    class Ref:
        def __call__(self, name):
            return np.load(parity / f"{name}.npy")

        def json(self, name):
            return json.loads((parity / f"{name}.json").read_text())

        def path(self, name):
            return parity / name

    return Ref()


@pytest.fixture(scope="session")
def ckpt_dir(parity, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mit_ckpt")
    subprocess.run([sys.executable, str(parity / "make_weights.py"), "all", str(out)], check=True,
                   capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="session")
def models(ckpt_dir):
    from makeittalk_server.engines.makeittalk.audio2landmark import Models

    return Models.load(ckpt_dir, "cpu")


@pytest.fixture(scope="session")
def obama_rest(ref):
    return np.load(ref.path("inputs/portrait_obama_landmarks_68x3.npy"))


CLIPS = {"clipA": "clipA_M6_04_16k.wav", "clipB": "clipB_espeak_16k.wav", "clipC": "clipC_long_16k.wav"}


@pytest.fixture(scope="session")
def pcm(ref):
    """clip name -> frames x channels int16 at 16 kHz, through the app's own audio decoder."""
    from makeittalk_server.audio import decode
    from makeittalk_server.engines.makeittalk.features import pcm16_from_clip

    def get(clip):
        c = decode(str(ref.path("inputs/" + CLIPS[clip])))
        return pcm16_from_clip(c.raw, c.source_sr)

    return get
