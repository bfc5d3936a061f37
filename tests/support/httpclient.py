"""A tiny test HTTP client (stdlib only) so tests see exactly what goes over the wire."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid


class Response:
    def __init__(self, status: int, body: bytes, headers):
        self.status, self.body, self.headers = status, body, headers

    def json(self):
        return json.loads(self.body)


def request(method: str, url: str, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 60) -> Response:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as r:
            return Response(r.status, r.read(), r.headers)
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read(), e.headers)


def multipart(fields: dict) -> tuple[bytes, str]:
    """fields: name -> bytes (sent as a file) or str (sent as a form value)."""
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, (bytes, bytearray)):
            out += (f'Content-Disposition: form-data; name="{name}"; filename="{name}.bin"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n").encode()
            out += value
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode()
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def post_form(url: str, fields: dict, headers: dict | None = None, timeout: float = 120) -> Response:
    body, ctype = multipart(fields)
    h = {"Content-Type": ctype}
    h.update(headers or {})
    return request("POST", url, body, h, timeout)


def get(url: str, **kw) -> Response:
    return request("GET", url, **kw)


def wait_job(base: str, job_id: str, timeout: float = 300, statuses=("done", "failed", "cancelled")) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = get(f"{base}/v1/jobs/{job_id}").json()
        if st["status"] in statuses:
            return st
        time.sleep(0.1)
    raise TimeoutError(f"job {job_id} did not finish: {st}")
