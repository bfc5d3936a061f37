"""Reading multipart uploads with the server's limits (the body-size limit itself is security.py's)."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile

from ..errors import BadInput, TooLarge
from ..params import loads_params

MB = 1024 * 1024


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
    return loads_params(raw)   # depth, huge integers, NaN, non-UTF-8: all 422 (params.py)
