"""Detect a portrait's landmarks in a forked child while the command line goes on loading the engine.

dlib holds the GIL while it loads its models (~1.2 s), so a thread cannot overlap it; a child process
can, on another core. `makeittalk track` calls start(path) first thing; detect() later takes the child's
answer when it is for the same pixels (the child sends the cache key with it), else ignores it. Any
failure in the child (no face, an unreadable file, a crash) only means the parent detects as usual and
reports the error itself. Linux only (fork after numpy is safe there); elsewhere start() does nothing.
"""

from __future__ import annotations

import atexit
import json
import os
import sys

_pending: dict = {}        # {"pid": int, "fd": int} while a child runs


def start(path: str, settings) -> None:
    if not sys.platform.startswith("linux") or _pending:
        return
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return
    if pid == 0:                                  # the child: detect, send, leave without cleanup
        os.close(r)
        code = 1
        try:
            msg = _detect(path, settings)
            with os.fdopen(w, "w") as f:
                f.write(json.dumps(msg))
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    _pending.update(pid=pid, fd=r)
    atexit.register(_abandon)


def _detect(path: str, settings) -> dict:
    from .. import image
    from . import _detect_uncached, _identity, cache

    img = image.decode(path)
    ident = _identity(img, settings)
    k = cache.key(img, ident)
    res = cache.get(k) or _detect_uncached(img, settings, None)
    if res is None:
        return {"key": k, "found": False}
    return {"key": k, "found": True, "landmarks": res.landmarks.tolist(), "detector": res.detector,
            "faces_found": int(res.faces_found), "box": [float(v) for v in res.box]}


def take(k: str):
    """The child's DetectResult for cache key k (waiting for it), or None (no child, other pixels, no face,
    or it failed)."""
    if not _pending:
        return None
    pid, fd = _pending.pop("pid"), _pending.pop("fd")
    try:
        with os.fdopen(fd, "r") as f:
            text = f.read()
        os.waitpid(pid, 0)
        msg = json.loads(text) if text else {}
    except (OSError, ValueError):
        return None
    if msg.get("key") != k or not msg.get("found"):
        return None
    import numpy as np

    from . import DetectResult

    try:
        return DetectResult(landmarks=np.asarray(msg["landmarks"], dtype=np.float64), detector=msg["detector"],
                            faces_found=int(msg["faces_found"]), box=tuple(msg["box"]), notes=[])
    except (KeyError, TypeError, ValueError):
        return None


def _abandon() -> None:
    if _pending:
        import signal

        try:
            os.kill(_pending["pid"], signal.SIGKILL)
            os.waitpid(_pending["pid"], 0)
            os.close(_pending["fd"])
        except OSError:
            pass
        _pending.clear()
