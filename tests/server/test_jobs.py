"""Jobs over real HTTP: the whole round trip, cancellation, two at once, a server restart mid-poll."""

import io
import json
import math
import threading
import time

import numpy as np
import pytest
import soundfile as sf
from support.httpclient import get, post_form, request, wait_job
from support.media import encode_audio
from support.serverproc import ServerProcess

TRACK_KEYS = {"format", "version", "fps", "n_frames", "duration_s", "width", "height", "engine", "params", "rest",
              "frames", "head_pose"}


def default_ready(server) -> bool:
    h = get(server.url + "/v1/health").json()
    return any(e["name"] == "default" and e["ready"] for e in h["engines"])


@pytest.fixture(scope="module")
def srv(server):
    if not default_ready(server):
        pytest.fail("the default engine is not ready; job tests need it: "
                    + json.dumps(get(server.url + "/v1/health").json()["engines"]))
    return server


def long_audio(speech_bytes: bytes, seconds: float) -> bytes:
    x, sr = sf.read(io.BytesIO(speech_bytes), dtype="float32", always_2d=True)
    reps = int(math.ceil(seconds * sr / len(x)))
    return encode_audio(np.tile(x, (reps, 1))[: int(seconds * sr)], sr, "WAV")


def submit(base, audio, image, **params):
    r = post_form(base + "/v1/jobs", {"audio": audio, "image": image, "params": json.dumps(params)})
    assert r.status == 202, r.body
    return r.json()["job_id"]


def test_job_round_trip_json_and_npz(srv, speech_bytes, monalisa_bytes):
    job = submit(srv.url, speech_bytes, monalisa_bytes, fps=25, seed=3)
    seen = []
    while True:
        st = get(f"{srv.url}/v1/jobs/{job}").json()
        assert set(st) >= {"status", "progress", "stage", "error"}
        seen.append((st["status"], st["progress"], st["stage"]))
        if st["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert st["status"] == "done", st
    progresses = [p for _, p, _ in seen]
    assert progresses == sorted(progresses) and progresses[-1] == 1.0
    t = get(f"{srv.url}/v1/jobs/{job}/track").json()
    assert set(t) >= TRACK_KEYS and t["format"] == "makeittalk-track" and t["version"] == 2
    assert {"phones", "words", "channels"} <= set(t)
    dur = sf.info(io.BytesIO(speech_bytes)).duration
    assert t["n_frames"] == math.ceil(dur * 25 - 1e-9) == len(t["frames"]) == len(t["head_pose"])
    assert abs(t["duration_s"] - dur) < 0.01 and (t["width"], t["height"]) == (256, 256)
    frames = np.array(t["frames"])
    assert frames.shape == (t["n_frames"], 68, 3) and np.isfinite(frames).all()
    assert t["engine"] == "default" and t["params"]["seed"] == 3
    # the rest landmarks were detected on the portrait
    lm = post_form(srv.url + "/v1/landmarks", {"image": monalisa_bytes}).json()["landmarks"]
    assert np.abs(np.array(t["rest"]) - np.array(lm)).max() < 1e-3
    assert t["params"]["info"]["detector"] == "dlib" and t["params"]["info"]["faces_found"] == 1
    # the binary form carries the same numbers
    r = get(f"{srv.url}/v1/jobs/{job}/track?format=npz")
    z = np.load(io.BytesIO(r.body))
    assert np.abs(z["frames"] - frames).max() < 1e-3
    assert json.loads(str(z["meta"]))["n_frames"] == t["n_frames"]
    # no render was asked: frames are a clear 404
    r = get(f"{srv.url}/v1/jobs/{job}/frames")
    assert r.status == 404 and r.json()["error"]["code"] == "no_frames"
    r = get(f"{srv.url}/v1/jobs/{job}/track?format=xml")
    assert r.status == 422
    # deleting a finished job frees it
    assert request("DELETE", f"{srv.url}/v1/jobs/{job}").status == 200
    assert get(f"{srv.url}/v1/jobs/{job}").status == 404


def test_cancel_running_and_queued(srv, speech_bytes, monalisa_bytes):
    audio = long_audio(speech_bytes, 240)
    a = submit(srv.url, audio, monalisa_bytes)
    b = submit(srv.url, audio, monalisa_bytes)
    # b waits behind a (one model run at a time per device)
    deadline = time.time() + 60
    while get(f"{srv.url}/v1/jobs/{a}").json()["status"] != "running":
        assert time.time() < deadline
        time.sleep(0.02)
    assert get(f"{srv.url}/v1/jobs/{b}").json()["status"] == "queued"
    rb = request("DELETE", f"{srv.url}/v1/jobs/{b}").json()
    assert rb["status"] == "cancelled"
    t0 = time.time()
    request("DELETE", f"{srv.url}/v1/jobs/{a}")
    st = wait_job(srv.url, a, timeout=60)
    assert st["status"] in ("cancelled", "done")
    if st["status"] == "cancelled":
        assert time.time() - t0 < 30
        r = get(f"{srv.url}/v1/jobs/{a}/track")
        assert r.status == 409 and "cancelled" in r.json()["error"]["message"]
    # the worker is free again: a new job runs to the end
    c = submit(srv.url, speech_bytes, monalisa_bytes)
    assert wait_job(srv.url, c)["status"] == "done"


def test_two_jobs_at_once(srv, speech_bytes, monalisa_bytes):
    ids, errors = [], []

    def go(seed):
        try:
            ids.append((seed, submit(srv.url, speech_bytes, monalisa_bytes, seed=seed, fps=30)))
        except AssertionError as e:
            errors.append(e)

    threads = [threading.Thread(target=go, args=(s,)) for s in (1, 1, 2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and len(ids) == 3
    tracks = {}
    for seed, job in ids:
        assert wait_job(srv.url, job)["status"] == "done"
        tracks.setdefault(seed, []).append(np.array(get(f"{srv.url}/v1/jobs/{job}/track").json()["frames"]))
    assert np.array_equal(tracks[1][0], tracks[1][1])  # same seed, same result, even when queued
    assert not np.array_equal(tracks[1][0], tracks[2][0])


def test_restart_while_client_polls(speech_bytes, monalisa_bytes):
    srv = ServerProcess()
    try:
        srv.wait_ready()
        job = submit(srv.url, long_audio(speech_bytes, 120), monalisa_bytes)
        port = srv.port
        srv.stop()
        # while it is down, a poll fails fast with a connection error (no hang)
        t0 = time.time()
        with pytest.raises(OSError):
            get(f"{srv.url}/v1/jobs/{job}", timeout=5)
        assert time.time() - t0 < 5
        srv = ServerProcess(port=port)
        srv.wait_ready()
        r = get(f"{srv.url}/v1/jobs/{job}")
        assert r.status == 404 and "restarted" in r.json()["error"]["message"]
        # and the new server works
        j2 = submit(srv.url, speech_bytes, monalisa_bytes)
        assert wait_job(srv.url, j2)["status"] == "done"
    finally:
        srv.stop()
