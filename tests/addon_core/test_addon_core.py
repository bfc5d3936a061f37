"""The add-on's pure modules (no bpy): track file, head pose, track maths, template, client, tasks."""

from __future__ import annotations

import json
import math
import socket
import threading
import time

import numpy as np
import pytest

from makeittalk_blender.core import jobs, track_math, trackfile
from makeittalk_blender.core.client import Client, ClientError, encode_multipart
from makeittalk_blender.core.template_face import TEMPLATE_68, template_landmarks
from support.blender_synth import make_track, monalisa_rest


def test_track_round_trips_through_json(tmp_path):
    t = make_track(12)
    path = tmp_path / "t.json"
    trackfile.save(t, path)
    back = trackfile.load(path)
    assert back.n_frames == 12 and back.fps == t.fps and (back.width, back.height) == (t.width, t.height)
    np.testing.assert_allclose(back.frames, t.frames, atol=1e-4)
    np.testing.assert_allclose(back.rest, t.rest, atol=1e-4)
    for a, b in zip(back.head_pose, t.head_pose):
        for k in trackfile.POSE_KEYS:
            assert a[k] == pytest.approx(b[k])


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(format="other"), "not a MakeItTalk track"),
    (lambda d: d.update(version=99), "version 99"),
    (lambda d: d.pop("frames"), "no 'frames'"),
    (lambda d: d.update(n_frames=3), "n_frames"),
    (lambda d: d.update(fps=-1), "positive"),
    (lambda d: d["frames"][0].pop(), "68"),
    (lambda d: d["rest"][5].__setitem__(0, float("nan")), "NaN"),
    (lambda d: d.update(head_pose=d["head_pose"][:-1]), "one entry per frame"),
    (lambda d: d.update(head_pose=5), "one entry per frame"),
    (lambda d: d.update(n_frames=None), "n_frames must be a number"),
    (lambda d: d.update(duration_s="long"), "duration_s must be a number"),
    (lambda d: d.update(params=[1, 2]), "params must be an object"),
])
def test_bad_tracks_are_refused_in_plain_words(change, words):
    d = json.loads(trackfile.dumps(make_track(4)))
    change(d)
    with pytest.raises(trackfile.TrackFileError, match=words):
        trackfile.loads(json.dumps(d, allow_nan=True))


def test_not_json_is_refused():
    with pytest.raises(trackfile.TrackFileError, match="not valid JSON"):
        trackfile.loads(b"{nope")


def test_same_format_as_the_server():
    server_track = pytest.importorskip("makeittalk_server.track", reason="server package not in this venv")
    t = make_track(6)
    ours = trackfile.dumps(t)
    theirs = server_track.from_dict(json.loads(ours))            # server reads ours
    np.testing.assert_allclose(theirs.frames, t.frames, atol=1e-4)
    back = trackfile.loads(theirs.to_json())                     # we read the server's
    np.testing.assert_allclose(back.frames, t.frames, atol=1e-4)
    assert set(json.loads(ours)) == set(json.loads(theirs.to_json()))


def test_head_pose_is_fitted_when_missing_and_matches_the_truth():
    t = make_track(20, seed=3)
    fitted = trackfile.fit_head_pose(t.rest, t.frames)
    # the synthetic expression moves lips and jaw only (stable points carry small noise)
    for f, p in zip(fitted, t.head_pose):
        assert f["roll_deg"] == pytest.approx(p["roll_deg"], abs=0.3)
        assert f["scale"] == pytest.approx(p["scale"], abs=0.01)
        assert f["tx"] == pytest.approx(p["tx"], abs=0.6)


def test_separate_then_recompose_gives_the_frames_back():
    t = make_track(15)
    expr, head = track_math.separate(t)
    assert expr.shape == (15, 68, 2) and head.shape == (15, 4)
    for k in range(15):
        pts = t.rest.copy()
        pts[:, :2] += expr[k]
        again = trackfile.apply_pose(pts, t.head_pose[k], t.pivot)
        np.testing.assert_allclose(again[:, :2], t.frames[k, :, :2], atol=1e-9)
    # head motion is not in the expression: the eye corners barely move there
    assert np.abs(expr[:, [36, 39, 42, 45]]).max() < 2.0
    assert np.abs(t.frames[:, 36, :2] - t.rest[36, :2]).max() > 2.0


def test_regions_cover_all_68_points_once():
    seen = [i for _, idx in track_math.REGIONS for i in idx]
    assert sorted(seen) == list(range(68))
    assert track_math.region_of(48) == "Lips outer" and track_math.region_of(0) == "Jaw"


def test_pixel_map_round_trip_and_uv():
    pm = track_math.PixelMap(300, 200)
    pts = np.array([[0.0, 0.0], [300.0, 200.0], [150.0, 100.0], [12.5, 170.25]])
    np.testing.assert_allclose(pm.to_pixels(pm.to_world(pts)), pts, atol=1e-12)
    np.testing.assert_allclose(pm.uv(pts[:2]), [[0.0, 1.0], [1.0, 0.0]])
    assert pm.to_world(pts)[2].tolist() == [0.0, 0.0, 0.0]            # image centre at the origin


def test_mesh_points_keep_landmarks_first_and_stay_in_the_image():
    rest, w, h = monalisa_rest()
    mp = track_math.mesh_points(rest, w, h)
    np.testing.assert_array_equal(mp.points[:68], rest[:, :2])
    assert mp.n_ring >= 6 and mp.n_border == 16
    assert (mp.points >= 0).all() and (mp.points[:, 0] <= w).all() and (mp.points[:, 1] <= h).all()


def test_close_points_are_separated_for_triangulation_only():
    rest, _, _ = monalisa_rest()
    assert np.allclose(rest[62], rest[66])                 # a closed mouth: inner lips coincide
    moved = track_math.separate_close_points(rest[:, :2], 0.02)
    d = np.linalg.norm(moved[:, None] - moved[None], axis=2) + np.eye(68)
    assert d.min() >= 0.02 - 1e-12
    assert np.abs(moved - rest[:, :2]).max() <= 0.1


def test_template_face_is_symmetric_distinct_and_fits_the_image():
    t = np.asarray(TEMPLATE_68)
    assert t.shape == (68, 2)
    assert t[8, 0] == pytest.approx(0.0, abs=1e-3) and t[0, 0] == pytest.approx(-t[16, 0], abs=1e-3)
    d = np.linalg.norm(t[:, None] - t[None], axis=2) + np.eye(68)
    assert d.min() > 0.005
    pts = template_landmarks(640, 480)
    assert pts.shape == (68, 3)
    assert (pts[:, 0] > 0).all() and (pts[:, 0] < 640).all() and (pts[:, 1] > 0).all() and (pts[:, 1] < 480).all()
    assert pts[36:42, 1].mean() < pts[48:60, 1].mean()    # eyes above the mouth


def test_semantic_offsets_move_the_right_parts():
    rest, _, _ = monalisa_rest()
    off = track_math.semantic_offsets(rest)
    assert off["blink"][37, 1] > 0 and off["blink"][48].tolist() == [0.0, 0.0]
    assert off["jaw_open"][8, 1] > 0 and off["jaw_open"][57, 1] > 0 and off["jaw_open"][27].tolist() == [0, 0]
    assert off["smile"][48, 0] < 0 < off["smile"][54, 0] and off["smile"][48, 1] < 0
    assert (off["brow_raise"][17:27, 1] < 0).all() and not off["brow_raise"][:17].any()


def test_multipart_body_carries_fields_and_files():
    body, ctype = encode_multipart({"params": '{"fps": 25}'}, {"audio": ("a b.wav", b"RIFF\x00\x01")})
    boundary = ctype.split("boundary=")[1]
    assert ctype.startswith("multipart/form-data")
    assert body.count(boundary.encode()) == 3 and body.endswith(f"--{boundary}--\r\n".encode())
    assert b'name="params"\r\n\r\n{"fps": 25}\r\n' in body
    assert b'filename="a b.wav"\r\nContent-Type: audio/' in body and b"RIFF\x00\x01\r\n" in body


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_client_says_the_server_is_down():
    c = Client(f"127.0.0.1:{_closed_port()}", timeout=2)
    with pytest.raises(ClientError) as e:
        c.health()
    assert e.value.code == "server_down" and "not running" in e.value.message


def test_client_reports_a_missing_file_before_any_network():
    c = Client(f"127.0.0.1:{_closed_port()}")
    with pytest.raises(ClientError, match="choose an audio file"):
        c.submit("", None, {})


def test_poll_step_applies_a_result_once():
    applied, updates = [], []
    task = jobs.Task("t", lambda t: (t.report(phase="running", progress=0.5, stage="half"), 42)[1]).start()
    task.join(5)
    assert jobs.poll_step(task, updates.append, applied.append) is False
    assert jobs.poll_step(task, updates.append, applied.append) is False
    assert applied == [42] and updates[-1].phase == "done" and updates[-1].progress == 1.0


def test_poll_step_reports_failures_and_apply_errors():
    def boom(t):
        raise ClientError("no_face", "no face was found in the portrait")
    task = jobs.Task("t", boom).start()
    task.join(5)
    seen = []
    jobs.poll_step(task, seen.append)
    assert seen[-1].phase == "failed" and seen[-1].error_code == "no_face" and "no face" in seen[-1].error

    task = jobs.Task("t", lambda t: "x").start()
    task.join(5)
    jobs.poll_step(task, seen.append, lambda r: 1 / 0)
    assert seen[-1].phase == "failed" and "could not build the take" in seen[-1].error
    assert "ZeroDivision" not in seen[-1].error and "console" in seen[-1].error     # no class names

    def bug(t):
        raise KeyError("frames")
    task = jobs.Task("t", bug).start()
    task.join(5)
    jobs.poll_step(task, seen.append)
    assert seen[-1].error_code == "internal" and "KeyError" not in seen[-1].error


def test_server_messages_in_an_artists_words():
    from makeittalk_blender.core.wording import plain

    got = plain("no face was found in the portrait; place the 68 landmarks by hand (Blender: 'Place template "
                "landmarks', then adjust) and send them as rest_landmarks")
    assert "rest_landmarks" not in got and got.endswith("then adjust)")
    got = plain("download ... into one folder and point --checkpoints (or MAKEITTALK_CHECKPOINTS) at it")
    assert "--" not in got and "MAKEITTALK" not in got and "preferences" in got
    assert plain("ValueError: the take <bpy_struct, Object(\"x\") at 0x7f>") .startswith("the take")


def test_cancel_stops_a_task_at_its_next_check():
    started = threading.Event()

    def slow(t):
        started.set()
        while True:
            t.check()
            time.sleep(0.01)
    task = jobs.Task("slow", slow).start()
    started.wait(5)
    assert jobs.poll_step(task) is True
    task.cancel()
    st = jobs.wait(task, timeout=5)
    assert st.phase == "cancelled"


def test_job_task_against_a_stopped_server_fails_in_plain_words(tmp_path):
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF")
    task = jobs.job_task(Client(f"127.0.0.1:{_closed_port()}", timeout=2), str(audio), None, {}).start()
    st = jobs.wait(task, timeout=10)
    assert st.phase == "failed" and st.error_code == "server_down" and "Start server" in st.error
    assert not math.isnan(st.progress)


def test_mouth_picture_has_teeth_on_top_and_a_dark_cavity():
    img = track_math.mouth_texture(64)
    assert img.shape == (64, 64, 4) and (img >= 0).all() and (img <= 1).all()
    top, middle = img[60, 32, :3], img[40, 32, :3]          # row 0 is the bottom (Blender's order)
    assert top.min() > 0.7 and middle.max() < 0.25
    assert set(track_math.MOUTH_UV) == set(track_math.INNER_LIPS)
    assert all(track_math.MOUTH_UV[i][1] == 1.0 for i in (61, 62, 63))


# ---- issue 10: key reduction, face channels, take plan, confidence (numpy only) ---------------------
def test_key_reduction_holds_the_tolerance_with_few_keys():
    from makeittalk_blender.core import keyreduce as kr

    t = np.arange(300) / 30.0
    y = 5.0 * np.sin(2 * math.pi * 0.5 * t) + 2.0 * np.clip(np.sin(2 * math.pi * 0.7 * t), 0, None)
    keys = kr.reduce(y, 0.25)
    assert np.abs(kr.evaluate(keys, len(y)) - y).max() <= 0.25
    assert len(keys) < 0.25 * len(y) and keys.frames[0] == 0 and keys.frames[-1] == len(y) - 1
    assert keys.broken.any()                            # the clipped sine's kinks keep broken tangents
    flat = kr.reduce(np.full(50, 2.0), 0.01)
    assert len(flat) == 2 and np.allclose(kr.evaluate(flat, 50), 2.0)
    noisy = np.random.default_rng(0).normal(0, 1.0, 40)
    exact = kr.reduce(noisy, 0.0)
    assert np.abs(kr.evaluate(exact, 40) - noisy).max() < 1e-9
    left, right = keys.handles(1.0)                      # handles at thirds of the neighbouring gaps
    gap = np.diff(keys.frames)
    assert np.allclose(right[:-1, 0] - (1.0 + keys.frames[:-1]), gap / 3.0)


def test_face_channels_project_and_leave_an_exact_residual():
    from makeittalk_blender.core import face_rig
    from support.blender_synth import monalisa_rest

    rest, _, _ = monalisa_rest()
    basis = face_rig.basis_matrix(rest)
    assert basis.shape == (len(face_rig.CHANNELS), 136)
    b = face_rig.channel_basis(rest)
    assert b["jaw_open"][8, 1] > 0 and b["blink_R"][37, 1] > 0 and not b["blink_R"][42:48].any()
    assert b["lip_corner_L.width"][54, 0] > 0 > b["lip_corner_R.width"][48, 0]      # both outwards
    truth = np.zeros((3, len(face_rig.CHANNELS)))
    truth[0, face_rig.CHANNELS.index("jaw_open")] = 0.8
    truth[1, face_rig.CHANNELS.index("blink_L")] = 1.0
    truth[2, face_rig.CHANNELS.index("smile")] = 0.5
    expr = (truth @ basis).reshape(3, 68, 2)
    got = face_rig.project(expr, basis)
    np.testing.assert_allclose(got, truth, atol=0.02)
    res = face_rig.residual(expr, got, basis)
    np.testing.assert_allclose((got @ basis).reshape(3, 68, 2) + res, expr, atol=1e-9)


def test_take_plan_reconstructs_the_track_within_the_tolerance():
    from makeittalk_blender.core import take_plan
    from support.blender_synth import make_track

    track = make_track(120, fps=30.0, noise=0.0)
    plan = take_plan.plan_take(track, 0.25)
    err = np.linalg.norm(take_plan.reconstruct(plan, track) - track.frames[:, :, :2], axis=2).max()
    assert err <= 0.25 and plan.stats["max_error_px"] == pytest.approx(err)
    assert plan.stats["keys_per_frame_curve"] < 0.15
    tight, loose = take_plan.plan_take(track, 0.02), take_plan.plan_take(track, 1.0)
    assert tight.stats["keys"] > loose.stats["keys"] and tight.stats["max_error_px"] <= 0.02
    assert loose.stats["max_error_px"] <= 1.0


def test_confidence_summary_and_low_stretches():
    from makeittalk_blender.core import confidence
    from support.blender_synth import make_track

    track = make_track(10)
    assert confidence.summary(track) == {"agreement": None, "phone_confidence": None, "low": []}
    assert "no confidence" in confidence.describe(confidence.summary(track))
    track.params = {"info": {"phone_acoustic_agreement": 0.8, "phones_timeline": [
        {"start": 0.0, "end": 0.2, "phone": "SIL", "conf": 0.1},      # silence is not lip sync
        {"start": 0.2, "end": 0.5, "phone": "M", "conf": 0.3},
        {"start": 0.55, "end": 0.7, "phone": "AA", "conf": 0.4},      # joined with the one before
        {"start": 0.7, "end": 1.0, "phone": "T", "conf": 0.9},
        {"start": 1.5, "end": 1.6, "phone": "S", "conf": 0.1}]}}      # too short to mark
    s = confidence.summary(track)
    assert s["low"] == [(0.2, 0.7)] and s["agreement"] == 0.8
    assert 0.3 < s["phone_confidence"] < 0.6
    assert "80%" in confidence.describe(s) and "1 stretch to check" in confidence.describe(s)


def test_start_server_progress_follows_the_warm_up():
    pytest.importorskip("bpy")
    from makeittalk_blender.blender.server_start import warmup_progress

    assert warmup_progress({"status": "ok", "engines": []}) is None          # an older server: ready
    assert warmup_progress({"warm": True}) is None
    frac, words = warmup_progress({"warm": False, "warmup": {"parts": {
        "dlib": "ready", "default": "warming", "makeittalk": "waiting"}}})
    assert frac == pytest.approx(1 / 3) and "default engine" in words and "1 of 3" in words
