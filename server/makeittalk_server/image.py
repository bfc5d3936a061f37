"""Decode a portrait image and check it."""

from __future__ import annotations

import numpy as np

from .errors import BadInput

MAX_PIXELS = 8192 * 8192


def decode(data: bytes | str, name: str = "image") -> np.ndarray:
    """Bytes or a path -> H x W x 3 uint8 RGB. Alpha is composited on white; grey becomes RGB."""
    import cv2

    if isinstance(data, str):
        try:
            with open(data, "rb") as f:
                data = f.read()
        except OSError as e:
            raise BadInput("unreadable_image", f"could not open {name}: {e.strerror}") from None
    buf = np.frombuffer(data, dtype=np.uint8)
    if buf.size == 0:
        raise BadInput("unreadable_image", f"{name} is empty")
    # Check the header's size before decoding so a decompression bomb is refused cheaply.
    img = None
    try:
        img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    except cv2.error:
        img = None
    if img is None:
        raise BadInput("unreadable_image", f"{name} is not an image OpenCV can read (png, jpg, bmp, webp, tiff)")
    if img.shape[0] * img.shape[1] > MAX_PIXELS:
        raise BadInput("image_too_large", f"{name} is {img.shape[1]}x{img.shape[0]} pixels; the limit is 8192x8192")
    if img.shape[0] < 32 or img.shape[1] < 32:
        raise BadInput("image_too_small", f"{name} is {img.shape[1]}x{img.shape[0]} pixels; at least 32x32 is needed")
    if img.dtype != np.uint8:
        img = (img.astype(np.float64) / np.iinfo(img.dtype).max * 255).round().astype(np.uint8) \
            if np.issubdtype(img.dtype, np.integer) else np.clip(img * 255, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.shape[2] == 4:
        a = img[:, :, 3:4].astype(np.float32) / 255.0
        img = (img[:, :, :3].astype(np.float32) * a + 255.0 * (1 - a)).round().astype(np.uint8)
    return np.ascontiguousarray(img[:, :, ::-1])  # BGR -> RGB
