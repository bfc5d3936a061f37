"""Export then import gives the same performance back; the track v2 file keeps its timeline."""

from __future__ import annotations

import json

import numpy as np
import pytest

from makeittalk_blender.core import channels, exports, trackformat
from makeittalk_blender.core.exports import arkit
from makeittalk_blender.core.template_face import template_landmarks


def test_channels_drive_landmarks_that_measure_back_the_same():
    rest = template_landmarks(600, 400)
    rng = np.random.default_rng(1)
    vals = {k: rng.uniform(-0.9 if k in channels.SIGNED else 0, 0.9, 40) for k in channels.LINEAR}
    got = channels.measure(rest, channels.synthesise(rest, vals, 40), [{"scale": 1.0}] * 40)
    for k in channels.LINEAR:
        np.testing.assert_allclose(got[k], vals[k], atol=1e-9, err_msg=k)


@pytest.mark.parametrize("fmt", ["rhubarb-tsv", "rhubarb-json"])
def test_rhubarb_cues_round_trip(track, fmt, tmp_path):
    first = exports.export(track, fmt)
    path = tmp_path / ("cues" + exports.extension(fmt))
    path.write_bytes(first)
    back = exports.import_file(path, fps=track.fps)
    assert back.duration_s == pytest.approx(track.duration_s, abs=0.01)
    assert exports.export(back, fmt) == first
    assert json.loads(exports.export(back, "rhubarb-json"))["mouthCues"] == \
        json.loads(exports.export(track, "rhubarb-json"))["mouthCues"]


def test_arkit_csv_round_trip_keeps_the_weights(track, tmp_path):
    path = tmp_path / "take.csv"
    exports.write(track, path, "arkit-csv")
    back = exports.import_file(path)
    assert back.fps == track.fps and abs(back.n_frames - track.n_frames) <= 1
    w0 = arkit.weights(track.channels)
    w1 = arkit.weights(back.channels)[: track.n_frames]
    assert np.abs(w1 - w0).max() < 0.02
    np.testing.assert_allclose(back.channels["head_yaw"][: track.n_frames], track.channels["head_yaw"], atol=1e-3)
    np.testing.assert_allclose(back.channels["head_roll"][: track.n_frames], track.channels["head_roll"], atol=0.05)


def test_v2_track_keeps_timeline_and_channels_in_json_and_npz(track, tmp_path):
    for ext in ("json", "npz"):
        path = tmp_path / f"t.{ext}"
        track.save(path)
        back = trackformat.load(path)
        assert [p["phone"] for p in back.phones] == [p["phone"] for p in track.phones]
        assert back.phones[1]["viseme"] == "kk" and back.phones[1]["conf"] == pytest.approx(0.9)
        assert [w["word"] for w in back.words] == ["hello", "bob", "my", "papa", "foo"]
        for k in channels.NAMES:
            np.testing.assert_allclose(back.channels[k], track.channels[k], atol=1e-3)


def test_version_1_file_loads_with_measured_channels(track):
    d = track.to_dict()
    d["version"] = 1
    for k in ("phones", "words", "channels"):
        d.pop(k)
    old = trackformat.validate(d)
    assert old.phones == [] and old.words == []
    np.testing.assert_allclose(old.channels["jaw_open"], track.channels["jaw_open"], atol=1e-3)
    # exports still work from the landmarks alone: closures and pauses are read off the mouth
    cues = json.loads(exports.export(old, "rhubarb-json"))["mouthCues"]
    assert {"A", "X"} & {c["value"] for c in cues} and cues[0]["start"] == 0
