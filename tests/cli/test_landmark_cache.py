"""The landmark cache (landmarks/cache.py): a portrait seen before is answered without the detector, with
exactly the detector's answer; one changed pixel, a corrupt entry or the cache turned off detect again."""

import os

import numpy as np
import pytest

from support.paths import EXAMPLES


@pytest.fixture()
def img():
    from makeittalk_server import image

    return image.decode(str(EXAMPLES / "monalisa.jpg"))


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MAKEITTALK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MAKEITTALK_LANDMARK_CACHE", raising=False)
    return tmp_path / "cache" / "landmarks"


def _no_detector(monkeypatch):
    from makeittalk_server.landmarks import dlib_detector

    def refuse(image):
        raise AssertionError("the detector ran")

    monkeypatch.setattr(dlib_detector, "detect", refuse)


def test_repeated_portrait_is_answered_from_the_cache_exactly(img, cache_dir, monkeypatch):
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import detect

    s = Settings()
    first = detect(img, s)
    assert len(list(cache_dir.glob("*.json"))) == 1
    _no_detector(monkeypatch)
    again = detect(img.copy(), s)                 # same pixels, another array
    assert np.array_equal(again.landmarks, first.landmarks)
    assert again.info() == first.info()


def test_a_changed_pixel_misses(img, cache_dir, monkeypatch):
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import detect

    s = Settings()
    detect(img, s)
    other = img.copy()
    other[0, 0, 0] ^= 1
    _no_detector(monkeypatch)
    with pytest.raises(AssertionError, match="the detector ran"):
        detect(other, s)
    with pytest.raises(AssertionError, match="the detector ran"):
        detect(img[:, :-1], s)                    # same pixels, another size


def test_corrupt_entry_and_cache_off_detect_again(img, cache_dir, monkeypatch):
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import detect

    s = Settings()
    first = detect(img, s)
    (entry,) = cache_dir.glob("*.json")
    entry.write_text('{"landmarks": [[1, 2')
    assert np.array_equal(detect(img, s).landmarks, first.landmarks)     # detected again and rewritten
    assert np.array_equal(detect(img, s).landmarks, first.landmarks)
    monkeypatch.setenv("MAKEITTALK_LANDMARK_CACHE", "0")
    _no_detector(monkeypatch)
    with pytest.raises(AssertionError, match="the detector ran"):
        detect(img, s)


def test_key_follows_the_model_files(tmp_path, img):
    from makeittalk_server.landmarks import cache

    w = tmp_path / "weights.dat"
    w.write_bytes(b"a")
    k1 = cache.key(img, "dlib|" + cache.file_identity(w))
    os.utime(w, ns=(1, 10**18))
    k2 = cache.key(img, "dlib|" + cache.file_identity(w))
    assert k1 != k2 and k1 != cache.key(img, "face_alignment|" + cache.file_identity(w))


def test_unwritable_cache_folder_still_detects(img, tmp_path, monkeypatch):
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import detect

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MAKEITTALK_CACHE_DIR", str(blocker))
    assert detect(img, Settings()).landmarks.shape == (68, 3)
