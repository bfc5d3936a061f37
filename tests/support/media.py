"""Test media made in memory: audio in several formats, faceless and two-face images."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf


def speech(path) -> tuple[np.ndarray, int]:
    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return x, sr


def encode_audio(x: np.ndarray, sr: int, fmt: str, subtype: str | None = None) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, sr, format=fmt, subtype=subtype)
    return buf.getvalue()


def encode_png(img_rgb: np.ndarray) -> bytes:
    import cv2

    ok, data = cv2.imencode(".png", np.ascontiguousarray(img_rgb[:, :, ::-1]))
    assert ok
    return data.tobytes()


def decode_rgb(data: bytes) -> np.ndarray:
    import cv2

    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]


def faceless_image(w: int = 320, h: int = 240) -> bytes:
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx * 255 // w, yy * 255 // h, np.full_like(xx, 128)], axis=-1).astype(np.uint8)
    return encode_png(img)


def two_faces(portrait: bytes) -> tuple[bytes, int]:
    """The portrait at full size on the left, and at 70% on the right. Returns (png, big face x-offset)."""
    import cv2

    a = decode_rgb(portrait)
    h, w = a.shape[:2]
    small = cv2.resize(a, (int(w * 0.7), int(h * 0.7)), interpolation=cv2.INTER_AREA)
    canvas = np.full((h, w * 2, 3), 255, np.uint8)
    canvas[:, :w] = a
    canvas[(h - small.shape[0]) // 2:(h - small.shape[0]) // 2 + small.shape[0], w + 20:w + 20 + small.shape[1]] = small
    return encode_png(canvas), 0
