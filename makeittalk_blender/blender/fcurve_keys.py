"""Sparse keys (core.keyreduce.Keys) into F-curves in bulk: Bezier keys with aligned handles at thirds,
so Blender evaluates exactly the curve the reduction checked."""

from __future__ import annotations

import numpy as np

from ..core.keyreduce import Keys

_BEZIER, _ALIGNED, _FREE = "BEZIER", "ALIGNED", "FREE"


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
    broken = k.broken
    for p, b in zip(kp, broken):      # enum values by name: their integers differ from the UI order
        p.interpolation = _BEZIER
        p.handle_left_type = p.handle_right_type = _FREE if b else _ALIGNED   # a kink keeps its broken tangent
    kp.foreach_set("handle_left", left.astype(np.float32).ravel())
    kp.foreach_set("handle_right", right.astype(np.float32).ravel())
    fc.update()
