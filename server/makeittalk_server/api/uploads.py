"""Reading multipart uploads with the server's limits, and the body-size middleware behind them."""

from __future__ import annotations

import json

from fastapi import Request
from starlette.datastructures import UploadFile

from ..errors import BadInput, TooLarge
from .handlers import error_response

MB = 1024 * 1024


class BodyLimit:
    """ASGI middleware: refuse request bodies over `limit` bytes with 413, before or while reading."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            resp = error_response(413, "too_large", f"request body is {int(declared) / MB:.1f} MB; the limit "
                                  f"is {self.limit / MB:.0f} MB")
            return await resp(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise TooLarge("too_large", f"request body exceeds the {self.limit / MB:.0f} MB limit")
            return msg

        return await self.app(scope, counted, send)


async def read_form(request: Request):
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise BadInput("bad_request", "send multipart/form-data (fields: audio, image, params)")
    try:
        return await request.form(max_files=4, max_fields=8, max_part_size=4 * MB)
    except TooLarge:
        raise  # from BodyLimit while the body streams in: keep its 413
    except Exception as e:
        raise BadInput("bad_request", f"could not parse the multipart body: {e}") from None


async def read_upload(form, field: str, limit_mb: float, required: bool = True) -> bytes | None:
    part = form.get(field)
    if part is None or (isinstance(part, str) and not part):
        if required:
            raise BadInput("missing_field", f"the '{field}' file is missing")
        return None
    if not isinstance(part, UploadFile):
        raise BadInput("bad_request", f"'{field}' must be a file upload")
    if part.size is not None and part.size > limit_mb * MB:
        raise TooLarge("too_large", f"{field} is {part.size / MB:.1f} MB; the limit is {limit_mb:.0f} MB")
    data = await part.read()
    if len(data) > limit_mb * MB:
        raise TooLarge("too_large", f"{field} is {len(data) / MB:.1f} MB; the limit is {limit_mb:.0f} MB")
    return data


async def read_params(form) -> dict | None:
    """The optional `params` field (text or a file) as a JSON value."""
    raw = form.get("params")
    if isinstance(raw, UploadFile):
        raw = (await raw.read()).decode("utf-8", "replace")
    try:
        return json.loads(raw) if raw else None
    except json.JSONDecodeError as e:
        raise BadInput("bad_params", f"params is not valid JSON: {e.msg} at position {e.pos}") from None
