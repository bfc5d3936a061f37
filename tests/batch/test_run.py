"""A real batch (default engine, in this process): outputs, the report's counts, resume, redo on change."""

from __future__ import annotations

import json
import shutil

from support.batch_helpers import by_id, load_report, write_csv

from makeittalk_server import cli, track
from makeittalk_server.batch.runner import Options, run_batch

HEADER = "id,portrait,audio,seed,fps,rest_landmarks,exports,params"


def _manifest(media, seed_b=2):
    return write_csv(media / "lines.csv", HEADER, [
        "a,face.jpg,papa.wav,1,25,,npz;arkit-csv;visemes-json,",
        f"b,face.jpg,sentence.wav,{seed_b},30,rest.json,,",
        "c,face.jpg,noise.wav,,,,,",
        "d,nobody.jpg,papa.wav,,,,,",
        'e,face.jpg,papa.wav,,,,,"{""amp_pos"": -1}"',
    ])


def test_batch_outputs_report_resume_and_redo(media, tmp_path):
    out = tmp_path / "out"
    m = _manifest(media)
    rep = run_batch(m, out, Options(workers=1, quiet=True))
    assert rep["finished"] is True
    assert rep["counts"] == {"done": 2, "skipped": 0, "failed": 1, "invalid": 2, "pending": 0, "total": 5, "ok": 2}
    lines = by_id(load_report(out))
    assert lines["c"]["status"] == "failed" and "could not read noise.wav as audio" in lines["c"]["reason"]
    assert lines["d"]["status"] == "invalid" and "portrait file not found" in lines["d"]["reason"]
    assert lines["e"]["status"] == "invalid" and "amp_pos" in lines["e"]["reason"]
    a = track.load(out / "a" / "track.json")
    assert a.fps == 25 and a.n_frames == track.n_frames_for(a.duration_s, 25) and a.engine == "default"
    assert a.params["seed"] == 1
    exported = lines["a"]["outputs"]["exports"]
    assert exported == ["a/exports/a.npz", "a/exports/a.arkit-csv.csv", "a/exports/a.visemes-json.json"]
    assert all((out / p).stat().st_size > 100 for p in exported)
    assert (out / exported[1]).read_text().startswith("Timecode")
    b = track.load(out / "b" / "track.json")
    rest = json.loads((media / "rest.json").read_text())
    assert abs(b.rest[:, :2] - rest).max() < 1e-3          # the given landmarks, not a detection
    summary = (out / "report.txt").read_text()
    assert "5 lines: 2 ok" in summary and "row    3  c" in summary and "row    4  d" in summary

    # again: the done lines are skipped (files untouched), the failed one is tried again; exit status 1
    stamp = {i: (out / i / "track.json").stat().st_mtime_ns for i in "ab"}
    assert cli.main(["batch", str(m), "-o", str(out), "--quiet"]) == 1
    rep = load_report(out)
    assert (rep["counts"]["skipped"], rep["counts"]["done"], rep["counts"]["failed"]) == (2, 0, 1)
    assert all((out / i / "track.json").stat().st_mtime_ns == stamp[i] for i in "ab")

    # a changed param redoes only that line; a changed audio file (same name) redoes its line
    _manifest(media, seed_b=7)
    shutil.copy(media / "sentence.wav", media / "papa.wav")
    rep = run_batch(m, out, Options(workers=1, quiet=True))
    assert (rep["counts"]["done"], rep["counts"]["skipped"]) == (2, 0)
    assert track.load(out / "b" / "track.json").params["seed"] == 7
    assert track.load(out / "a" / "track.json").duration_s == b.duration_s


def test_all_good_exits_zero(media, tmp_path):
    m = write_csv(media / "ok.csv", "portrait,audio,rest_landmarks", ["face.jpg,papa.wav,rest.json"])
    assert cli.main(["batch", str(m), "-o", str(tmp_path / "o"), "--quiet", "--workers", "1"]) == 0
    assert load_report(tmp_path / "o")["counts"]["ok"] == 1
    assert cli.main(["batch", str(tmp_path / "none.csv"), "-o", str(tmp_path / "o"), "--quiet"]) == 1
