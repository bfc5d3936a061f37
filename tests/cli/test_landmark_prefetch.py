"""`makeittalk track` detects the portrait in a forked child while it loads the engine (landmarks/prefetch.py):
the child's answer is used only for the same pixels, and any failure in it falls back to detecting here."""

import sys

import numpy as np
import pytest

from support.paths import EXAMPLES

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the prefetch forks: Linux only")
FACE = str(EXAMPLES / "monalisa.jpg")


@pytest.fixture()
def no_cache(monkeypatch):
    monkeypatch.setenv("MAKEITTALK_LANDMARK_CACHE", "0")


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


def test_the_childs_answer_is_used(no_cache, monkeypatch, reference):
    from makeittalk_server import image
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import detect, prefetch

    s = Settings()
    prefetch.start(FACE, s)
    calls = _count_here(monkeypatch)          # patched after the fork: only this process sees it
    res = detect(image.decode(FACE), s)
    assert calls == [] and not prefetch._pending
    assert np.array_equal(res.landmarks, reference.landmarks) and res.box == tuple(float(v) for v in reference.box)


def test_other_pixels_ignore_the_child(no_cache, monkeypatch, reference):
    from makeittalk_server import image
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import detect, prefetch

    s = Settings()
    prefetch.start(FACE, s)
    calls = _count_here(monkeypatch)
    img = image.decode(FACE)
    img[0, 0, 0] ^= 1
    detect(img, s)
    assert calls == [1]


@pytest.mark.parametrize("what", ["missing", "no_face"])
def test_a_failing_child_falls_back(no_cache, monkeypatch, tmp_path, what):
    from makeittalk_server import image
    from makeittalk_server.config import Settings
    from makeittalk_server.errors import BadInput
    from makeittalk_server.landmarks import detect, prefetch

    s = Settings()
    blank = np.full((200, 200, 3), 128, np.uint8)
    if what == "missing":
        prefetch.start(str(tmp_path / "nothing.png"), s)
        calls = _count_here(monkeypatch)
        assert detect(image.decode(FACE), s).landmarks.shape == (68, 3)
        assert calls == [1]
    else:
        image.write_png(tmp_path / "blank.png", blank)
        prefetch.start(str(tmp_path / "blank.png"), s)
        with pytest.raises(BadInput) as e:
            detect(blank, s)
        assert e.value.code == "no_face"
    assert not prefetch._pending
