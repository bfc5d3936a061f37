"""End to end from the wav: the pipeline, the engine object and the command line."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from makeittalk_server.engines.makeittalk import audio2landmark as A

# Thread-count drift of the original itself is ~1.2e-4 px on clip A (parity README); allow 1e-3.
PX_TOL = 1e-3


@pytest.mark.parametrize("clip", ["clipA", "clipB", "clipC"])
def test_track_matches_original(clip, models, ref, pcm, obama_rest):
    res = A.animate(models, pcm(clip), obama_rest)
    expected = ref(f"{clip}/track_final_px")
    assert res.track.shape == expected.shape
    assert np.abs(res.track[..., :2] - expected[..., :2]).max() < PX_TOL
    # z is converted to pixels (the original keeps normalised units there)
    assert np.abs(res.track[..., 2] * abs(res.scale) - expected[..., 2]).max() < 1e-5
    assert np.abs(res.pred - ref(f"{clip}/pred_fls_float32")).max() < 1e-5
    assert res.blink_frames == ref.json(f"{clip}/face")["blink_frames"]


def _engine_input(ref, obama_rest, fps, **kw):
    from makeittalk_server.audio import decode
    from makeittalk_server.engines.base import EngineInput
    from makeittalk_server.params import parse_params

    clip = decode(str(ref.path("inputs/clipA_M6_04_16k.wav")))
    params = parse_params({"engine": "makeittalk", "fps": fps, **kw})
    return EngineInput(audio=clip, rest=obama_rest.astype(np.float64), width=256, height=256, params=params)


@pytest.fixture(scope="module")
def engine(ckpt_dir):
    from makeittalk_server.config import Settings
    from makeittalk_server.engines.makeittalk import create

    return create(Settings(device="cpu"), checkpoints=str(ckpt_dir))


def test_engine_frames_fps_and_tail(engine, ref, obama_rest):
    from makeittalk_server.progress import Progress
    from makeittalk_server.track import n_frames_for

    assert engine.status()[0]
    inp = _engine_input(ref, obama_rest, 62.5)
    out = engine.run(inp, Progress())
    expected = ref("clipA/track_final_px")
    n = n_frames_for(inp.audio.duration_s, 62.5)
    assert out.frames.shape == (n, 68, 3) and n == 305 and out.info["frames_original"] == 287
    assert np.abs(out.frames[:287, :, :2] - expected[..., :2]).max() < PX_TOL
    # the tail holds the face and closes the mouth
    assert np.abs(out.frames[287:, :48] - out.frames[286, :48]).max() < 1e-9
    inner_gap = lambda f: np.abs(f[[61, 62, 63], 1] - f[[67, 66, 65], 1]).max()
    assert inner_gap(out.frames[-1]) < 1e-6
    # another fps resamples the same track in time
    out25 = engine.run(_engine_input(ref, obama_rest, 25.0), Progress())
    assert "audio half (cached)" in out25.info["timings_s"]      # same samples: embeddings/AutoVC reused
    assert out25.frames.shape[0] == n_frames_for(inp.audio.duration_s, 25.0) == 122
    np.testing.assert_allclose(out25.frames[0], out.frames[0], atol=1e-9)
    t = 10 / 25.0 * 62.5            # frame 10 at 25 fps = 25.0 at 62.5 fps
    np.testing.assert_allclose(out25.frames[10], out.frames[int(t)], atol=1e-9)
    # the seed moves blinks; blink=False removes them
    out_s = engine.run(_engine_input(ref, obama_rest, 62.5, seed=5), Progress())
    assert out_s.info["blink_frames"] != out.info["blink_frames"]
    out_nb = engine.run(_engine_input(ref, obama_rest, 62.5, blink=False), Progress())
    assert out_nb.info["blink_frames"] == []


def test_engine_other_image_size_scales_with_the_portrait(engine, ref, obama_rest):
    from makeittalk_server.progress import Progress

    base = engine.run(_engine_input(ref, obama_rest, 62.5), Progress()).frames
    inp = _engine_input(ref, obama_rest * [2, 2, 1], 62.5)
    inp.width, inp.height = 512, 512
    big = engine.run(inp, Progress()).frames
    # the same motion, twice the size (z included: it is in pixels)
    assert np.abs(big[..., :2] / 2 - base[..., :2]).max() < 1e-3


def test_engine_refuses_too_short_audio(engine, obama_rest):
    from makeittalk_server.audio import AudioClip
    from makeittalk_server.engines.base import EngineInput
    from makeittalk_server.errors import BadInput
    from makeittalk_server.params import parse_params
    from makeittalk_server.progress import Progress

    x = (np.sin(np.arange(6000) / 10) * 0.3).astype(np.float32)
    clip = AudioClip(samples=x, raw=x[:, None], source_sr=16000)
    inp = EngineInput(audio=clip, rest=obama_rest.astype(float), width=256, height=256,
                      params=parse_params({"engine": "makeittalk"}))
    with pytest.raises(BadInput, match="windows"):
        engine.run(inp, Progress())


def test_cli_track_reproduces_original(ckpt_dir, ref, tmp_path):
    out = tmp_path / "track.json"
    cmd = [sys.executable, "-m", "makeittalk_server.cli", "track", str(ref.path("inputs/portrait_obama.jpg")),
           str(ref.path("inputs/clipA_M6_04_16k.wav")), "--engine", "makeittalk", "--checkpoints", str(ckpt_dir),
           "--rest-landmarks", str(ref.path("inputs/portrait_obama_landmarks_68x3.npy")), "--fps", "62.5",
           "-o", str(out), "--quiet"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**os.environ, "MAKEITTALK_WARM": "0"})
    assert r.returncode == 0, r.stderr[-2000:]
    track = json.loads(out.read_text())
    frames = np.asarray(track["frames"])
    expected = ref("clipA/track_final_px")
    assert track["engine"] == "makeittalk" and track["fps"] == 62.5 and frames.shape == (305, 68, 3)
    assert np.abs(frames[:287, :, :2] - expected[..., :2]).max() < PX_TOL


def test_engine_stops_when_cancelled(engine, ref, obama_rest):
    from makeittalk_server.errors import Cancelled
    from makeittalk_server.progress import Progress

    calls = []

    class CancelLater(Progress):
        def stage(self, name, fraction=None):
            calls.append(name)
            if name == "landmark networks":
                self.cancel()
            super().stage(name, fraction)

    with pytest.raises(Cancelled):
        engine.run(_engine_input(ref, obama_rest, 30.0, seed=3), CancelLater())
    assert "landmark networks" in calls


def test_cancel_while_f0_runs_leaves_the_next_run_correct(models, ref, pcm, obama_rest):
    class Stop(Exception):
        pass

    def report(name, frac):
        if name == "audio features":        # RAPT is running in the helper at this point
            raise Stop()

    with pytest.raises(Stop):
        A.animate(models, pcm("clipC"), obama_rest, report=report)
    res = A.animate(models, pcm("clipB"), obama_rest)
    assert np.abs(res.pred - ref("clipB/pred_fls_float32")).max() < 1e-5


def test_engine_stereo_44k_and_warm(engine, ref, obama_rest, tmp_path):
    import soundfile as sf

    from makeittalk_server.audio import decode
    from makeittalk_server.engines.base import EngineInput
    from makeittalk_server.params import parse_params
    from makeittalk_server.progress import Progress
    from makeittalk_server.track import n_frames_for

    engine.warm()                         # what the server runs at start-up
    x, sr = sf.read(ref.path("inputs/clipA_M6_04_16k.wav"), dtype="float32")
    import soxr

    y = soxr.resample(x, sr, 44100)
    stereo = np.stack([y, 0.3 * y[::-1]], axis=1)
    path = tmp_path / "stereo.wav"
    sf.write(path, stereo, 44100, subtype="PCM_16")
    clip = decode(str(path))
    inp = EngineInput(audio=clip, rest=obama_rest.astype(float), width=256, height=256,
                      params=parse_params({"engine": "makeittalk", "fps": 24}))
    out = engine.run(inp, Progress())
    assert out.frames.shape == (n_frames_for(clip.duration_s, 24), 68, 3)
    assert np.isfinite(out.frames).all()
    # channel 0 carries the same speech, so the lips move much like the mono run
    mono = engine.run(_engine_input(ref, obama_rest, 24.0), Progress()).frames
    n = min(len(mono), len(out.frames))
    d = np.abs(out.frames[:n, :, :2] - mono[:n, :, :2]).mean()
    motion = np.abs(mono[:, :, :2] - mono[:1, :, :2]).mean()
    assert d < 0.5 * motion           # measured 1.2 px against 4.2 px of motion
