"""`makeittalk render`: mp4 (frame count, fps, duration, audio stream read back with PyAV) and PNG folders."""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np
import pytest
import soundfile as sf
from support.render_helpers import PORTRAIT, SPEECH, talking_track

from makeittalk_server import video
from makeittalk_server.cli import main


@pytest.fixture()
def track_file(tmp_path):
    def make(n=20, fps=25.0):
        path = tmp_path / f"track_{n}_{fps}.json"
        talking_track(n=n, fps=fps).save(path)
        return path
    return make


def _probe(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0] if c.streams.audio else None
        n = sum(1 for _ in c.decode(video=0))
        info = {"frames": n, "rate": v.average_rate, "width": v.codec_context.width,
                "height": v.codec_context.height, "codec": v.codec_context.name,
                "v_duration": float(v.duration * v.time_base)}
        if a is not None:
            info["audio"] = a.codec_context.name
            info["a_duration"] = float(a.duration * a.time_base)
            info["a_rate"] = a.codec_context.sample_rate
    return info


@pytest.mark.parametrize("fps", [25.0, 62.5])
def test_mp4_has_every_frame_at_the_track_fps_and_the_audio(tmp_path, track_file, fps):
    n = 30
    out = tmp_path / "out.mp4"
    rc = main(["render", str(track_file(n, fps)), str(PORTRAIT), "--audio", str(SPEECH), "-o", str(out),
               "--width", "160", "--height", "120", "--quiet"])
    assert rc == 0
    info = _probe(out)
    assert info["frames"] == n
    assert info["rate"] == Fraction(fps).limit_denominator(1001)
    assert abs(info["v_duration"] - n / fps) < 1.5 / fps
    assert (info["width"], info["height"]) == (160, 120)
    assert info["codec"] == "h264"
    assert info["audio"] == "aac"
    speech_s = sf.info(str(SPEECH)).duration
    assert abs(info["a_duration"] - speech_s) < 0.1


def test_mp4_without_audio_and_odd_size(tmp_path, track_file):
    out = tmp_path / "silent.mp4"
    assert main(["render", str(track_file(8)), str(PORTRAIT), "-o", str(out), "--width", "101", "--height", "75",
                 "--quiet"]) == 0
    info = _probe(out)
    assert info["frames"] == 8 and "audio" not in info
    assert (info["width"], info["height"]) == (102, 76)   # yuv420p needs even sizes: padded by one pixel


def test_frames_dir_has_numbered_pngs(tmp_path, track_file):
    d = tmp_path / "frames"
    assert main(["render", str(track_file(6)), str(PORTRAIT), "--frames-dir", str(d), "--quiet"]) == 0
    names = sorted(p.name for p in d.iterdir())
    assert names == [f"frame_{k:06d}.png" for k in range(1, 7)]
    first = cv2.imread(str(d / names[0]))
    assert first.shape == (256, 256, 3)


def test_mp4_frames_match_the_renderer(tmp_path, track_file):
    """The encoded video shows the rendered frames (H.264 at crf 18: close, not exact)."""
    d = tmp_path / "frames"
    out = tmp_path / "o.mp4"
    path = track_file(5)
    main(["render", str(path), str(PORTRAIT), "--frames-dir", str(d), "--quiet"])
    main(["render", str(path), str(PORTRAIT), "-o", str(out), "--quiet"])
    with av.open(str(out)) as c:
        decoded = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    for k, img in enumerate(decoded, start=1):
        png = cv2.imread(str(d / f"frame_{k:06d}.png"))[:, :, ::-1]
        assert np.abs(img.astype(int) - png).mean() < 4


@pytest.mark.parametrize("args, message", [
    (["--frames-dir", "X", "--audio", str(SPEECH)], "no sound"),
    (["-o", "out.avi"], "only .mp4"),
    (["-o", "out.mp4", "--width", "8"], "invalid render options"),
])
def test_bad_options_are_explained(tmp_path, track_file, capsys, args, message):
    args = [a.replace("X", str(tmp_path / "f")) if a == "X" else a for a in args]
    args = [str(tmp_path / a) if a.startswith("out.") else a for a in args]
    assert main(["render", str(track_file(3)), str(PORTRAIT)] + args) == 1
    assert message in capsys.readouterr().err


def test_bad_track_and_missing_files_are_explained(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["render", str(bad), str(PORTRAIT), "-o", str(tmp_path / "o.mp4")]) == 1
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["render", str(tmp_path / "missing.json"), str(PORTRAIT), "-o", str(tmp_path / "o.mp4")]) == 1
    err = capsys.readouterr().err
    assert "could not open" in err or "cannot read the track file" in err
    good = tmp_path / "t.json"
    talking_track(n=2).save(good)
    assert main(["render", str(good), str(tmp_path / "nope.png"), "-o", str(tmp_path / "o.mp4")]) == 1
    assert "could not open" in capsys.readouterr().err


def test_fps_fraction():
    assert video.fps_fraction(62.5) == Fraction(125, 2)
    assert video.fps_fraction(30) == Fraction(30)
    assert video.fps_fraction(29.97) == Fraction(2997, 100)
    with pytest.raises(Exception, match="positive"):
        video.fps_fraction(0)
