"""Jobs that used to fail badly: a frames download racing a DELETE, and a transcript with odd characters."""

import http.client
import io
import json
import time
import zipfile

import soundfile as sf
from support.httpclient import get, post_form, request, wait_job
from support.media import encode_audio


def _speech(speech_bytes: bytes, seconds: float) -> bytes:
    x, sr = sf.read(io.BytesIO(speech_bytes), dtype="float32", always_2d=True)
    return encode_audio(x[: int(seconds * sr)], sr, "WAV")


def test_frames_download_survives_a_delete(server, speech_bytes, monalisa_bytes):
    params = {"fps": 30, "render": {"renderer": "warp", "width": 640, "height": 640}}
    r = post_form(server.url + "/v1/jobs", {"audio": _speech(speech_bytes, 2.0), "image": monalisa_bytes,
                                            "params": json.dumps(params)})
    assert r.status == 202, r.body
    job = r.json()["job_id"]
    assert wait_job(server.url, job, timeout=300)["status"] == "done"
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    c.request("GET", f"/v1/jobs/{job}/frames")
    resp = c.getresponse()
    assert resp.status == 200
    head = resp.read(64 * 1024)                      # the download has begun ...
    assert request("DELETE", f"{server.url}/v1/jobs/{job}").status == 200   # ... when the job is deleted
    time.sleep(0.5)
    data = head + resp.read()
    c.close()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:    # complete, not truncated
        names = zf.namelist()
        assert zf.testzip() is None
    assert len(names) == 60 and names[0] == "frame_000001.png", len(names)
    assert len(data) > 8 * 1024 * 1024               # larger than the socket buffers: the race was real
    assert get(f"{server.url}/v1/jobs/{job}").status == 404
    assert get(f"{server.url}/v1/jobs/{job}/frames").status == 404


def test_a_transcript_with_odd_characters_does_not_fail_the_job(server, speech_bytes, monalisa_bytes):
    for text in ["\u2460 \u2461 \u2462 hello", "caf\u00e9 \u00c5ngstr\u00f6m \ufb01ne \u0000\u202e \U0001F600"]:
        r = post_form(server.url + "/v1/jobs", {"audio": _speech(speech_bytes, 2.0), "image": monalisa_bytes,
                                                "params": json.dumps({"transcript": text})})
        assert r.status in (202, 422), r.body
        if r.status == 202:
            st = wait_job(server.url, r.json()["job_id"], timeout=300)
            assert st["status"] == "done" or (st["error"] or {}).get("code") != "internal", st
            request("DELETE", f"{server.url}/v1/jobs/{r.json()['job_id']}")
        else:
            assert r.json()["error"]["code"] != "internal"
