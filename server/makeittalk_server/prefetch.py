"""`makeittalk track` on both cores: a forked child works out what needs no engine while this process
loads it. The child detects the portrait's landmarks (dlib holds the GIL for the ~1.2 s its models take
to load, so a thread could not overlap it), then the voice embedding and pitch of the speech, and sends
each answer with the key of its input (a hash of the pixels / samples). The job's own code asks with
take(kind, key) and uses an answer only for the same input, else it computes as usual; any failure in
the child (no face, an unreadable file, a crash, silence) only means that. Linux only (fork after numpy
is safe there); elsewhere start() does nothing. Servers and batches never start one: they keep their
models warm, and their lines already fill the cores.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import select
import sys

import numpy as np

WAIT_S = 60.0              # past this the child is given up and the work is done here
_state: dict = {}          # pid, fd, buffer, answers while a child runs


def samples_key(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype.str}".encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def start(portrait: str | None, audio_path: str | None, settings) -> None:
    """Fork the child (MAKEITTALK_PREFETCH=0 turns this off, for comparisons)."""
    if not sys.platform.startswith("linux") or _state or os.environ.get("MAKEITTALK_PREFETCH", "1") == "0":
        return
    if len(os.sched_getaffinity(0)) < 2:         # one core: the child would only take turns with us
        return
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return
    if pid == 0:                                  # the child: work, send, leave without cleanup
        os.close(r)
        try:
            with os.fdopen(w, "w") as out:
                _child(portrait, audio_path, settings, out)
        finally:
            os._exit(0)
    os.close(w)
    _state.update(pid=pid, fd=r, buf=b"", answers={}, eof=False)
    atexit.register(_abandon)


def _send(out, msg: dict) -> None:
    out.write(json.dumps(msg) + "\n")
    out.flush()


def _child(portrait, audio_path, settings, out) -> None:
    if portrait:
        try:
            _send(out, _landmarks(portrait, settings))
        except Exception:
            pass
    if audio_path:
        try:
            from . import audio
            from .engines.default import segments, voice

            samples = np.asarray(audio.decode(audio_path).samples, dtype=np.float32)
            mask = segments.speech_mask(segments.frame_db(samples))
            if mask.any():
                _send(out, {"kind": "pitch", "key": samples_key(samples), "value": voice.pitch(samples).tolist()})
            emb = voice.Voice().embedding(samples, mask)
            if emb is not None:
                _send(out, {"kind": "embedding", "key": samples_key(samples, mask), "value": emb.tolist()})
        except Exception:
            pass


def _landmarks(path: str, settings) -> dict:
    from . import image
    from .landmarks import _detect_uncached, _identity, cache

    img = image.decode(path)
    k = cache.key(img, _identity(img, settings))
    res = cache.get(k) or _detect_uncached(img, settings, None)
    if res is None:
        return {"kind": "landmarks", "key": k, "found": False}
    return {"kind": "landmarks", "key": k, "found": True, "landmarks": res.landmarks.tolist(),
            "detector": res.detector, "faces_found": int(res.faces_found), "box": [float(v) for v in res.box]}


def active() -> bool:
    return bool(_state)


def take(kind: str, key: str) -> dict | None:
    """The child's answer of this kind when it is for this key (waiting for it), else None."""
    if not _state:
        return None
    while kind not in _state["answers"] and not _state["eof"]:
        if not _read_more():
            return None
    msg = _state["answers"].pop(kind, None)
    if _state["eof"] and not _state["answers"]:
        _finish()
    return msg if msg is not None and msg.get("key") == key else None


def _read_more() -> bool:
    fd = _state["fd"]
    ready, _, _ = select.select([fd], [], [], WAIT_S)
    if not ready:                                  # stuck: give it up, do the work here
        _abandon()
        return False
    chunk = os.read(fd, 1 << 20)
    if not chunk:
        _state["eof"] = True
    buf = _state["buf"] + chunk
    *lines, _state["buf"] = buf.split(b"\n")
    for line in lines:
        try:
            msg = json.loads(line)
            _state["answers"][msg["kind"]] = msg
        except (ValueError, KeyError, TypeError):
            pass
    return True


def _finish() -> None:
    try:
        os.close(_state["fd"])
        os.waitpid(_state["pid"], 0)
    except OSError:
        pass
    _state.clear()


def _abandon() -> None:
    if _state:
        import signal

        try:
            os.kill(_state["pid"], signal.SIGKILL)
        except OSError:
            pass
        _finish()
