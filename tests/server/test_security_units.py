"""The pieces behind the guard, without HTTP: engine cache, orphan folders, checked writes, budgets,
decode slots and parameter cleaning."""

from support.paths import ROOT
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from makeittalk_server import budget, engines, image, jobs, probe
from makeittalk_server.config import Settings
from makeittalk_server.errors import BadInput, UserError
from makeittalk_server.params import parse_params, parse_params_text



def test_engine_cache_is_keyed_by_what_matters_and_evicts(tmp_path):
    s = Settings(max_engines=2, device="cpu")
    a = engines.get("default", s, str(tmp_path / "a"))
    assert engines.get("default", s, str(tmp_path / "b")) is a      # the default engine reads no checkpoints
    first = engines.get("makeittalk", s, str(tmp_path / "a"))
    assert engines.get("makeittalk", s, str(tmp_path / "a")) is first
    for name in "bcdef":
        engines.get("makeittalk", s, str(tmp_path / name))
    assert engines.cached_count() <= 2
    assert engines.get("makeittalk", s, str(tmp_path / "a")) is not first   # evicted, made again
    with pytest.raises(BadInput) as e:
        engines.get("x" * 10000, s)
    assert len(e.value.message) < 200


def test_job_folders_of_a_killed_server_are_removed_at_start(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONPATH=f"{ROOT / 'server'}{os.pathsep}{ROOT}")
    code = "from makeittalk_server import jobs; print(jobs.claim_work_dir(None), flush=True); import time; time.sleep(60)"
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env, text=True)
    try:
        folder = Path(p.stdout.readline().strip())
        (folder / "job1").mkdir()
        (folder / "job1" / "frame_000001.png").write_bytes(b"x" * 1000)
        assert jobs.sweep_orphans(tmp_path) == 0 and folder.exists()        # its server still runs
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    legacy_new = tmp_path / (jobs.PREFIX + "fresh-without-owner")   # another version's live server: kept
    legacy_new.mkdir()
    mine = jobs.claim_work_dir(tmp_path / "configured")
    assert (mine / jobs.OWNER).read_text().split()[0] == str(os.getpid())
    assert jobs.sweep_orphans(tmp_path) == 1
    assert not folder.exists() and legacy_new.exists() and mine.exists()


def test_frame_writes_are_checked(tmp_path):
    rgb = np.zeros((40, 40, 3), np.uint8)
    image.write_png(tmp_path / "ok.png", rgb)
    assert (tmp_path / "ok.png").stat().st_size > 0
    with pytest.raises(UserError) as e:
        image.write_png(tmp_path / "missing" / "x.png", rgb)
    assert e.value.code == "disk_full" and str(tmp_path) not in e.value.message
    (tmp_path / "f").mkdir()
    image.write_png(tmp_path / "f" / "frame_000001.png", rgb)
    (tmp_path / "f" / "frame_000002.png").write_bytes(b"")               # a write that failed silently
    with pytest.raises(UserError):
        jobs.check_frames_written(tmp_path / "f", 2)


def test_render_budget_refuses_hours_of_4k_frames(tmp_path):
    p = parse_params({"fps": 240, "render": {"renderer": "warp", "width": 4096, "height": 4096}})
    with pytest.raises(BadInput) as e:
        budget.check_render(p, 3600.0, (512, 512, 3), Settings(), tmp_path)
    assert e.value.code == "render_too_large" and "864000 frames of 4096x4096" in e.value.message
    small = parse_params({"fps": 25, "render": {"renderer": "warp", "width": 256, "height": 256}})
    budget.check_render(small, 10.0, (512, 512, 3), Settings(), tmp_path)
    with pytest.raises(BadInput) as e:
        budget.check_render(small, 10.0, (512, 512, 3), Settings(min_free_disk_mb=1e12), tmp_path)
    assert e.value.code == "not_enough_disk"
    with pytest.raises(UserError) as e:
        budget.check_disk(tmp_path, Settings(min_free_disk_mb=1e12))
    assert e.value.code == "disk_full"


def test_decode_slots_bound_concurrent_decodes():
    probe.configure(Settings(decode_slots=1))
    old = probe._slots["wait_s"]
    probe._slots["wait_s"] = 0.2
    try:
        with probe.decode_slot():
            with pytest.raises(UserError) as e:
                with probe.decode_slot("image"):
                    pass
        assert e.value.status == 429 and "busy" in e.value.message
        with probe.decode_slot():
            pass                                    # released again
    finally:
        probe._slots["wait_s"] = old
        probe._slots["sem"] = None


def test_params_are_cleaned_not_crashed_on():
    assert parse_params_text('{"transcript": "\\u2460 two\\u0000three\\u202e"}').transcript == "1 two three "
    assert parse_params_text(b"") == parse_params_text(None)
    for bad in ['{"checkpoints": "a\\u0000"}', '{"rest_landmarks": [[1, 2, 1e308]]}', '{"fps": 0.5}', "[]",
                '{"emotion": {"name": "happy", "intensity": 1e999}}']:
        with pytest.raises(BadInput):
            parse_params_text(bad)
    with pytest.raises(BadInput) as e:
        Settings(allowed_dirs=[Path("/tmp")]).resolve_allowed("/tmp/a\x00b")
    assert e.value.code == "path_not_allowed"


def test_frames_zip_releases_once_even_when_dropped(tmp_path):
    (tmp_path / "frame_000001.png").write_bytes(b"png")
    released = []
    z = jobs.FramesZip([tmp_path / "frame_000001.png"], lambda: released.append(1))
    next(z)
    del z
    assert released == [1]
    z = jobs.FramesZip([tmp_path / "frame_000001.png"], lambda: released.append(2))
    assert b"".join(z)[:2] == b"PK" and released == [1, 2]


def test_queue_is_bounded_by_jobs_and_by_the_audio_they_hold():
    from types import SimpleNamespace

    def job(minutes):
        return SimpleNamespace(audio=SimpleNamespace(duration_s=minutes * 60))
    s = Settings(max_queue=3, max_queued_audio_minutes=60)
    budget.check_queue([job(1), job(1)], 60, s)
    with pytest.raises(UserError) as e:
        budget.check_queue([job(1)] * 3, 60, s)
    assert e.value.status == 429 and e.value.code == "queue_full"
    with pytest.raises(UserError) as e:
        budget.check_queue([job(20), job(20)], 21 * 60, s)
    assert e.value.status == 429 and "minutes of audio" in e.value.message
