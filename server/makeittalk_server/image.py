"""Decode a portrait image and check it; write frames with the result checked."""

from __future__ import annotations

import os

import numpy as np

from . import probe
from .errors import BadInput, UserError

MAX_PIXELS = probe.MAX_PIXELS
# OpenCV's own ceiling too, in case a file's header and its data disagree (read when cv2 first decodes).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_PIXELS))
ROWS = 512      # rows converted at a time, so a large image needs no float copy of itself


def decode(data: bytes | str, name: str = "image") -> np.ndarray:
    """Bytes or a path -> H x W x 3 uint8 RGB. Alpha is composited on white; grey becomes RGB."""
    import cv2

    if isinstance(data, str):
        try:
            with open(data, "rb") as f:
                data = f.read()
        except OSError as e:
            raise BadInput("unreadable_image", f"could not open {name}: {e.strerror}") from None
    if not data:
        raise BadInput("unreadable_image", f"{name} is empty")
    probe.image_size(data, name)      # the header's size, before a single pixel is decoded
    buf = np.frombuffer(data, dtype=np.uint8)
    with probe.decode_slot(name):
        try:
            img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        except cv2.error:
            img = None
        if img is None:
            raise BadInput("unreadable_image", f"{name} is not an image the server can read "
                           "(png, jpg, bmp, webp, tiff)")
        probe.check_pixels(img.shape[1], img.shape[0], name)
        return _to_rgb8(img)


def _to_rgb8(img: np.ndarray) -> np.ndarray:
    import cv2

    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.dtype != np.uint8:
        if np.issubdtype(img.dtype, np.integer):
            img = cv2.convertScaleAbs(img, alpha=255.0 / np.iinfo(img.dtype).max)
        else:
            img = cv2.convertScaleAbs(np.nan_to_num(img, nan=0.0), alpha=255.0)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    if img.shape[2] == 4:
        out = np.empty(img.shape[:2] + (3,), np.uint8)
        for r in range(0, img.shape[0], ROWS):       # alpha on white, a band of rows at a time
            band = img[r:r + ROWS]
            a = band[:, :, 3:4].astype(np.float32) / 255.0
            out[r:r + ROWS] = (band[:, :, 2::-1].astype(np.float32) * a + 255.0 * (1 - a)).round()
        return out
    return np.ascontiguousarray(img[:, :, 2::-1])  # BGR -> RGB


def write_png(path, rgb: np.ndarray, compression: int = 1) -> None:
    """Write an RGB frame as PNG; a full disk or an unwritable folder is a clear error, never silent."""
    import cv2

    try:
        ok = cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, compression])
    except cv2.error:
        ok = False
    if not ok:
        raise UserError("disk_full", "could not write a rendered frame on the server (is its disk full?); "
                        "free some space or render fewer or smaller frames", 422)
