"""`makeittalk track` works out the landmarks, voice embedding and pitch in a forked child while it loads the
engine (prefetch.py): an answer is used only for the same input, any failure in the child falls back to
computing here, and the track is the same as without the child."""

import json
import subprocess
import sys

import numpy as np
import pytest

from support.paths import DATA, EXAMPLES

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the prefetch forks: Linux only")
FACE = str(EXAMPLES / "monalisa.jpg")
SPEECH = str(DATA / "papa_mama_baba.wav")


@pytest.fixture()
def no_cache(monkeypatch):
    monkeypatch.setenv("MAKEITTALK_LANDMARK_CACHE", "0")
    monkeypatch.delenv("MAKEITTALK_PREFETCH", raising=False)


@pytest.fixture(scope="module")
def reference():
    from makeittalk_server import image
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import _detect_uncached

    return _detect_uncached(image.decode(FACE), Settings(), None)


def _count_here(monkeypatch):
    import makeittalk_server.landmarks as lm

    calls = []
    real = lm._detect_uncached
    monkeypatch.setattr(lm, "_detect_uncached", lambda *a: calls.append(1) or real(*a))
    return calls


def test_the_childs_landmarks_are_used(no_cache, monkeypatch, reference):
    from makeittalk_server import image, prefetch
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import detect

    s = Settings()
    prefetch.start(FACE, None, s)
    calls = _count_here(monkeypatch)          # patched after the fork: only this process sees it
    res = detect(image.decode(FACE), s)
    assert calls == []
    prefetch._abandon()
    assert np.array_equal(res.landmarks, reference.landmarks) and res.box == tuple(float(v) for v in reference.box)


def test_other_pixels_ignore_the_child(no_cache, monkeypatch):
    from makeittalk_server import image, prefetch
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import detect

    s = Settings()
    prefetch.start(FACE, None, s)
    calls = _count_here(monkeypatch)
    img = image.decode(FACE)
    img[0, 0, 0] ^= 1
    detect(img, s)
    assert calls == [1]
    prefetch._abandon()


@pytest.mark.parametrize("what", ["missing", "no_face"])
def test_a_failing_child_falls_back(no_cache, monkeypatch, tmp_path, what):
    from makeittalk_server import image, prefetch
    from makeittalk_server.config import Settings
    from makeittalk_server.errors import BadInput
    from makeittalk_server.landmarks import detect

    s = Settings()
    blank = np.full((200, 200, 3), 128, np.uint8)
    if what == "missing":
        prefetch.start(str(tmp_path / "nothing.png"), str(tmp_path / "nothing.wav"), s)
        calls = _count_here(monkeypatch)
        assert detect(image.decode(FACE), s).landmarks.shape == (68, 3)
        assert calls == [1]
    else:
        image.write_png(tmp_path / "blank.png", blank)
        prefetch.start(str(tmp_path / "blank.png"), None, s)
        calls = _count_here(monkeypatch)
        with pytest.raises(BadInput) as e:
            detect(blank, s)
        assert e.value.code == "no_face" and calls == []      # the child's "no face" is the answer
    prefetch._abandon()
    assert not prefetch.active()


def test_voice_and_pitch_from_the_child_equal_computing_here(no_cache, monkeypatch):
    from makeittalk_server import audio, prefetch
    from makeittalk_server.config import Settings
    from makeittalk_server.engines.default import segments, voice

    samples = np.asarray(audio.decode(SPEECH).samples, dtype=np.float32)
    mask = segments.speech_mask(segments.frame_db(samples))
    want_emb, want_f0 = voice.Voice().embedding(samples, mask), voice.pitch(samples)
    prefetch.start(None, SPEECH, Settings())

    def refuse(self):
        raise AssertionError("embedded here")

    monkeypatch.setattr(voice.Voice, "load", refuse)
    other = samples.copy()
    other[100] += 0.01
    got_emb = voice.Voice().embedding(samples, mask)
    got_f0 = voice.pitch(samples)
    assert np.array_equal(got_emb, want_emb) and got_emb.dtype == want_emb.dtype
    assert np.array_equal(got_f0, want_f0) and got_f0.dtype == want_f0.dtype
    monkeypatch.undo()
    prefetch._abandon()
    prefetch.start(None, SPEECH, Settings())
    assert prefetch.take("pitch", prefetch.samples_key(other)) is None     # other samples: not taken
    assert prefetch.take("embedding", prefetch.samples_key(samples, mask)) is not None
    prefetch._abandon()


def test_track_is_the_same_with_and_without_the_child(tmp_path):
    def track(prefetch: str) -> dict:
        out = tmp_path / f"t{prefetch}.json"
        env = {**__import__("os").environ, "MAKEITTALK_PREFETCH": prefetch, "MAKEITTALK_LANDMARK_CACHE": "0"}
        subprocess.run([sys.executable, "-m", "makeittalk_server.cli", "track", FACE, SPEECH, "-o", str(out),
                        "--quiet"], check=True, env=env, timeout=120)
        d = json.loads(out.read_text())
        d["params"]["info"].pop("seconds")
        return d

    assert track("1") == track("0")
