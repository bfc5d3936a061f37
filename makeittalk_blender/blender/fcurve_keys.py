"""Sparse keys (core.keyreduce.Keys) into F-curves in bulk: Bezier keys with aligned handles at thirds,
so Blender evaluates exactly the curve the reduction checked; a kink keeps its broken tangent (free
handles)."""

from __future__ import annotations

import numpy as np

from ..core.keyreduce import Keys

_CODES: dict = {}


def _codes(kp) -> dict:
    """The stored integers of the enum values (they differ from the menu order): learnt once, by name."""
    if not _CODES:
        p = kp[0]
        a = np.zeros(len(kp), dtype=np.int32)
        for attr, names in (("handle_left_type", ("FREE", "ALIGNED")), ("interpolation", ("BEZIER",))):
            for name in names:
                setattr(p, attr, name)
                kp.foreach_get(attr, a)
                _CODES[name] = int(a[0])
    return _CODES


def write_keys(fc, keys: Keys, frame0: float, scale: float = 1.0, offset: float = 0.0) -> None:
    """Keys at frame0 + key index with value offset + scale * value."""
    k = keys.scaled(scale, offset)
    n = len(k)
    kp = fc.keyframe_points
    kp.add(n)
    co = np.empty((n, 2), dtype=np.float32)
    co[:, 0] = frame0 + k.frames
    co[:, 1] = k.values
    left, right = k.handles(frame0)
    kp.foreach_set("co", co.ravel())
    c = _codes(kp)
    kp.foreach_set("interpolation", np.full(n, c["BEZIER"], dtype=np.int32))
    types = np.where(k.broken, c["FREE"], c["ALIGNED"]).astype(np.int32)
    kp.foreach_set("handle_left_type", types)
    kp.foreach_set("handle_right_type", types)
    kp.foreach_set("handle_left", left.astype(np.float32).ravel())
    kp.foreach_set("handle_right", right.astype(np.float32).ravel())
    fc.update()
