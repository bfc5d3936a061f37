"""One job preparation for HTTP and the command line: the same checks, the same words, both ways."""

from support.paths import ROOT, DATA
import json
import subprocess

import numpy as np
import pytest
from support.httpclient import get, post_form
from support.serverproc import EXAMPLES, ROOT, server_python

REST = json.loads((DATA / "monalisa_rest.json").read_text())


def _rest_points():
    return np.asarray(REST["landmarks"] if isinstance(REST, dict) else REST, dtype=float)[:, :2]


def _far_points():
    pts = _rest_points().copy()
    pts[:, 0] += 10_000.0            # another image's pixels: far beyond the right edge
    return pts


def mk(*args, timeout=120):
    return subprocess.run([server_python(), "-m", "makeittalk_server.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, cwd=str(ROOT))


def test_cli_track_refuses_landmarks_far_outside_the_image(tmp_path):
    far = tmp_path / "far.json"
    far.write_text(json.dumps(_far_points().tolist()))
    r = mk("track", EXAMPLES / "monalisa.jpg", EXAMPLES / "speech.wav", "-o", tmp_path / "t.json",
           "--rest-landmarks", far, "--quiet")
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == ["makeittalk: error: rest_landmarks lie far outside the image; they "
                                             "must be pixel coordinates of this image (origin top-left)"]
    assert not (tmp_path / "t.json").exists()


def test_http_refuses_the_same_landmarks_with_the_same_words(server, speech_bytes, monalisa_bytes):
    params = {"rest_landmarks": _far_points().tolist()}
    r = post_form(server.url + "/v1/jobs", {"audio": speech_bytes, "image": monalisa_bytes,
                                            "params": json.dumps(params)})
    assert r.status == 422
    assert r.json()["error"] == {"code": "bad_params", "message": "rest_landmarks lie far outside the image; "
                                 "they must be pixel coordinates of this image (origin top-left)"}


def test_prepare_in_process(speech_bytes, monalisa_bytes):
    from makeittalk_server import prepare
    from makeittalk_server.config import Settings
    from makeittalk_server.errors import BadInput
    from makeittalk_server.params import parse_params

    settings = Settings(warm=False)
    prep = prepare.prepare(parse_params({"rest_landmarks": _rest_points().tolist()}), speech_bytes,
                           monalisa_bytes, settings)
    assert prep.rest.shape == (68, 3) and prep.rest_info == {"detector": "given"}
    assert (prep.height, prep.width) == prep.image.shape[:2] and prep.renderer is None
    assert prep.engine.name == "default"
    with pytest.raises(BadInput, match="far outside"):
        prepare.prepare(parse_params({"rest_landmarks": _far_points().tolist()}), speech_bytes, monalisa_bytes,
                        settings)
    with pytest.raises(BadInput, match="unknown engine"):      # checked before anything is decoded
        prepare.prepare(parse_params({"engine": "nope"}), b"", b"", settings)


def test_openapi_documents_bodies_and_errors(server):
    spec = json.loads(get(server.url + "/openapi.json").body)
    post = spec["paths"]["/v1/jobs"]["post"]
    form = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["audio", "image"]
    assert form["properties"]["audio"] == {"type": "string", "format": "binary", "title": "Audio",
                                           "description": "speech (wav, flac, ogg, mp3)"}
    for status in ("413", "422"):
        ref = post["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorResponse")
    assert "multipart/form-data" in spec["paths"]["/v1/landmarks"]["post"]["requestBody"]["content"]
    assert spec["components"]["schemas"]["ErrorDetail"]["required"] == ["code", "message"]
