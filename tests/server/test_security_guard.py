"""The server's front door on a real process: trusted hosts, browser requests, tokens by environment,
chunked bodies, parser errors, the bounded queue and the render budget."""

import http.client
import json
import re
import socket
import threading
import time

import numpy as np
import pytest
from support.httpclient import multipart
from support.media import encode_audio, encode_png
from support.serverproc import ServerProcess

INTERNALS = re.compile(r"Traceback|Error\b|Exception|object at 0x|0x[0-9a-f]{8}|/tmp/|/work/|/home/|"
                       r"site-packages|\.py\b")


def raw(port: int, method: str = "GET", path: str = "/v1/health", host: str | None = None,
        headers: dict | None = None, body: bytes | None = None, timeout: float = 60):
    """One request with exactly these headers (Host included); returns (status, parsed JSON or bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    c.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    if body is not None and "Content-Length" not in (headers or {}):
        c.putheader("Content-Length", str(len(body)))
    c.endheaders(body)
    r = c.getresponse()
    data = r.read()
    c.close()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, data


def _read_until_closed(s: socket.socket) -> bytes:
    """The whole answer: the server closes the connection after it."""
    reply = b""
    while True:
        got = s.recv(65536)
        if not got:
            break
        reply += got
    s.close()
    return reply


def plain_error(body, code=None):
    err = body["error"]
    assert isinstance(err["message"], str) and err["message"] and not INTERNALS.search(err["message"]), err
    if code:
        assert err["code"] == code, err
    return err


def tone(seconds: float, sr: int = 8000) -> bytes:
    t = np.arange(int(seconds * sr)) / sr
    x = 0.3 * np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return encode_audio(x[:, None].astype(np.float32), sr, "WAV")


def small_png() -> bytes:
    yy, xx = np.mgrid[0:96, 0:96]
    return encode_png(np.stack([xx * 2, yy * 2, np.full_like(xx, 99)], -1).astype(np.uint8))


def rest68():
    a = np.linspace(0, 2 * np.pi, 68, endpoint=False)
    return [[48 + 30 * np.cos(t), 48 + 30 * np.sin(t)] for t in a]


@pytest.fixture(scope="module")
def guard():
    srv = ServerProcess("--no-warm", "--max-queue", "1", "--max-audio-mb", "8", "--max-image-mb", "8",
                        env={"MAKEITTALK_BODY_IDLE_S": "3"})
    try:
        srv.wait_ready(warm=False)
        yield srv
    finally:
        srv.stop()


# ---- hosts and browsers ----------------------------------------------------------------------------
def test_only_loopback_host_names_are_answered(guard):
    p = guard.port
    for host in (f"127.0.0.1:{p}", f"localhost:{p}", f"[::1]:{p}", "localhost", f"LOCALHOST.:{p}"):
        assert raw(p, host=host)[0] == 200, host
    for host in ("evil.example", f"evil.example:{p}", f"127.0.0.1.nip.io:{p}", "", "a b", "127.0.0.1@evil"):
        st, body = raw(p, host=host)
        assert st == 403, (host, st)
        plain_error(body, "untrusted_host")
    # a rebinding page sends its own name as Host, and also cannot POST a job
    body, ctype = multipart({"audio": tone(1), "image": small_png(), "params": "{}"})
    st, out = raw(p, "POST", "/v1/jobs", host="attacker.example", headers={"Content-Type": ctype}, body=body)
    assert st == 403 and out["error"]["code"] == "untrusted_host"


def test_requests_from_web_pages_are_refused(guard):
    p = guard.port
    body, ctype = multipart({"audio": tone(1), "image": small_png(), "params": "{}"})
    cross = [{"Origin": "http://evil.example"}, {"Origin": "null"}, {"Origin": f"http://localhost:{p + 1}"},
             {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
             {"Referer": "http://evil.example/page.html"}]
    for h in cross:
        # the "simple" cross-site form POST a browser sends without a preflight
        st, out = raw(p, "POST", "/v1/jobs", headers={"Content-Type": ctype, **h}, body=body)
        assert st == 403, (h, st, out)
        plain_error(out, "browser_refused")
        assert raw(p, headers=h)[0] == 403
    # the server's own pages (the API docs) and a user typing the address are fine
    assert raw(p, headers={"Origin": f"http://127.0.0.1:{p}", "Sec-Fetch-Site": "same-origin"})[0] == 200
    assert raw(p, headers={"Sec-Fetch-Site": "none"})[0] == 200
    st, out = raw(p, "OPTIONS", "/v1/jobs", headers={"Origin": "http://evil.example",
                                                     "Access-Control-Request-Method": "POST"})
    assert st == 403


def test_token_comes_from_the_environment_and_is_checked():
    token = "t0k-" + "x" * 40
    srv = ServerProcess("--no-warm", env={"MAKEITTALK_TOKEN": token})
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if raw(srv.port, headers={"Authorization": f"Bearer {token}"}, timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        assert token.encode() not in open(f"/proc/{srv.proc.pid}/cmdline", "rb").read()
        for h in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {token}x"},
                  {"Authorization": token}, {"Authorization": f"bearer {token[:-1]}"}):
            st, out = raw(srv.port, headers=h)
            assert st == 401, h
            plain_error(out, "unauthorized")
        assert raw(srv.port, "GET", "/openapi.json")[0] == 401      # every path, not only /v1/
        st, out = raw(srv.port, headers={"Authorization": f"Bearer {token}"})
        assert st == 200 and out["status"] == "ok"
    finally:
        srv.stop()


# ---- bodies and parsers ------------------------------------------------------------------------------
def test_chunked_body_over_the_limit_is_413(guard):
    """No Content-Length: the body streams in chunks past the 17 MB limit; the answer is 413."""
    s = socket.create_connection(("127.0.0.1", guard.port), timeout=30)
    head = (f"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:{guard.port}\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n\r\n").encode()
    chunk = b"\x01" * (1 << 20)
    part = b'--b\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n\r\n'

    def send():
        try:
            s.sendall(head + b"%x\r\n%s\r\n" % (len(part), part))
            for _ in range(40):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass                      # the server stops reading once it has answered
    t = threading.Thread(target=send, daemon=True)
    t.start()
    reply = b""
    while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
        got = s.recv(65536)
        if not got:
            break
        reply += got
    s.close()
    t.join(30)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b'"too_large"' in reply


@pytest.mark.parametrize("params,needle", [
    ("[" * 50000 + "]" * 50000, "nested"),
    ('{"a":' * 5000 + "1" + "}" * 5000, "nested"),
    ('{"seed": ' + "9" * 5000 + "}", "number"),
    ('{"fps": ' + "1" * 4400 + "}", "number"),
    ('{"fps": ' + "1" * 4000 + "}", "fps"),
    ('{"checkpoints": "/tmp/\\u0000x"}', "checkpoints"),
    ('{"fps": NaN}', "NaN"),
    ('{"amp_pos": Infinity}', "Infinity"),
    ('{"engine": "' + "e" * 5000 + '"}', "engine"),
])
def test_every_parser_error_is_a_422_in_plain_words(guard, params, needle):
    body, ctype = multipart({"audio": tone(1), "image": small_png(), "params": params})
    st, out = raw(guard.port, "POST", "/v1/jobs", headers={"Content-Type": ctype}, body=body)
    assert st == 422, (st, out)
    err = plain_error(out, "bad_params")
    assert needle in err["message"] and len(err["message"]) < 600


def test_landmark_z_of_1e308_is_refused(guard):
    pts = [[p[0], p[1], 1e308] for p in rest68()]
    body, ctype = multipart({"audio": tone(1), "image": small_png(), "params": json.dumps({"rest_landmarks": pts})})
    st, out = raw(guard.port, "POST", "/v1/jobs", headers={"Content-Type": ctype}, body=body)
    assert st == 422 and "rest_landmarks" in plain_error(out, "bad_params")["message"]


# ---- work that would not fit ------------------------------------------------------------------------
def test_render_over_the_budget_is_refused_before_queueing(guard):
    params = {"rest_landmarks": rest68(), "fps": 240, "render": {"renderer": "warp", "width": 4096, "height": 4096}}
    body, ctype = multipart({"audio": tone(60), "image": small_png(), "params": json.dumps(params)})
    t = time.time()
    st, out = raw(guard.port, "POST", "/v1/jobs", headers={"Content-Type": ctype}, body=body)
    assert st == 422 and time.time() - t < 20, (st, out)
    err = plain_error(out, "render_too_large")
    assert "gigapixels" in err["message"] and "smaller size" in err["message"]


def test_a_full_queue_answers_429(guard):
    params = json.dumps({"rest_landmarks": rest68(), "fps": 25})
    body, ctype = multipart({"audio": tone(20), "image": small_png(), "params": params})
    st, first = raw(guard.port, "POST", "/v1/jobs", headers={"Content-Type": ctype}, body=body)
    assert st == 202, first
    try:
        st, out = raw(guard.port, "POST", "/v1/jobs", headers={"Content-Type": ctype}, body=body)
        assert st == 429, out
        assert "try again" in plain_error(out, "queue_full")["message"]
    finally:
        raw(guard.port, "DELETE", f"/v1/jobs/{first['job_id']}")
        for _ in range(300):
            if raw(guard.port, "GET", f"/v1/jobs/{first['job_id']}")[1]["status"] not in ("queued", "running"):
                break
            time.sleep(0.1)
    st, again = raw(guard.port, "POST", "/v1/jobs", headers={"Content-Type": ctype}, body=body)
    assert st == 202, again          # room again once the first is gone
    raw(guard.port, "DELETE", f"/v1/jobs/{again['job_id']}")


def test_only_a_few_large_uploads_are_taken_in_at_once(guard):
    """Four slow uploads are being received; a fifth large one is told to come back (429) at once."""
    head = (f"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:{guard.port}\r\nContent-Length: {5 * 1024 * 1024}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n\r\n--b\r\n").encode()
    slow = []
    try:
        for _ in range(4):
            s = socket.create_connection(("127.0.0.1", guard.port), timeout=30)
            s.sendall(head)
            slow.append(s)
        time.sleep(0.5)
        s = socket.create_connection(("127.0.0.1", guard.port), timeout=30)
        s.sendall(head)
        reply = _read_until_closed(s)
        assert reply.startswith(b"HTTP/1.1 429") and b'"busy"' in reply, reply[:200]
        assert raw(guard.port)[0] == 200          # small requests still pass
    finally:
        for s in slow:
            s.close()
    time.sleep(0.5)
    body, ctype = multipart({"audio": tone(1) + b"\0" * (2 * 1024 * 1024), "image": small_png(), "params": "{}"})
    st, _ = raw(guard.port, "POST", "/v1/jobs", headers={"Content-Type": ctype}, body=body)
    assert st != 429                               # the slots were given back


def test_a_stalled_upload_is_answered_408_and_frees_its_slot(guard):
    s = socket.create_connection(("127.0.0.1", guard.port), timeout=30)
    s.sendall((f"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:{guard.port}\r\nContent-Length: {3 * 1024 * 1024}\r\n"
               "Content-Type: multipart/form-data; boundary=b\r\n\r\n--b\r\n").encode())
    t = time.time()
    reply = _read_until_closed(s)
    assert reply.startswith(b"HTTP/1.1 408") and b'"too_slow"' in reply, reply[:200]
    assert 2.5 < time.time() - t < 10
