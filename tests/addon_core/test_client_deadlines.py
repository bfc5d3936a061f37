"""The add-on's client against deliberately bad loopback servers (started here, real sockets): an overall
deadline per call, no redirects (so no token to another host), capped responses, and plain messages for
replies that are not HTTP at all. Then the add-on's server launch: a random token, by environment."""

import os
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from makeittalk_blender.core.client import Client, ClientError


class BadServer:
    """A TCP listener on 127.0.0.1 that answers every connection with `handler(conn)`; records requests."""

    def __init__(self, handler):
        self.handler, self.requests = handler, []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            conn.settimeout(30)
            data = b""
            while b"\r\n\r\n" not in data:
                got = conn.recv(65536)
                if not got:
                    break
                data += got
            self.requests.append(data)
            self.handler(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self._stop = True
        self.sock.close()


@pytest.fixture
def bad():
    made = []

    def make(handler):
        made.append(BadServer(handler))
        return made[-1]
    yield make
    for s in made:
        s.close()


def _dribble(conn):
    """Headers one byte at a time, 0.2 s apart: each read succeeds, the answer never completes."""
    for b in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 10000:
        conn.sendall(bytes([b]))
        time.sleep(0.2)


def test_a_dribbling_server_cannot_hold_a_call_past_its_deadline(bad):
    srv = bad(_dribble)
    for call, limit in ((lambda c: c.health(), 1.0), (lambda c: c.job("x"), 1.5)):
        t = time.time()
        with pytest.raises(ClientError) as e:
            call(Client(srv.url, timeout=limit))
        took = time.time() - t
        assert e.value.code == "timeout" and "did not answer" in e.value.message
        assert took < limit + 0.6, took          # one deadline for the call, not per socket read


def test_a_slow_body_is_cut_at_the_deadline(bad):
    def slow_body(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{")
        for _ in range(100):
            conn.sendall(b" ")
            time.sleep(0.1)
    srv = bad(slow_body)
    t = time.time()
    with pytest.raises(ClientError) as e:
        Client(srv.url, timeout=1.0).job("x")
    assert e.value.code == "timeout" and time.time() - t < 1.6


@pytest.mark.parametrize("reply", [b"SSH-2.0-OpenSSH_9.6\r\n", b"\x00\xff\x13garbage" * 50, b"HTTP/1.1 abc\r\n\r\n",
                                   b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 200 + b"\r\n{}",
                                   b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", b"",
                                   b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n\xff\xfe[]"])
def test_replies_that_are_not_http_or_json_are_plain_messages(bad, reply):
    srv = bad(lambda conn: conn.sendall(reply))
    with pytest.raises(ClientError) as e:
        Client(srv.url, timeout=3).health()
    assert e.value.code in ("bad_response", "server_down"), e.value.code
    assert "Error" not in e.value.message and "object at" not in e.value.message


def test_redirects_are_not_followed_and_the_token_goes_nowhere_else(bad):
    other = bad(lambda conn: conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))

    def redirect(conn):
        conn.sendall(f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {other.url}/v1/health\r\n"
                     "Content-Length: 0\r\n\r\n".encode())
    srv = bad(redirect)
    with pytest.raises(ClientError) as e:
        Client(srv.url, token="s3cret-token", timeout=3).health()
    assert e.value.code == "redirect" and e.value.status == 307
    assert b"s3cret-token" in srv.requests[0]
    time.sleep(0.2)
    assert other.requests == []


def test_response_sizes_are_capped(bad):
    srv = bad(lambda conn: conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n{"))
    with pytest.raises(ClientError) as e:
        Client(srv.url, timeout=3).health()
    assert e.value.code == "too_large"

    def endless(conn):          # no length, no end: refused once past the cap, not read forever
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[")
        chunk = b"1," * 65536
        while True:
            conn.sendall(chunk)
    srv = bad(endless)
    t = time.time()
    with pytest.raises(ClientError) as e:
        Client(srv.url, timeout=30).job("x")
    assert e.value.code == "too_large" and time.time() - t < 20


def test_http_errors_keep_the_servers_words(bad):
    body = b'{"error": {"code": "queue_full", "message": "try again when one has finished"}}'
    srv = bad(lambda conn: conn.sendall(b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: %d\r\n\r\n%s"
                                        % (len(body), body)))
    with pytest.raises(ClientError) as e:
        Client(srv.url, timeout=3).health()
    assert (e.value.code, e.value.status) == ("queue_full", 429) and "try again" in e.value.message


def test_the_add_on_launches_its_server_with_a_random_token_by_environment():
    from support.serverproc import free_port, server_python

    from makeittalk_blender.blender import server_process
    from makeittalk_blender.core import client as client_mod

    url = f"http://127.0.0.1:{free_port()}"
    p = server_process.start(server_python(), url, log_path=None)
    try:
        token = server_process.launch_token()
        assert len(token) >= 32
        assert token.encode() not in open(f"/proc/{p.pid}/cmdline", "rb").read()
        assert f"MAKEITTALK_TOKEN={token}".encode() in open(f"/proc/{p.pid}/environ", "rb").read().split(b"\0")
        c = Client(url, timeout=5)           # picks up the launch token for this address
        deadline = time.time() + 120
        while True:
            try:
                assert c.health()["status"] == "ok"
                break
            except ClientError as e:
                assert e.code in ("server_down", "timeout") and time.time() < deadline, e.message
                time.sleep(0.3)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with pytest.raises(urllib.error.HTTPError) as e:     # anyone without the token: 401
            opener.open(url + "/v1/health", timeout=5)
        assert e.value.code == 401
        with pytest.raises(ClientError) as ce:
            Client(url, token="guess", timeout=5).health()
        assert ce.value.status == 401
    finally:
        server_process.stop()
    assert client_mod.LAUNCH_TOKENS.get(url) is None and server_process.launch_token() == ""
    assert os.environ.get("MAKEITTALK_TOKEN") != token          # only the child's environment has it
