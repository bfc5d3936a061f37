"""Each export's header and schema against its format's specification."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from makeittalk_blender.core import exports
from makeittalk_blender.core.exports import arkit, gltf
from makeittalk_blender.core.phoneset import VISEMES

# Apple's ARKit 52, in Live Link Face's CSV column order (typed out from the app's files, not imported)
LLF_COLUMNS = """Timecode,BlendShapeCount,EyeBlinkLeft,EyeLookDownLeft,EyeLookInLeft,EyeLookOutLeft,EyeLookUpLeft,
EyeSquintLeft,EyeWideLeft,EyeBlinkRight,EyeLookDownRight,EyeLookInRight,EyeLookOutRight,EyeLookUpRight,
EyeSquintRight,EyeWideRight,JawForward,JawRight,JawLeft,JawOpen,MouthClose,MouthFunnel,MouthPucker,MouthRight,
MouthLeft,MouthSmileLeft,MouthSmileRight,MouthFrownLeft,MouthFrownRight,MouthDimpleLeft,MouthDimpleRight,
MouthStretchLeft,MouthStretchRight,MouthRollLower,MouthRollUpper,MouthShrugLower,MouthShrugUpper,MouthPressLeft,
MouthPressRight,MouthLowerDownLeft,MouthLowerDownRight,MouthUpperUpLeft,MouthUpperUpRight,BrowDownLeft,
BrowDownRight,BrowInnerUp,BrowOuterUpLeft,BrowOuterUpRight,CheekPuff,CheekSquintLeft,CheekSquintRight,
NoseSneerLeft,NoseSneerRight,TongueOut,HeadYaw,HeadPitch,HeadRoll,LeftEyeYaw,LeftEyePitch,LeftEyeRoll,
RightEyeYaw,RightEyePitch,RightEyeRoll""".replace("\n", "").split(",")


def test_live_link_csv_header_timecodes_and_weights(track):
    text = exports.export(track, "arkit-csv").decode()
    lines = text.strip().split("\n")
    assert lines[0].split(",") == LLF_COLUMNS
    assert len(lines) == 1 + track.n_frames
    rows = [ln.split(",") for ln in lines[1:]]
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d:\d\d\.\d{3}", r[0]) for r in rows)
    assert {r[1] for r in rows} == {"61"} and {len(r) for r in rows} == {len(LLF_COLUMNS)}
    w = np.array([[float(v) for v in r[2:54]] for r in rows])
    assert w.min() >= 0 and w.max() <= 1
    jaw = w[:, LLF_COLUMNS.index("JawOpen") - 2]
    assert jaw.max() > 0.5 and jaw.min() < 0.05                  # the mouth opens and closes
    yaw = np.array([float(r[LLF_COLUMNS.index("HeadYaw")]) for r in rows])
    np.testing.assert_allclose(yaw, np.radians(track.channels["head_yaw"]), atol=1e-5)   # radians
    # 1.5 s is 00:00:01 and 30 timecode frames at the app's 60 a second
    assert arkit.timecode(1.5) == "00:00:01:30.000" and arkit.timecode(3725.0) == "01:02:05:00.000"


def test_arkit_json_schema(track):
    doc = json.loads(exports.export(track, "arkit-json"))
    assert doc["format"] == "makeittalk-arkit" and doc["numPoses"] == 52 and doc["numFrames"] == track.n_frames
    assert [n[0].upper() + n[1:] for n in doc["facsNames"]] == LLF_COLUMNS[2:54]
    w = np.array(doc["weightMat"])
    assert w.shape == (track.n_frames, 52) and w.min() >= 0 and w.max() <= 1
    assert np.array(doc["head"]).shape == (track.n_frames, 3) and doc["exportFps"] == track.fps


def test_visemes_json_is_sparse_and_sums_to_one(track):
    doc = json.loads(exports.export(track, "visemes-json"))
    assert doc["visemes"] == list(VISEMES) == ["sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR",
                                              "aa", "E", "ih", "oh", "ou"]
    times = np.arange(track.n_frames) / track.fps
    dense = {v: np.interp(times, *np.array(k).T) for v, k in doc["keys"].items()}
    total = sum(dense.values())
    np.testing.assert_allclose(total, 1.0, atol=1e-3)
    assert all(0 <= x <= 1 for k in doc["keys"].values() for _, x in k)
    assert sum(len(k) for k in doc["keys"].values()) < 0.5 * track.n_frames * len(doc["keys"])
    assert {"PP", "sil", "aa", "FF", "ou"} <= set(doc["keys"])
    cues = doc["cues"]
    assert all(a["end"] == pytest.approx(b["start"]) for a, b in zip(cues, cues[1:]))
    assert {"start", "end", "viseme", "phone", "conf"} <= set(cues[0])


def test_rhubarb_tsv_and_json_follow_rhubarbs_formats(track):
    lines = exports.export(track, "rhubarb-tsv").decode().strip().split("\n")
    parsed = [ln.split("\t") for ln in lines]
    assert all(len(p) == 2 and re.fullmatch(r"\d+\.\d\d", p[0]) and p[1] in "ABCDEFGHX" for p in parsed)
    starts = [float(p[0]) for p in parsed]
    assert starts == sorted(starts) and parsed[0][1] == "X" and parsed[-1] == [f"{track.duration_s:.2f}", "X"]
    doc = json.loads(exports.export(track, "rhubarb-json"))
    assert set(doc) == {"metadata", "mouthCues"} and doc["metadata"]["duration"] == round(track.duration_s, 2)
    cues = doc["mouthCues"]
    assert all(set(c) == {"start", "end", "value"} for c in cues)
    assert all(a["end"] == b["start"] and a["value"] != b["value"] for a, b in zip(cues, cues[1:]))
    assert {c["value"] for c in cues} >= {"A", "D", "X", "F", "G"}


def test_glb_is_valid_gltf_with_morph_animation(track):
    data = exports.export(track, "gltf")
    assert data[:4] == b"glTF" and len(data) % 4 == 0
    doc, binary = gltf.read_glb(data)
    assert doc["asset"]["version"] == "2.0" and doc["scenes"][0]["nodes"] == [0]
    assert all(v["byteOffset"] % 4 == 0 and v["byteOffset"] + v["byteLength"] <= len(binary) for v in doc["bufferViews"])
    prim = doc["meshes"][0]["primitives"][0]
    names = doc["meshes"][0]["extras"]["targetNames"]
    assert len(prim["targets"]) == len(names) >= 12 and "jaw_open" in names
    pos = doc["accessors"][prim["attributes"]["POSITION"]]
    assert len(pos["min"]) == 3 and all(doc["accessors"][t["POSITION"]].get("min") for t in prim["targets"])
    idx = gltf.accessor(doc, binary, prim["indices"])
    assert idx.max() < pos["count"] and len(idx) % 3 == 0 and len(idx) // 3 > 68
    anim = doc["animations"][0]
    assert {c["target"]["path"] for c in anim["channels"]} == {"weights", "translation", "rotation", "scale"}
    s = anim["samplers"][0]
    times = gltf.accessor(doc, binary, s["input"])
    assert times[0] == 0 and times[-1] == pytest.approx(track.duration_s, abs=1e-4)     # the sound's length
    w = gltf.accessor(doc, binary, s["output"])
    assert len(w) == len(times) * len(names) and w.min() >= 0 and w.max() <= 1 + 1e-6
    jaw = w.reshape(len(times), len(names))[:, names.index("jaw_open")]
    assert jaw.max() > 0.3


def test_glb_triangles_face_the_viewer(track):
    doc, binary = gltf.read_glb(exports.export(track, "gltf"))
    prim = doc["meshes"][0]["primitives"][0]
    pos = gltf.accessor(doc, binary, prim["attributes"]["POSITION"])
    tri = gltf.accessor(doc, binary, prim["indices"]).reshape(-1, 3)
    a, b, c = pos[tri[:, 0]], pos[tri[:, 1]], pos[tri[:, 2]]
    normal_z = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    assert (normal_z > 0).all()                        # counter-clockwise seen from +z: front faces


def test_srt_from_words_and_from_a_transcript(track):
    text = exports.export(track, "srt").decode()
    blocks = text.strip().split("\n\n")
    assert blocks[0].split("\n")[0] == "1"
    assert re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", blocks[0].split("\n")[1])
    assert "hello" in blocks[0] and "foo" in blocks[-1] and len(blocks) >= 3       # pauses break lines
    track.words = []
    track.params["transcript"] = "one two three"
    assert "one two three" in exports.export(track, "srt").decode()
    track.params.pop("transcript")
    with pytest.raises(exports.ExportError, match="transcript"):
        exports.export(track, "srt")
