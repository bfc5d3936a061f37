"""Kill a running `makeittalk batch` (worker processes) part-way, run it again: the lines finished before
the kill are skipped, the rest are made, and every line ends with a complete track."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from support.batch_helpers import batch_cmd, cli_env, load_report, run_cli, write_csv

from makeittalk_server import track

N = 8


def _done(out):
    return sorted(p.parent.name for p in out.glob("*/line.json"))


def test_resume_after_kill(media, tmp_path):
    m = write_csv(media / "many.csv", "id,portrait,audio,seed,rest_landmarks",
                  [f"l{i:02d},face.jpg,{'papa' if i % 2 else 'sentence'}.wav,{i},rest.json" for i in range(N)])
    out = tmp_path / "out"
    proc = subprocess.Popen(batch_cmd(m, out, "--workers", "2"), env=cli_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while len(_done(out)) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    before = _done(out)
    assert 2 <= len(before) < N, f"{len(before)} lines were done when killed"
    stamps = {i: (out / i / "track.json").stat().st_mtime_ns for i in before}
    killed = load_report(out)
    assert killed["finished"] is False and killed["counts"]["done"] >= 1

    p = run_cli(m, out, "--workers", "2", "--quiet")
    assert p.returncode == 0, p.stderr
    rep = load_report(out)
    assert rep["finished"] is True
    assert rep["counts"]["skipped"] == len(before) and rep["counts"]["done"] == N - len(before)
    assert {e["id"] for e in rep["lines"] if e["status"] == "skipped"} == set(before)
    assert all((out / i / "track.json").stat().st_mtime_ns == stamps[i] for i in before)
    for e in rep["lines"]:
        t = track.load(out / e["outputs"]["track"])
        assert t.n_frames == track.n_frames_for(t.duration_s, 30) and t.params["seed"] == int(e["id"][1:])
    assert not list(out.glob("*/*.part*"))
