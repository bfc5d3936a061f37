"""The server's front door, one ASGI middleware: who may talk to it and how much they may send.

* Host: only loopback names (and the names the operator configured) are answered, so a web page that
  rebinds its own DNS name to 127.0.0.1 gets nothing.
* Browsers: a request that a browser sent on behalf of a web page (Origin, Sec-Fetch-Site or a Referer
  from another site) is refused, so no page can drive the server with a "simple" cross-site POST.
* Token: when one is set, every request must carry `Authorization: Bearer TOKEN` (compared in constant
  time).
* Body: over the limit is 413, whether the client declared a length or streams a chunked body; at most
  `max_uploads` large bodies are taken in at once (429 past that), so uploads cannot fill memory or disk,
  and a body that stops arriving for `body_idle_s` seconds is answered 408 (its slot freed).
* Anything that escapes the app becomes a 500 in plain words; the details go to the server's log only.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import sys
import traceback
from urllib.parse import urlsplit

MB = 1024 * 1024
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def install(app, settings) -> None:
    """Put the guard around `app` (FastAPI/Starlette); call once after the routes are added."""
    app.add_middleware(Guard, settings=settings)


def body_limit(settings) -> int:
    return int((settings.max_audio_mb + settings.max_image_mb) * MB) + MB


async def send_error(send, status: int, code: str, message: str, headers: list | None = None) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": hdrs + (headers or [])})
    await send({"type": "http.response.body", "body": body})


def is_loopback_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split_host(value: str) -> str | None:
    """'name:port', '[::1]:port' or 'name' -> the lowercased name; None when it is not a host at all."""
    value = value.strip()
    if not value or any(c in value for c in " /\\@?#"):
        return None
    if value.startswith("["):
        end = value.find("]")
        return value[1:end].lower() if end > 0 else None
    name, _, port = value.partition(":") if value.count(":") == 1 else (value, "", "")
    if port and not port.isdigit():
        return None
    return name.lower().rstrip(".")


class Guard:
    """ASGI middleware: host, origin, token and body checks (module docstring)."""

    def __init__(self, app, settings):
        self.app = app
        self.limit = body_limit(settings)
        self.max_uploads = max(1, int(getattr(settings, "max_uploads", 4)))
        self.uploads = 0           # large bodies being received now (one event loop: no lock needed)
        self.idle_s = float(getattr(settings, "body_idle_s", 30.0))
        self.token = (settings.token or "").encode()
        self.hosts = {h.lower().rstrip(".") for h in settings.trusted_hosts}
        bind = (settings.host or "").strip("[]").lower()
        self.any_ip = bind in ("0.0.0.0", "::", "")
        if not self.any_ip:
            self.hosts.add(bind)

    # ---- checks ---------------------------------------------------------------------------------
    def host_ok(self, name: str | None) -> bool:
        if not name:
            return False
        if is_loopback_name(name) or name in self.hosts:
            return True
        if self.any_ip:        # bound to every address: IP literals only (a rebinding page has a DNS name)
            try:
                ipaddress.ip_address(name)
                return True
            except ValueError:
                return False
        return False

    def refusal(self, scope, headers: dict) -> tuple[int, str, str] | None:
        hosts = headers.get(b"host", [])
        host_value = hosts[0].decode("latin-1") if len(hosts) == 1 else ""
        if not self.host_ok(_split_host(host_value)) and _over_network(scope):
            return 403, "untrusted_host", ("this server answers only requests addressed to its own loopback "
                                           "name (127.0.0.1 or localhost); start it with --trusted-host NAME "
                                           "to allow another name")
        origin = _first(headers, b"origin")
        if origin is not None and not self.origin_ok(origin, host_value):
            return 403, "browser_refused", ("requests from web pages are refused: this server is driven by the "
                                            "Blender add-on and the makeittalk command only")
        site = (_first(headers, b"sec-fetch-site") or "").lower()
        if site and site not in ("same-origin", "none"):
            return 403, "browser_refused", "requests from other web sites are refused"
        referer = _first(headers, b"referer")
        if origin is None and referer and urlsplit(referer).netloc.lower() != host_value.lower():
            return 403, "browser_refused", "requests from other web sites are refused"
        if self.token:
            given = (_first(headers, b"authorization") or "").encode("latin-1", "replace")
            if not hmac.compare_digest(given, b"Bearer " + self.token):
                return 401, "unauthorized", "missing or wrong token (Authorization: Bearer ...)"
        return None

    def origin_ok(self, origin: str, host_value: str) -> bool:
        parts = urlsplit(origin.strip().rstrip("/").lower())   # only the server's own pages (the API docs)
        return parts.scheme in ("http", "https") and parts.netloc == host_value.lower() and self.host_ok(
            _split_host(parts.netloc))

    # ---- ASGI -----------------------------------------------------------------------------------
    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":        # no websockets in this API
            return
        headers: dict[bytes, list[bytes]] = {}
        for k, v in scope.get("headers") or []:
            headers.setdefault(k.lower(), []).append(v)
        refused = self.refusal(scope, headers)
        if refused:
            return await send_error(send, *refused)
        declared = _first(headers, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            if declared.isdigit():
                return await send_error(send, 413, "too_large", f"request body is {int(declared) / MB:.1f} MB; "
                                        f"the limit is {self.limit / MB:.0f} MB")
            return await send_error(send, 400, "bad_request", "the Content-Length header is not a number")
        large = declared is None and _first(headers, b"transfer-encoding") is not None or \
            declared is not None and int(declared) > MB
        if not large:
            return await self._guarded(scope, receive, send)
        if self.uploads >= self.max_uploads:
            return await send_error(send, 429, "busy", f"the server is already receiving {self.uploads} uploads; "
                                    "send this one again when they are done", [(b"connection", b"close")])
        self.uploads += 1
        try:
            await self._guarded(scope, receive, send)
        finally:
            self.uploads -= 1

    async def _guarded(self, scope, receive, send):
        state = {"seen": 0, "over": None, "started": False, "body_done": False}

        async def counted_receive():
            if state["over"]:
                return {"type": "http.disconnect"}
            if state["body_done"]:     # after the body, receive() waits for a disconnect: no deadline then
                return await receive()
            try:                       # a body that stalls holds an upload slot: not for long
                msg = await asyncio.wait_for(receive(), timeout=self.idle_s)
            except asyncio.TimeoutError:
                state["over"] = "slow"
                return {"type": "http.disconnect"}
            if msg["type"] == "http.request":
                state["seen"] += len(msg.get("body", b""))
                state["body_done"] = not msg.get("more_body", False)
                if state["seen"] > self.limit:   # a chunked body past the limit: the app sees the client go
                    state["over"] = "large"
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(msg):
            if state["over"]:
                return                            # the app's answer to a cut-off body is replaced by the 413
            if msg["type"] == "http.response.start":
                state["started"] = True
            await send(msg)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if state["started"] and not state["over"]:
                raise        # mid-stream: let the server drop the connection, never fake a clean end
            if not state["over"]:
                traceback.print_exc(file=sys.stderr)
                return await send_error(send, 500, "internal", "the server hit an unexpected error; its log "
                                        "has the details")
        if state["over"] == "large" and not state["started"]:
            await send_error(send, 413, "too_large", f"request body exceeds the {self.limit / MB:.0f} MB limit",
                             [(b"connection", b"close")])
        elif state["over"] == "slow" and not state["started"]:
            await send_error(send, 408, "too_slow", f"the request body stopped arriving for {self.idle_s:g} s; "
                             "send it again", [(b"connection", b"close")])


def plain_failure(what: str, exc: BaseException) -> str:
    """A message for a failure the user cannot fix: what failed, in words; the details go to the log."""
    print(f"makeittalk serve: {what}:", file=sys.stderr)
    traceback.print_exception(exc, file=sys.stderr)
    return f"{what}; the server's log has the details"


def _over_network(scope) -> bool:
    """A request that came over a socket (the server names the peer by IP), not an in-process test client
    such as Starlette's TestClient ('testclient'), which no browser can reach."""
    client = scope.get("client")
    if not client:
        return True
    try:
        ipaddress.ip_address(str(client[0]).split("%")[0])
        return True
    except ValueError:
        return False


def _first(headers: dict, name: bytes) -> str | None:
    vals = headers.get(name)
    return vals[0].decode("latin-1") if vals else None
