"""The portrait's shape keys: semantic channels (the prediction's sliders), their handle twins (driven by
the viewport handles) and one key per landmark axis (the residual the channels leave)."""

from __future__ import annotations

import numpy as np

from ..core import face_rig
from ..core import track_math as tm
from . import compat, mesh

UNIT_FRACTION = 0.1        # a landmark key at value 1 moves its point by 10% of the image's larger side
SLIDER = 10.0
CHANNEL_SLIDER = 3.0
HANDLE_PREFIX = "h."
HANDLE_CHANNELS = ("jaw_open", "lip_corner_R.width", "lip_corner_R.height", "lip_corner_L.width",
                   "lip_corner_L.height", "blink_R", "blink_L")


def unit_px(width: int, height: int) -> float:
    return UNIT_FRACTION * max(width, height)


def _add(ob, name, base, offsets_px, scale, lo, hi):
    kb = compat.new_shape_key(ob, name, 0.0)
    kb.slider_min, kb.slider_max = lo, hi
    co = base.copy()
    co[:68, 0] += offsets_px[:, 0] * scale
    co[:68, 2] -= offsets_px[:, 1] * scale            # image y is world -Z
    kb.data.foreach_set("co", co.ravel())
    return kb


def ensure_face_keys(ob, rest: np.ndarray, width: int, height: int) -> None:
    """Basis, channels, handle twins, residual keys (made once per mesh; a kept mesh keeps them)."""
    if ob.data.shape_keys is not None and "lm67.y" in ob.data.shape_keys.key_blocks:
        return
    pm = tm.PixelMap(width, height)
    basis = compat.new_shape_key(ob, "Basis", 0.0)
    n = len(ob.data.vertices)
    base = np.empty(n * 3, dtype=np.float32)
    basis.data.foreach_get("co", base)
    base = base.reshape(n, 3)
    channels = face_rig.channel_basis(rest)
    for name in face_rig.CHANNELS:
        _add(ob, name, base, channels[name], pm.scale, -CHANNEL_SLIDER, CHANNEL_SLIDER)
    for name in HANDLE_CHANNELS:
        _add(ob, HANDLE_PREFIX + name, base, channels[name], pm.scale, -CHANNEL_SLIDER, CHANNEL_SLIDER)
    step = unit_px(width, height)
    for i in range(68):
        for a, axis in enumerate(("x", "y")):
            off = np.zeros((68, 2))
            off[i, a] = step
            _add(ob, tm.landmark_key_name(i, axis), base, off, pm.scale, -SLIDER, SLIDER)
    mesh.couple_keys(ob)       # the dense vertices (lips, chin, lids, teeth) follow their landmarks, as in the warp
