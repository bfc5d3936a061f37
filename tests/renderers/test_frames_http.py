"""The whole frames path over HTTP: a job with render=warp on a real `makeittalk serve`, its zip from
GET /v1/jobs/{id}/frames unpacked by the add-on's core, and a neural request refused with the reason."""

from __future__ import annotations

import json

import cv2
import pytest
from support.httpclient import get, post_form, wait_job   # tests/ is on sys.path (tests/conftest.py)

from makeittalk_blender.core import frames


def test_warp_job_frames_zip_unpacks_to_one_png_per_track_frame(server, speech_bytes, monalisa_bytes, tmp_path):
    params = {"fps": 10, "render": {"renderer": "warp", "width": 160, "height": 120}}
    r = post_form(server.url + "/v1/jobs", {"audio": speech_bytes, "image": monalisa_bytes,
                                             "params": json.dumps(params)})
    assert r.status == 202, r.body
    job = r.json()["job_id"]
    st = wait_job(server.url, job, timeout=300)
    assert st["status"] == "done", st
    track = get(f"{server.url}/v1/jobs/{job}/track").json()
    z = get(f"{server.url}/v1/jobs/{job}/frames", timeout=120)
    assert z.status == 200
    paths = frames.unpack_zip(z.body, tmp_path / "frames")
    assert len(paths) == track["n_frames"]
    first = cv2.imread(paths[0])
    assert first.shape == (120, 160, 3)


def test_neural_without_checkpoint_is_refused_with_the_reason(server, speech_bytes, monalisa_bytes):
    health = get(server.url + "/v1/health").json()
    neural = [r for r in health.get("renderers", []) if r["name"] == "neural"]
    if neural and neural[0]["ready"]:
        pytest.skip("this server has the i2i checkpoint, so neural is ready")
    params = {"render": {"renderer": "neural"}}
    r = post_form(server.url + "/v1/jobs", {"audio": speech_bytes, "image": monalisa_bytes,
                                             "params": json.dumps(params)})
    assert r.status == 409
    err = r.json()["error"]
    assert err["code"] == "renderer_not_ready" and "ckpt_116_i2i_comb.pth" in err["message"]
