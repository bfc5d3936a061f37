"""Property test of the API: whatever the client sends, the answer is a 2xx or a 4xx with the error shape."""

import io
import json

import numpy as np
import soundfile as sf
from support.httpclient import get, post_form, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KEYS = ["engine", "fps", "rest_landmarks", "amp_lip_x", "amp_lip_y", "amp_pos", "blink", "emotion", "seed",
        "transcript", "checkpoints", "render"]
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40),
                      st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
                      st.sampled_from([0, 1, 24, 62.5, "default", "makeittalk", "warp", "happy"]))
json_value = st.recursive(json_leaf, lambda kids: st.lists(kids, max_size=5) |
                          st.dictionaries(st.text(max_size=10), kids, max_size=4), max_leaves=12)
params_strategy = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), json_value, max_size=6)


def _check(resp):
    assert resp.status < 500, (resp.status, resp.body[:400])
    if resp.status >= 400:
        err = json.loads(resp.body)["error"]
        assert isinstance(err["code"], str) and isinstance(err["message"], str) and err["message"]


def _one_second(speech: bytes) -> bytes:
    x, sr = sf.read(io.BytesIO(speech), dtype="float32", always_2d=True)
    buf = io.BytesIO()
    sf.write(buf, x[sr: 2 * sr], sr, format="WAV")
    return buf.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(params=params_strategy)
def test_random_params_never_500(server, speech_bytes, monalisa_bytes, params):
    audio = _one_second(speech_bytes)
    r = post_form(server.url + "/v1/jobs", {"audio": audio, "image": monalisa_bytes, "params": json.dumps(params)})
    _check(r)
    if r.status == 202:  # a valid request: do not leave work behind
        job = r.json()["job_id"]
        _check(request("DELETE", f"{server.url}/v1/jobs/{job}"))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(audio=st.binary(max_size=3000), img=st.binary(max_size=3000), raw_params=st.text(max_size=60),
       field_names=st.lists(st.sampled_from(["audio", "image", "params", "x"]), max_size=4, unique=True))
def test_random_bodies_never_500(server, audio, img, raw_params, field_names):
    fields = {}
    for name in field_names:
        fields[name] = {"audio": audio, "image": img, "params": raw_params, "x": b"?"}[name]
    _check(post_form(server.url + "/v1/jobs", fields))
    _check(post_form(server.url + "/v1/landmarks", {"image": img}))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(job=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="/?#%"),
                   min_size=1, max_size=40),
       suffix=st.sampled_from(["", "/track", "/frames", "/track?format=npz", "/track?format=zzz"]),
       method=st.sampled_from(["GET", "DELETE", "POST", "PUT"]))
def test_random_job_urls_never_500(server, job, suffix, method):
    from urllib.parse import quote

    _check(request(method, f"{server.url}/v1/jobs/{quote(job)}{suffix}"))


def test_openapi_is_served(server):
    spec = get(server.url + "/openapi.json")
    assert spec.status == 200 and json.loads(spec.body)["openapi"].startswith("3.")
    assert np.all([p.startswith("/v1/") for p in json.loads(spec.body)["paths"]])
