"""Sparse keys (core.keyreduce.Keys) into F-curves in bulk: Bezier keys with aligned handles at thirds,
so Blender evaluates exactly the curve the reduction checked."""

from __future__ import annotations

import numpy as np

from ..core.keyreduce import Keys

_BEZIER, _ALIGNED = "BEZIER", "ALIGNED"


def write_keys(fc, keys: Keys, frame0: float, scale: float = 1.0, offset: float = 0.0) -> None:
    """Keys at frame0 + key index with value offset + scale * value."""
    k = Keys(keys.frames, offset + scale * keys.values, scale * keys.slopes)
    n = len(k)
    kp = fc.keyframe_points
    kp.add(n)
    co = np.empty((n, 2), dtype=np.float32)
    co[:, 0] = frame0 + k.frames
    co[:, 1] = k.values
    left, right = k.handles(frame0)
    kp.foreach_set("co", co.ravel())
    for attr, enum in (("interpolation", _BEZIER), ("handle_left_type", _ALIGNED), ("handle_right_type", _ALIGNED)):
        for p in kp:          # enum values by name: their integers differ from the UI order
            setattr(p, attr, enum)
    kp.foreach_set("handle_left", left.astype(np.float32).ravel())
    kp.foreach_set("handle_right", right.astype(np.float32).ravel())
    fc.update()
