"""The --ray path on a local Ray instance (2 CPUs): the same manifest gives the same tracks and report."""

from __future__ import annotations

import json

import pytest
from support.batch_helpers import by_id, write_csv

from makeittalk_server.batch.runner import Options, run_batch

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install '.[ray]')")


@pytest.fixture
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {"PYTHONPATH": __import__("os").environ.get("PYTHONPATH", "")}})
    try:
        yield
    finally:
        ray.shutdown()


def test_ray_matches_local(media, tmp_path, local_ray):
    m = write_csv(media / "m.csv", "id,portrait,audio,seed,fps,rest_landmarks", [
        "a,face.jpg,papa.wav,1,25,rest.json",
        "b,face.jpg,sentence.wav,2,30,",
        "c,face.jpg,noise.wav,,,",
    ])
    local = run_batch(m, tmp_path / "local", Options(workers=1, quiet=True))
    remote = run_batch(m, tmp_path / "ray", Options(ray="", quiet=True))
    assert remote["runner"] == "ray" and remote["counts"] == local["counts"]
    assert remote["counts"]["done"] == 2 and remote["counts"]["failed"] == 1
    for i in "ab":
        a = json.loads((tmp_path / "local" / i / "track.json").read_text())
        b = json.loads((tmp_path / "ray" / i / "track.json").read_text())
        assert a["frames"] == b["frames"] and a["head_pose"] == b["head_pose"]
    assert by_id(remote)["c"]["reason"] == by_id(local)["c"]["reason"]
    again = run_batch(m, tmp_path / "ray", Options(ray="", quiet=True))     # resumable on Ray too
    assert again["counts"]["skipped"] == 2 and again["counts"]["done"] == 0
