"""Bad input gets a clear message: unknown formats, tracks of another version, broken cue files."""

from __future__ import annotations
from support.paths import ROOT

import json
import os
import subprocess
import sys
import time

import pytest

from makeittalk_blender.core import exports, trackformat



def test_unknown_format_names_the_known_ones(track):
    with pytest.raises(exports.ExportError, match="unknown export format 'fbx'.*arkit-csv.*gltf"):
        exports.export(track, "fbx")


def test_newer_track_version_says_to_update(track):
    d = track.to_dict()
    d["version"] = 3
    with pytest.raises(trackformat.TrackError, match="version 3 is not supported.*update"):
        trackformat.validate(d)
    d["version"] = "two"
    with pytest.raises(trackformat.TrackError, match="not supported"):
        trackformat.validate(d)


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(phones=5), "phones must be a list"),
    (lambda d: d["phones"][0].pop("phone"), "needs start, end and phone"),
    (lambda d: d["phones"][0].update(end=-1), "ends before it starts"),
    (lambda d: d["phones"][0].update(start="soon"), "phones start must be a number"),
    (lambda d: d.update(channels={"jaw_open": [0.1]}), "one finite number per frame"),
    (lambda d: d.update(channels=[1]), "channels must be an object"),
])
def test_bad_v2_fields_are_refused(track, change, words):
    d = json.loads(track.to_json())
    change(d)
    with pytest.raises(trackformat.TrackError, match=words):
        trackformat.validate(d)


@pytest.mark.parametrize("text, words", [
    (b"0.00\tX\n0.50\tQ\n1.00\tX\n", "unknown mouth shape"),
    (b"zero\tX\n", "line 1"),
    (b'{"mouthCues": 3}', "not a Rhubarb cue file"),
    (b"", "no cues"),
])
def test_broken_cue_files(tmp_path, text, words):
    p = tmp_path / "c.tsv"
    p.write_bytes(text)
    with pytest.raises(exports.ExportError, match=words):
        exports.import_file(p)


def test_broken_arkit_csv(tmp_path, track):
    good = exports.export(track, "arkit-csv").decode().split("\n")
    p = tmp_path / "a.csv"
    p.write_text("\n".join([good[0], good[1].replace("0.0", "x.0", 1)]))
    with pytest.raises(exports.ExportError, match="line 2"):
        exports.import_file(p)
    p.write_text("\n".join([good[0], good[3], good[1]]))
    with pytest.raises(exports.ExportError, match="backwards"):
        exports.import_file(p)
    p.write_text("Name,Value\nx,1\n")
    with pytest.raises(exports.ExportError, match="neither"):
        exports.import_file(p)


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'server'}{os.pathsep}{ROOT}")
    return subprocess.run([sys.executable, "-m", "makeittalk_server.cli", "export", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=120)


def test_command_line_export_and_its_errors(tmp_path):
    from support.export_helpers import phone_track

    take = phone_track(repeat=20)                      # ~61 s
    assert take.duration_s > 55
    src = tmp_path / "take.json"
    take.save(src)
    for fmt in exports.FORMATS:
        t0 = time.perf_counter()
        exports.export(take, fmt)
        assert time.perf_counter() - t0 < 3.0, fmt         # the bench measures < 1 s on a quiet machine
    r = _cli(src, "-o", tmp_path / "out.glb")
    assert r.returncode == 0, r.stderr
    take.save(tmp_path / "take.npz")                     # the server's binary form too
    r = _cli(tmp_path / "take.npz", "-o", tmp_path / "npz.tsv")
    assert r.returncode == 0 and (tmp_path / "npz.tsv").read_bytes() == exports.export(take, "rhubarb-tsv")
    assert (tmp_path / "out.glb").read_bytes()[:4] == b"glTF"
    r = _cli(src, "-o", tmp_path / "x.json", "--format", "visemes-json")
    assert r.returncode == 0 and json.loads((tmp_path / "x.json").read_text())["set"] == "oculus"
    r = _cli(src, "-o", tmp_path / "x.json")
    assert r.returncode == 1 and "--format" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = _cli(src, "-o", tmp_path / "x.bin", "-f", "fbx")
    assert r.returncode == 1 and "unknown export format" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "v9.json"
    d = take.to_dict()
    d["version"] = 9
    bad.write_text(json.dumps(d))
    r = _cli(bad, "-o", tmp_path / "y.csv")
    assert r.returncode == 1 and "version 9" in r.stderr and str(tmp_path) not in r.stderr


def test_command_line_converts_cue_files_and_csv_into_tracks(tmp_path, track):
    cues = tmp_path / "cues.tsv"
    cues.write_bytes(exports.export(track, "rhubarb-tsv"))
    out = tmp_path / "from_cues.json"
    r = _cli(cues, "-o", out, "--format", "track", "--fps", "25")
    assert r.returncode == 0, r.stderr
    t = trackformat.load(out)
    assert t.fps == 25 and t.phones and json.loads(out.read_text())["version"] == 2
    assert exports.export(t, "rhubarb-tsv") == cues.read_bytes()
    csv = tmp_path / "take.csv"
    csv.write_bytes(exports.export(track, "arkit-csv"))
    r = _cli(csv, "-o", tmp_path / "again.tsv")
    assert r.returncode == 0, r.stderr
    broken = tmp_path / "broken.tsv"
    broken.write_text("0.00\tQ\n")
    r = _cli(broken, "-o", tmp_path / "x.csv")
    assert r.returncode == 1 and "unknown mouth shape" in r.stderr and "Traceback" not in r.stderr
    r = _cli(tmp_path / "nothere.json", "-o", tmp_path / "x.csv")
    assert r.returncode == 1 and "cannot read" in r.stderr
