"""Upload limits, tokens, binding rules and the allowed-folders rule, each on its own server process."""

import subprocess

import numpy as np
from support.httpclient import get, post_form, request
from support.media import encode_audio
from support.serverproc import ServerProcess, free_port, server_python


def test_upload_limits_answer_413():
    srv = ServerProcess("--max-audio-mb", "1", "--max-image-mb", "0.05", "--no-warm")
    try:
        srv.wait_ready(warm=False)
        big_audio = encode_audio(np.random.default_rng(0).uniform(-0.5, 0.5, (16000 * 40, 1)).astype(np.float32),
                                 16000, "WAV")  # 1.28 MB
        r = post_form(srv.url + "/v1/jobs", {"audio": big_audio, "image": b"x" * 100, "params": "{}"})
        assert r.status == 413, r.body
        assert r.json()["error"]["code"] == "too_large" and "MB" in r.json()["error"]["message"]
        r = post_form(srv.url + "/v1/landmarks", {"image": b"\xff" * 80_000})
        assert r.status == 413 and "image" in r.json()["error"]["message"]
        # the server is still fine afterwards
        assert get(srv.url + "/v1/health").status == 200
    finally:
        srv.stop()


def test_non_loopback_needs_a_token():
    port = free_port()
    p = subprocess.run([server_python(), "-m", "makeittalk_server.cli", "serve", "--host", "0.0.0.0", "--port",
                        str(port), "--no-warm"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "token" in p.stderr


def test_token_is_required_when_set():
    srv = ServerProcess("--token", "s3cret", "--no-warm")
    try:
        srv.wait_ready(warm=False) if False else None
        import time

        for _ in range(300):
            r = get(srv.url + "/v1/health", timeout=2) if _ready(srv) else None
            if r is not None:
                break
            time.sleep(0.2)
        assert r.status == 401 and r.json()["error"]["code"] == "unauthorized"
        ok = get(srv.url + "/v1/health", headers={"Authorization": "Bearer s3cret"})
        assert ok.status == 200 and ok.json()["status"] == "ok"
        bad = get(srv.url + "/v1/health", headers={"Authorization": "Bearer wrong"})
        assert bad.status == 401
    finally:
        srv.stop()


def _ready(srv) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", srv.port)) == 0


def test_checkpoint_paths_only_under_allowed_folders(tmp_path):
    from makeittalk_server.config import Settings
    from makeittalk_server.errors import BadInput

    allowed = tmp_path / "ckpts"
    (allowed / "sub").mkdir(parents=True)
    s = Settings(allowed_dirs=[allowed])
    assert s.resolve_allowed(str(allowed / "sub")) == (allowed / "sub").resolve()
    for bad in ["/etc", str(allowed / ".." / "other"), str(tmp_path)]:
        try:
            s.resolve_allowed(bad)
        except BadInput as e:
            assert e.code == "path_not_allowed"
        else:
            raise AssertionError(f"{bad} was allowed")
    (tmp_path / "link").symlink_to("/etc")
    try:
        Settings(allowed_dirs=[tmp_path / "link2"]).resolve_allowed(str(tmp_path / "link"))
        raise AssertionError("symlink escape allowed")
    except BadInput:
        pass


def test_wrong_content_type_and_empty_body(server):
    r = request("POST", server.url + "/v1/jobs", b"", {"Content-Type": "text/plain"})
    assert r.status == 422 and "multipart" in r.json()["error"]["message"]
