"""The command line's server-less paths, and job bookkeeping (cleanup, cancel) in-process."""

from support.paths import ROOT
import json
import subprocess
import time

import numpy as np
import pytest
import soundfile as sf
from support.media import encode_audio, faceless_image
from support.serverproc import EXAMPLES, ROOT, server_python


def mk(*args, timeout=300):
    return subprocess.run([server_python(), "-m", "makeittalk_server.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, cwd=str(ROOT))


def test_cli_track_and_landmarks(tmp_path):
    lm = tmp_path / "lm.json"
    r = mk("landmarks", EXAMPLES / "monalisa.jpg", "-o", lm)
    assert r.returncode == 0, r.stderr
    pts = np.array(json.loads(lm.read_text())["landmarks"])
    assert pts.shape == (68, 3)
    # hand-moved landmarks are used as given (no detection)
    moved = pts.copy()
    moved[:, 0] += 2.0
    np.save(tmp_path / "moved.npy", moved[:, :2])
    out = tmp_path / "t.json"
    r = mk("track", EXAMPLES / "monalisa.jpg", EXAMPLES / "speech.wav", "-o", out, "--fps", "24",
           "--rest-landmarks", tmp_path / "moved.npy", "--quiet")
    assert r.returncode == 0, r.stderr
    t = json.loads(out.read_text())
    assert np.abs(np.array(t["rest"])[:, :2] - moved[:, :2]).max() < 1e-3
    assert t["fps"] == 24 and t["n_frames"] == len(t["frames"])
    assert t["params"]["info"]["detector"] == "given"


def test_cli_errors_are_one_clear_line(tmp_path):
    face = tmp_path / "noface.png"
    face.write_bytes(faceless_image())
    r = mk("landmarks", face)
    assert r.returncode == 1 and "no face" in r.stderr and "Traceback" not in r.stderr
    r = mk("track", EXAMPLES / "monalisa.jpg", EXAMPLES / "monalisa.jpg", "-o", tmp_path / "x.json")
    assert r.returncode == 1 and "could not read" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("[[1,2],[3,4]]")
    r = mk("track", EXAMPLES / "monalisa.jpg", EXAMPLES / "speech.wav", "-o", tmp_path / "x.json",
           "--rest-landmarks", bad)
    assert r.returncode == 1 and "68x2 or 68x3" in r.stderr
    r = mk("track", EXAMPLES / "monalisa.jpg", EXAMPLES / "speech.wav", "-o", tmp_path / "x.json", "--fps", "-3")
    assert r.returncode == 1 and "fps" in r.stderr


def test_jobs_are_cleaned_up_and_cancel_frees(tmp_path):
    from makeittalk_server import audio, image
    from makeittalk_server.config import Settings
    from makeittalk_server.errors import NotFound
    from makeittalk_server.jobs import JobManager
    from makeittalk_server.params import parse_params

    settings = Settings(job_ttl_s=0.5, max_jobs_kept=1, work_dir=tmp_path / "jobs")
    jm = JobManager(settings)
    try:
        x, sr = sf.read(EXAMPLES / "speech.wav", dtype="float32", always_2d=True)
        clip = audio.decode(encode_audio(x[: 2 * sr], sr, "WAV"))
        img = image.decode(str(EXAMPLES / "monalisa.jpg"))
        a = jm.submit(parse_params({"fps": 25}), clip, img)
        b = jm.submit(parse_params({"fps": 25}), clip, img)
        for j in (a, b):
            for _ in range(600):
                if j.status not in ("queued", "running"):
                    break
                time.sleep(0.05)
            assert j.status == "done", j.error
            assert j.audio is None and j.image is None  # inputs freed once finished
        jm.cleanup()
        with pytest.raises(NotFound):  # over max_jobs_kept: the oldest goes first
            jm.get(a.id)
        assert jm.get(b.id).track is not None
        jm.cleanup(now=time.time() + 1.0)  # past the ttl
        with pytest.raises(NotFound):
            jm.get(b.id)
        # a queued job cancelled before it runs never runs
        c = jm.submit(parse_params({"fps": 25}), clip, img)
        d = jm.submit(parse_params({"fps": 25}), clip, img)
        jm.cancel(d.id)
        assert d.status == "cancelled" and d.audio is None
        for _ in range(600):
            if c.status == "done":
                break
            time.sleep(0.05)
        time.sleep(0.2)
        assert d.status == "cancelled" and d.track is None
    finally:
        jm.shutdown()
    assert not (tmp_path / "jobs").exists()
