"""HTTP API v1 of DESIGN.md over urllib: no proxies (the server is local), short timeouts, and errors
in plain words. Never touches bpy, so it can run in a worker thread."""

from __future__ import annotations

import json
import mimetypes
import os
import socket
import urllib.error
import urllib.request
import uuid

from . import trackfile

DEFAULT_URL = "http://127.0.0.1:8765"


class ClientError(Exception):
    """code: server's error code, or server_down / timeout / bad_response / bad_file."""

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def normalise_url(url: str) -> str:
    url = (url or "").strip() or DEFAULT_URL
    if "://" not in url:
        url = "http://" + url
    return url.rstrip("/")


def encode_multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """fields: name -> str; files: name -> (filename, bytes). Returns (body, content type)."""
    boundary = "----makeittalk" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + str(value).encode("utf-8") + b"\r\n")
    for name, (filename, data) in files.items():
        ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        safe = os.path.basename(filename).replace('"', "_")
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{safe}"\r\n'
                     f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def read_file(path: str, what: str) -> tuple[str, bytes]:
    if not path:
        raise ClientError("bad_file", f"choose {what} first")
    try:
        with open(path, "rb") as f:
            return os.path.basename(path), f.read()
    except OSError as e:
        raise ClientError("bad_file", f"cannot read {what} '{path}': {e.strerror or e}") from None


class Client:
    def __init__(self, url: str = DEFAULT_URL, token: str = "", timeout: float = 10.0):
        self.url = normalise_url(url)
        self.token = token or ""
        self.timeout = timeout
        # An empty ProxyHandler: a system proxy must never see requests for localhost.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # ---- plumbing --------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: bytes | None = None, ctype: str | None = None,
                 timeout: float | None = None) -> tuple[bytes, str]:
        req = urllib.request.Request(self.url + path, data=body, method=method)
        if ctype:
            req.add_header("Content-Type", ctype)
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with self._opener.open(req, timeout=timeout or self.timeout) as resp:
                return resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            raise self._http_error(e) from None
        except (socket.timeout, TimeoutError):
            raise ClientError("timeout", f"the server at {self.url} did not answer in time") from None
        except (urllib.error.URLError, ConnectionError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise ClientError("server_down", f"the MakeItTalk server is not running at {self.url} "
                              f"(press 'Start server', or check the address in the preferences): {reason}") from None

    def _http_error(self, e: urllib.error.HTTPError) -> ClientError:
        try:
            err = json.loads(e.read().decode("utf-8"))["error"]
            code, msg = str(err.get("code", "error")), str(err.get("message", ""))
        except Exception:
            code, msg = "http_error", ""
        if e.code == 401 or e.code == 403:
            return ClientError(code or "unauthorised", msg or "the server refused the token (set it in the "
                               "add-on preferences)", e.code)
        return ClientError(code, msg or f"the server answered {e.code} {e.reason}", e.code)

    def _json(self, method: str, path: str, **kw) -> dict:
        data, _ = self._request(method, path, **kw)
        try:
            return json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ClientError("bad_response", f"the server at {self.url} sent something that is not JSON "
                              "(is this address really the MakeItTalk server?)") from None

    # ---- API -------------------------------------------------------------------------------
    def health(self) -> dict:
        return self._json("GET", "/v1/health", timeout=min(self.timeout, 5.0))

    def landmarks(self, image_path: str) -> dict:
        body, ctype = encode_multipart({}, {"image": read_file(image_path, "a portrait image")})
        return self._json("POST", "/v1/landmarks", body=body, ctype=ctype, timeout=max(self.timeout, 60.0))

    def submit(self, audio_path: str, image_path: str | None, params: dict) -> str:
        files = {"audio": read_file(audio_path, "an audio file")}
        if image_path:
            files["image"] = read_file(image_path, "a portrait image")
        body, ctype = encode_multipart({"params": json.dumps(params)}, files)
        out = self._json("POST", "/v1/jobs", body=body, ctype=ctype, timeout=max(self.timeout, 60.0))
        if "job_id" not in out:
            raise ClientError("bad_response", "the server did not return a job id")
        return str(out["job_id"])

    def job(self, job_id: str) -> dict:
        return self._json("GET", f"/v1/jobs/{job_id}")

    def cancel(self, job_id: str) -> dict:
        return self._json("DELETE", f"/v1/jobs/{job_id}")

    def track(self, job_id: str) -> trackfile.TrackData:
        data, _ = self._request("GET", f"/v1/jobs/{job_id}/track", timeout=max(self.timeout, 60.0))
        try:
            return trackfile.loads(data)
        except trackfile.TrackFileError as e:
            raise ClientError("bad_response", f"the server's track is not usable: {e}") from None

    def frames(self, job_id: str) -> bytes:
        data, _ = self._request("GET", f"/v1/jobs/{job_id}/frames", timeout=max(self.timeout, 300.0))
        return data
