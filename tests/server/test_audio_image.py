"""Decoding of audio and images: formats, rates, channels and every bad input, without HTTP."""

import numpy as np
import pytest
from support.media import encode_audio, faceless_image, speech

from makeittalk_server import audio, image
from makeittalk_server.errors import BadInput


@pytest.fixture(scope="module")
def clip(request):
    from support.serverproc import EXAMPLES

    return speech(EXAMPLES / "speech.wav")


@pytest.mark.parametrize("fmt,subtype", [("WAV", "PCM_16"), ("WAV", "FLOAT"), ("FLAC", None), ("OGG", "VORBIS"),
                                         ("MP3", "MPEG_LAYER_III")])
@pytest.mark.parametrize("sr,channels", [(44100, 2), (8000, 1), (48000, 3)])
def test_formats_rates_channels_decode_to_16k_mono(clip, fmt, subtype, sr, channels):
    x, src_sr = clip
    import soxr

    if fmt == "MP3":
        channels = min(channels, 2)  # MPEG audio carries at most two channels

    y = soxr.resample(x[:, 0], src_sr, sr)
    multi = np.stack([y * (0.5 + 0.25 * c) for c in range(channels)], axis=1)
    c = audio.decode(encode_audio(multi, sr, fmt, subtype))
    assert c.source_sr == sr and c.channels == channels
    assert c.samples.dtype == np.float32 and c.samples.ndim == 1
    assert abs(c.duration_s - len(x) / src_sr) < 0.08  # mp3 adds encoder padding
    # the decoded speech is the same signal: correlate envelopes with the 16 kHz original
    ref = soxr.resample(x[:, 0], src_sr, audio.SR)
    n = min(len(ref), len(c.samples))
    e1 = np.abs(ref[:n]).reshape(-1, 160)[: n // 160].mean(1) if n % 160 == 0 else \
        np.abs(ref[: n - n % 160]).reshape(-1, 160).mean(1)
    e2 = np.abs(c.samples[: n - n % 160]).reshape(-1, 160).mean(1)
    lag = int(np.argmax(np.correlate(e2 - e2.mean(), e1 - e1.mean(), "full"))) - (len(e1) - 1)
    assert abs(lag) < 10  # mp3 delays a little
    assert np.corrcoef(np.roll(e2, -lag), e1)[0, 1] > 0.9


def test_silence_short_and_garbage_are_clear_errors(clip):
    x, sr = clip
    with pytest.raises(BadInput) as e:
        audio.decode(encode_audio(np.zeros((sr * 2, 1), np.float32), sr, "WAV"))
    assert e.value.code == "silent_audio" and "silent" in e.value.message
    with pytest.raises(BadInput) as e:
        audio.decode(encode_audio(x[: int(0.3 * sr)], sr, "WAV"))
    assert e.value.code == "audio_too_short" and "0.5" in e.value.message
    with pytest.raises(BadInput) as e:
        audio.decode(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    assert e.value.code == "unreadable_audio"
    with pytest.raises(BadInput) as e:
        audio.decode(faceless_image())
    assert e.value.code == "unreadable_audio"
    # speech with a long silent lead-in is still speech
    padded = np.concatenate([np.zeros((sr * 3, 1), np.float32), x])
    assert audio.decode(encode_audio(padded, sr, "WAV")).duration_s > 3


def test_image_decoding_and_errors():
    from support.serverproc import EXAMPLES

    img = image.decode(str(EXAMPLES / "monalisa.jpg"))
    assert img.shape == (256, 256, 3) and img.dtype == np.uint8
    # RGB order: the painting is warm (red > blue on average)
    assert img[..., 0].mean() > img[..., 2].mean()
    for bad, code in [(b"", "unreadable_image"), (b"not an image at all", "unreadable_image"),
                      (encode_audio(np.zeros((1000, 1), np.float32), 16000, "WAV"), "unreadable_image")]:
        with pytest.raises(BadInput) as e:
            image.decode(bad)
        assert e.value.code == code
    import cv2

    ok, tiny = cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(BadInput) as e:
        image.decode(tiny.tobytes())
    assert e.value.code == "image_too_small"
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[..., 2] = 255  # red in BGRA, fully transparent -> composited on white
    ok, data = cv2.imencode(".png", rgba)
    assert (image.decode(data.tobytes()) == 255).all()


def test_track_file_checks_and_round_trip(tmp_path):
    from makeittalk_server import track as tr

    rest = np.random.default_rng(0).uniform(50, 200, (68, 2))
    frames = np.repeat(tr.as_68x3(rest)[None], 5, axis=0)
    frames[2, 60:68, 1] += 3.0
    t = tr.Track(fps=25, width=256, height=256, engine="default", rest=rest, frames=frames)
    assert len(t.head_pose) == 5 and abs(t.head_pose[0]["scale"] - 1) < 1e-9
    for ext in ("json", "npz"):
        t.save(tmp_path / f"t.{ext}")
        back = tr.load(tmp_path / f"t.{ext}")
        assert back.n_frames == 5 and np.abs(back.frames - frames).max() < 1e-3
    for bad in [dict(width=0), dict(height=-3), dict(fps=0), dict(frames=frames[:, :60])]:
        with pytest.raises(tr.TrackError):
            tr.Track(**{**dict(fps=25, width=256, height=256, engine="x", rest=rest, frames=frames), **bad})
    d = t.to_dict()
    d["format"] = "other"
    with pytest.raises(tr.TrackError):
        tr.from_dict(d)
