"""Detected landmarks kept on disk, keyed by the portrait's pixels, so a portrait seen before skips the
detector (dlib's models cost a cold `makeittalk track` ~1.2 s to load; the detection itself ~0.05 s).

The key is a SHA-256 of the decoded pixels (size and bytes), the detector and the identity of its model
files (name, size, modification time) and this cache's version: any changed pixel, another detector or
replaced weights give another key, so a stale answer is never returned. Only found faces are kept.
Folder: $MAKEITTALK_CACHE_DIR/landmarks, else $XDG_CACHE_HOME/makeittalk/landmarks (~/.cache/...);
MAKEITTALK_LANDMARK_CACHE=0 turns it off. A folder that cannot be written is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

VERSION = "1"      # bump when what a detector returns for the same pixels and files changes (its code)


def folder() -> Path | None:
    if os.environ.get("MAKEITTALK_LANDMARK_CACHE", "1").lower() in ("0", "false", "no", "off"):
        return None
    base = os.environ.get("MAKEITTALK_CACHE_DIR")
    if not base:
        base = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache"), "makeittalk")
    return Path(os.path.expanduser(base)) / "landmarks"


def file_identity(*paths) -> str:
    """name:size:mtime of each file, the part of a key that changes when weights are replaced."""
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append(f"{os.path.basename(p)}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            out.append(f"{os.path.basename(str(p))}:missing")
    return ";".join(out)


def key(image: np.ndarray, detector: str) -> str:
    img = np.ascontiguousarray(image)
    h = hashlib.sha256()
    h.update(f"v{VERSION}|{detector}|{img.shape}|{img.dtype.str}|".encode())
    h.update(memoryview(img).cast("B"))
    return h.hexdigest()


def get(k: str):
    """The cached DetectResult for key k, or None."""
    from . import DetectResult

    d = folder()
    if d is None:
        return None
    try:
        with open(d / f"{k}.json", encoding="utf-8") as f:
            r = json.load(f)
        pts = np.asarray(r["landmarks"], dtype=np.float64)
        if pts.shape != (68, 3):
            return None
        return DetectResult(landmarks=pts, detector=str(r["detector"]), faces_found=int(r["faces_found"]),
                            box=tuple(float(v) for v in r["box"]), notes=[])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def put(k: str, res) -> None:
    """Store a result (json keeps Python floats exactly); a failure to write only costs the next run time."""
    d = folder()
    if d is None:
        return
    data = {"landmarks": np.asarray(res.landmarks, dtype=np.float64).tolist(), "detector": res.detector,
            "faces_found": int(res.faces_found), "box": [float(v) for v in res.box]}
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, d / f"{k}.json")      # readers see the whole file or none
    except OSError:
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass
