"""HTTP API v1 of DESIGN.md over http.client: no proxies (the server is local), no redirects, an overall
deadline per call (not per socket read), capped response sizes, and every failure in plain words.
Never touches bpy, so it can run in a worker thread."""

from __future__ import annotations

import http.client
import io
import json
import mimetypes
import os
import socket
import ssl
import time
import urllib.parse
import uuid

from . import trackfile

DEFAULT_URL = "http://127.0.0.1:8765"
MB = 1024 * 1024
JSON_CAP = 16 * MB            # status, health, landmarks
TRACK_CAP = 512 * MB          # a 20-minute track as JSON is well under this
FRAMES_CAP = 8 * 1024 * MB    # rendered frames (zip)
ERROR_CAP = 1 * MB

# url -> token of a server this process started (blender/server_process.py): a fresh random token per
# launch, handed to the server by environment; clients for that address use it unless given their own.
LAUNCH_TOKENS: dict[str, str] = {}


def register_launch_token(url: str, token: str) -> None:
    LAUNCH_TOKENS[normalise_url(url)] = token


class ClientError(Exception):
    """code: server's error code, or server_down / timeout / bad_response / too_large / redirect / bad_file."""

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


class _DeadlineReader(io.RawIOBase):
    """Reads a socket so that all reads together end by `deadline` (time.monotonic())."""

    def __init__(self, sock, deadline: float):
        self._sock, self._deadline = sock, deadline

    def readable(self):
        return True

    def readinto(self, b):
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        self._sock.settimeout(left)
        return self._sock.recv_into(b)


class _DeadlineSocket:
    """What http.client needs of a socket (sendall, makefile, close), each bounded by one deadline."""

    def __init__(self, sock, deadline: float):
        self._sock, self._deadline = sock, deadline

    def _left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        return left

    def sendall(self, data) -> None:
        self._sock.settimeout(self._left())      # since Python 3.5 the timeout bounds the whole sendall
        self._sock.sendall(data)

    def makefile(self, mode="rb", *args, **kw):
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        pass       # http.client "closes" the socket once it hands it to the response; _Connection.end() does

    def really_close(self) -> None:
        self._sock.close()


class _Connection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, deadline: float, tls: bool):
        super().__init__(host, port)
        self._deadline, self._tls = deadline, tls

    def connect(self):
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        sock = socket.create_connection((self.host, self.port), timeout=left)
        if self._tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        self.sock = self._own = _DeadlineSocket(sock, self._deadline)

    def end(self) -> None:
        self.close()
        own = getattr(self, "_own", None)
        if own is not None:
            own.really_close()


class Client:
    def __init__(self, url: str = DEFAULT_URL, token: str = "", timeout: float = 10.0):
        self.url = normalise_url(url)
        self.token = token or ""
        self.timeout = timeout
        u = urllib.parse.urlsplit(self.url)
        self._tls = u.scheme == "https"
        self._host = u.hostname or "127.0.0.1"
        try:
            self._port = u.port or (443 if self._tls else 80)
        except ValueError:
            self._port = -1
        self._prefix = u.path.rstrip("/")

    # ---- plumbing --------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: bytes | None = None, ctype: str | None = None,
                 timeout: float | None = None, cap: int = JSON_CAP) -> tuple[bytes, str]:
        """One call, all of it (connect, send, headers, body) within `timeout` seconds."""
        limit = timeout or self.timeout
        if self._port <= 0 or self._port > 65535:
            raise ClientError("bad_address", f"the server address {self.url} has no valid port")
        headers = {"Accept": "application/json", "Connection": "close"}
        if ctype:
            headers["Content-Type"] = ctype
        token = self.token or LAUNCH_TOKENS.get(self.url, "")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn = _Connection(self._host, self._port, time.monotonic() + limit, self._tls)
        try:
            conn.request(method, self._prefix + path, body=body, headers=headers)
            resp = conn.getresponse()
            if 300 <= resp.status < 400:
                raise ClientError("redirect", f"the server at {self.url} answered with a redirect, which the "
                                  "add-on does not follow: check the server address in the preferences",
                                  resp.status)
            if resp.status >= 400:
                raise self._http_error(resp.status, resp.reason, _read_capped(resp, ERROR_CAP, self.url, True))
            return _read_capped(resp, cap, self.url), resp.getheader("Content-Type", "") or ""
        except ClientError:
            raise
        except (socket.timeout, TimeoutError):
            raise ClientError("timeout", f"the server at {self.url} did not answer within {limit:g} s") from None
        except ssl.SSLError:
            raise ClientError("bad_response", f"could not make a secure connection to {self.url}") from None
        except (http.client.HTTPException, UnicodeError, ValueError):
            raise ClientError("bad_response", f"the server at {self.url} did not answer in HTTP (is this "
                              "address really the MakeItTalk server?)") from None
        except (ConnectionError, OSError) as e:
            reason = getattr(e, "strerror", None) or "no connection"
            raise ClientError("server_down", f"the MakeItTalk server is not running at {self.url} "
                              f"(press 'Start server', or check the address in the preferences): {reason}") from None
        except Exception:   # whatever else goes wrong on the way, the user gets words, not a traceback
            raise ClientError("bad_response", f"the exchange with the server at {self.url} failed") from None
        finally:
            conn.end()

    def _http_error(self, status: int, reason: str, data: bytes) -> ClientError:
        try:
            err = json.loads(data.decode("utf-8"))["error"]
            code, msg = str(err.get("code", "error")), str(err.get("message", ""))
        except Exception:
            code, msg = "http_error", ""
        if status == 401:
            return ClientError(code if code not in ("http_error", "error") else "unauthorized", msg or "the server refused the token (set it in the add-on "
                               "preferences)", status)
        return ClientError(code, msg or f"the server answered {status} {reason}", status)

    def _json(self, method: str, path: str, **kw) -> dict:
        data, _ = self._request(method, path, **kw)
        try:
            out = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ClientError("bad_response", f"the server at {self.url} sent something that is not JSON "
                              "(is this address really the MakeItTalk server?)") from None
        if not isinstance(out, dict):
            raise ClientError("bad_response", f"the server at {self.url} sent an unexpected answer")
        return out

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
        return self._json("GET", f"/v1/jobs/{_q(job_id)}")

    def cancel(self, job_id: str) -> dict:
        return self._json("DELETE", f"/v1/jobs/{_q(job_id)}")

    def track(self, job_id: str) -> trackfile.TrackData:
        data, _ = self._request("GET", f"/v1/jobs/{_q(job_id)}/track", timeout=max(self.timeout, 60.0), cap=TRACK_CAP)
        try:
            return trackfile.loads(data)
        except trackfile.TrackFileError as e:
            raise ClientError("bad_response", f"the server's track is not usable: {e}") from None

    def frames(self, job_id: str) -> bytes:
        data, _ = self._request("GET", f"/v1/jobs/{_q(job_id)}/frames", timeout=max(self.timeout, 300.0),
                                cap=FRAMES_CAP)
        return data


def _read_capped(resp, cap: int, url: str, quiet: bool = False) -> bytes:
    """The body, refused once past `cap` bytes (declared or actual); `quiet`: cut it short instead."""
    declared = resp.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap and not quiet:
        raise ClientError("too_large", f"the server at {url} sent {int(declared) / MB:.0f} MB; at most "
                          f"{cap / MB:.0f} MB is accepted")
    out = bytearray()
    while len(out) <= cap:
        chunk = resp.read(min(1 * MB, cap + 1 - len(out)))
        if not chunk:
            if declared and declared.isdigit() and len(out) < int(declared) and not quiet:
                raise ClientError("bad_response", f"the answer from the server at {url} was cut short")
            return bytes(out)
        out += chunk
    if quiet:
        return bytes(out[:cap])
    raise ClientError("too_large", f"the server at {url} sent more than {cap / MB:.0f} MB; at most that is accepted")


def _q(job_id: str) -> str:
    return urllib.parse.quote(str(job_id), safe="")
