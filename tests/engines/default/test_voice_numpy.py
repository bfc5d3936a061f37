"""The default engine's torch-free speaker embedding (engines/speaker_numpy.py) against resemblyzer itself:
the same weights read without torch, the same mel spectrogram as librosa, the same embedding, and the
engine's track unchanged beyond float32 rounding."""

import subprocess
import sys

import numpy as np
import pytest

from support.default_engine_helpers import load_clip, make
from support.paths import DATA


@pytest.fixture(scope="module")
def speech():
    from makeittalk_server import audio

    return audio.decode(str(DATA / "sentence.wav")).samples.astype(np.float32)


@pytest.fixture(scope="module")
def resemblyzer_encoder():
    from makeittalk_server.engines import speaker

    return speaker.encoder("cpu")


def test_weights_read_without_torch_equal_torchs():
    import torch

    from makeittalk_server.engines import speaker_numpy as sn

    ours = sn.read_state(sn.weights_path())
    theirs = torch.load(sn.weights_path(), map_location="cpu")["model_state"]
    assert set(ours) == set(theirs)
    for k, v in theirs.items():
        assert np.array_equal(ours[k], v.numpy()), k


def test_mel_equals_librosas(speech):
    from resemblyzer import audio as ra

    from makeittalk_server.engines import speaker_numpy as sn

    for n in (4000, 16000 * 3 + 77):
        ref = ra.wav_to_mel_spectrogram(speech[:n])
        ours = sn.mel_spectrogram(speech[:n])
        assert ours.shape == ref.shape
        assert np.abs(ours - ref).max() <= 1e-5 * ref.max()


@pytest.mark.parametrize("n", [13000, 16000 * 2, 16000 * 8 + 17])
def test_embedding_equals_resemblyzers(speech, resemblyzer_encoder, n):
    from makeittalk_server.engines import speaker_numpy as sn

    x = np.tile(speech, 3)[:n]
    ref = resemblyzer_encoder.embed_utterance(x)
    ours = sn.encoder().embed_utterance(x)
    assert ours.shape == (256,) and ours.dtype == np.float32
    assert float(ours @ ref) > 0.99999
    assert np.abs(ours - ref).max() < 1e-4
    assert sn.partial_slices(n) == resemblyzer_encoder.compute_partial_slices(n, 1.3, 0.75)[1]


def test_engine_track_unchanged_with_resemblyzers_encoder(settings, rest, monkeypatch, resemblyzer_encoder):
    """The whole default-engine track with the numpy encoder and with resemblyzer's: head style within 1e-3,
    frames within 1e-4 px (the style moves the head; float32 rounding of the embedding is all that differs)."""
    from makeittalk_server import engines

    clip, _ = load_clip("sentence")
    eng = engines.get("default", settings)
    ours = make(clip, rest, settings, seed=3)
    monkeypatch.setattr(eng.voice, "_encoder", resemblyzer_encoder)
    ref = make(clip, rest, settings, seed=3)
    s1, s2 = ours.params["info"]["style"], ref.params["info"]["style"]
    assert s1.keys() == s2.keys() and all(abs(s1[k] - s2[k]) <= 1e-3 for k in s1)
    assert np.abs(np.asarray(ours.frames) - np.asarray(ref.frames)).max() < 1e-4     # measured ~1.2e-6


def test_default_engine_imports_no_torch_or_librosa(tmp_path):
    """A default-engine job in a fresh process never imports torch, librosa or numba (the cold-start cost)."""
    code = (
        "import sys, json, numpy as np\n"
        "from makeittalk_server import engines, pipeline, audio\n"
        "from makeittalk_server.config import Settings\n"
        "from makeittalk_server.params import JobParams\n"
        f"rest = json.load(open({str(DATA / 'rest_68x2.json')!r}))\n"
        f"clip = audio.decode({str(DATA / 'papa_mama_baba.wav')!r})\n"
        "s = Settings()\n"
        "engines.require_ready(engines.get('default', s))\n"
        "t = pipeline.make_track(clip, None, JobParams(rest_landmarks=rest), s, width=256, height=256)\n"
        "assert t.n_frames > 0\n"
        "print(sorted(m for m in ('torch', 'librosa', 'numba', 'resemblyzer') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_unreadable_weights_fall_back_to_resemblyzer(monkeypatch, speech, resemblyzer_encoder):
    from makeittalk_server.engines import speaker_numpy
    from makeittalk_server.engines.default import segments, voice

    def broken():
        raise ValueError("a weights format this reader does not know")

    monkeypatch.setattr(speaker_numpy, "encoder", broken)
    v = voice.Voice()
    x = np.tile(speech, 3)[: 16000 * 3]
    mask = segments.speech_mask(segments.frame_db(x))
    emb = v.embedding(x, mask)
    assert isinstance(v._encoder, voice._TorchEncoder) and emb.shape == (256,)
    monkeypatch.undo()
    assert float(emb @ voice.Voice().embedding(x, mask)) > 0.99999


def test_embedding_takes_the_speech_at_its_own_length(speech, monkeypatch):
    """Speech is embedded as it is, up to EMBED_MAX_S (no tiling up to a fixed length: it doubled the
    arithmetic for short lines), and only speech shorter than one 1.6 s partial is repeated up to it."""
    from makeittalk_server.engines.default import voice

    seen = []

    class Spy:
        def embed_utterance(self, wav):
            seen.append(wav.copy())
            return np.ones(256, np.float32) / 16

    v = voice.Voice()
    monkeypatch.setattr(v, "_encoder", Spy())
    x = np.tile(speech, 4)[: 16000 * 10]
    for n_speech, want in ((16000 * 3, 16000 * 3), (16000 * 10, int(voice.EMBED_MAX_S * 16000)),
                           (16000, int(voice.EMBED_MIN_S * 16000))):
        mask = np.zeros(len(x) // 160, bool)
        mask[: n_speech // 160] = True
        v.embedding(x, mask)
        assert len(seen[-1]) == want
        got = seen[-1][: min(n_speech, want)]
        assert np.allclose(got, x[: len(got)] / np.abs(x[:min(n_speech, want)]).max() * 0.5, atol=1e-6)
    assert np.allclose(seen[-1][16000:], seen[-1][: len(seen[-1]) - 16000])     # repeated, not zero-padded
    mask = np.zeros(len(x) // 160, bool)
    mask[:50] = True                                   # 0.5 s of speech: too little for a voice
    assert v.embedding(x, mask) is None
