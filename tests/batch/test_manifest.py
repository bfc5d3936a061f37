"""Manifest parsing: good rows become lines with validated params; every bad row is reported on its own."""

from __future__ import annotations

import pytest
from support.batch_helpers import write_csv, write_jsonl

from makeittalk_server.batch import manifest
from makeittalk_server.errors import UserError


def test_csv_rows_good_and_bad(media):
    m = write_csv(media / "m.csv", "id,portrait,audio,seed,fps,emotion,intensity,transcript,exports,blink", [
        "ok,face.jpg,papa.wav,3,25,happy,0.8,papa mama baba,npz,no",
        "nofile,face.jpg,missing.wav,,,,,,,",
        "badseed,face.jpg,papa.wav,1.5,,,,,,",
        "badfps,face.jpg,papa.wav,,-3,,,,,",
        "bademo,face.jpg,papa.wav,,,furious,,,,",
        "badexp,face.jpg,papa.wav,,,,,,nosuchformat,",
        "badflag,face.jpg,papa.wav,,,,,,,maybe",
        "bad/id,face.jpg,papa.wav,,,,,,,",
        "ok,face.jpg,sentence.wav,,,,,,,",
    ])
    lines = manifest.read(m)
    assert [ln.row for ln in lines] == list(range(1, 10))
    ok = lines[0]
    assert ok.error is None and ok.portrait == str((media / "face.jpg").resolve())
    assert ok.params == {"seed": 3, "fps": 25.0, "transcript": "papa mama baba", "blink": False,
                         "emotion": {"name": "happy", "intensity": 0.8}}
    assert ok.exports == ["npz"]
    errors = {ln.id: ln.error for ln in lines[1:]}
    assert "audio file not found: missing.wav" in errors["nofile"]
    assert "seed" in errors["badseed"] and "whole number" in errors["badseed"]
    assert "fps" in errors["badfps"]
    assert "emotion" in errors["bademo"]
    assert "nosuchformat" in errors["badexp"]
    assert "blink" in errors["badflag"]
    assert "folder name" in errors["bad/id"]
    assert "used by an earlier line" in lines[8].error


def test_jsonl_rows(media):
    m = write_jsonl(media / "m.jsonl", [
        {"portrait": "face.jpg", "audio": "papa.wav", "params": {"amp_pos": 0.2}, "render": "warp",
         "exports": ["npz"], "rest_landmarks": "rest.json"},
        "{not json",
        "[1, 2]",
        {"portrait": "face.jpg", "audio": "papa.wav", "colour": "blue"},
        {"portrait": "face.jpg", "audio": "papa.wav", "params": {"amp_pos": 99}},
        {"portrait": "face.jpg"},
        "",
        {"portrait": "face.jpg", "audio": "papa.wav", "engine": "makeittalk", "seed": True},
        {"portrait": "face.jpg", "audio": "papa.wav", "seed": 2.5},
        {"portrait": "face.jpg", "audio": "papa.wav", "render": "warp", "params": {"render": None}},
    ])
    lines = manifest.read(m)
    assert [ln.row for ln in lines] == [1, 2, 3, 4, 5, 6, 8, 9, 10]
    first = lines[0]
    assert first.error is None and first.id == "line-0001" and first.render == "warp"
    assert first.params["render"] == {"renderer": "warp"} and first.params["amp_pos"] == 0.2
    assert first.params["rest_landmarks_file"].endswith("rest.json")
    reasons = [ln.error for ln in lines[1:]]
    assert "not valid JSON" in reasons[0]
    assert "JSON object" in reasons[1]
    assert "colour" in reasons[2]
    assert "amp_pos" in reasons[3]
    assert "no audio given" in reasons[4]
    assert "seed" in reasons[5]
    assert "whole number" in reasons[6]
    assert lines[8].error is None and lines[8].params["render"] == {"renderer": "warp"}


def test_manifest_level_errors(media, tmp_path):
    with pytest.raises(UserError, match="could not read the manifest"):
        manifest.read(tmp_path / "absent.csv")
    with pytest.raises(UserError, match="unknown column"):
        manifest.read(write_csv(media / "x.csv", "portrait,audio,volume", ["face.jpg,papa.wav,11"]))
    with pytest.raises(UserError, match="'portrait' and 'audio'"):
        manifest.read(write_csv(media / "y.csv", "id,seed", ["a,1"]))
    with pytest.raises(UserError, match="lists no lines"):
        manifest.read(write_csv(media / "z.csv", "portrait,audio", []))
