"""Viewport handles: Empties at the jaw, the lip corners and the upper lids that drive the channels'
handle twins (shape keys "h.<channel>") through drivers, so posing happens in the viewport.

A handle at rest has location (0, 0, 0); dragging it by the distance its point moves at channel value 1
sets that channel to 1 on top of the take (the twins add to the prediction, they never replace it).
Handles are children of MIT Head, so they follow the head; the head itself is the handle for head
motion (location, roll = Y, pitch = X, yaw = Z rotation).
"""

from __future__ import annotations

import numpy as np

from ..core import face_rig
from ..core import track_math as tm
from .face_keys import HANDLE_PREFIX
from .objects import find_role, new_object

# handle role, display name, the landmark it sits on, [(channel, world axis, sign)]
HANDLES = (
    ("handle_jaw", "MIT Jaw", 8, [("jaw_open", 2, -1.0)]),
    ("handle_corner_R", "MIT Lip Corner R", 48, [("lip_corner_R.width", 0, -1.0), ("lip_corner_R.height", 2, 1.0)]),
    ("handle_corner_L", "MIT Lip Corner L", 54, [("lip_corner_L.width", 0, 1.0), ("lip_corner_L.height", 2, 1.0)]),
    ("handle_lid_R", "MIT Lid R", 37, [("blink_R", 2, -1.0)]),
    ("handle_lid_L", "MIT Lid L", 44, [("blink_L", 2, -1.0)]),
)


def _unit_world(basis: dict, channel: str, landmark: int, axis: int, scale: float) -> float:
    """World distance the handle's landmark moves along `axis` at channel value 1."""
    off = basis[channel][landmark]
    px = off[0] if axis == 0 else off[1]
    return abs(px) * scale or scale


def _driver(key, kb, handle, axis: int, unit: float, sign: float) -> None:
    path = f'key_blocks["{kb.name}"].value'
    ad = key.animation_data or key.animation_data_create()
    for d in list(ad.drivers):
        if d.data_path == path:
            ad.drivers.remove(d)
    fc = kb.driver_add("value")
    drv = fc.driver
    drv.type = "SCRIPTED"
    v = drv.variables.new()
    v.name = "d"
    v.type = "SINGLE_PROP"
    v.targets[0].id_type = "OBJECT"
    v.targets[0].id = handle
    v.targets[0].data_path = f"location[{axis}]"
    drv.expression = f"d * {sign / unit:.6g}"       # a simple expression: runs without Python scripts


def ensure_handles(scene, ob, head, rest: np.ndarray, width: int, height: int) -> list:
    """The handle Empties (reused) and their drivers on the portrait's shape keys."""
    pm = tm.PixelMap(width, height)
    basis = face_rig.channel_basis(rest)
    pivot_w = pm.to_world(rest[:, :2].mean(axis=0))
    key = ob.data.shape_keys
    out = []
    for role, name, lm, drives in HANDLES:
        h = find_role(scene, role)
        if h is None:
            h = new_object(scene, name, None, role)
            h.empty_display_type = "CIRCLE" if role == "handle_jaw" else "SPHERE"
            h.hide_render = True
        h.parent = head
        h.empty_display_size = 0.025
        h.show_in_front = True
        p = pm.to_world(rest[lm, :2])
        h.delta_location = (p[0] - pivot_w[0], -0.03, p[2] - pivot_w[2])
        h.rotation_euler = (-np.pi / 2, 0.0, 0.0) if role == "handle_jaw" else (0.0, 0.0, 0.0)
        for channel, axis, sign in drives:
            kb = key.key_blocks.get(HANDLE_PREFIX + channel)
            if kb is not None:
                _driver(key, kb, h, axis, _unit_world(basis, channel, lm, axis, pm.scale), sign)
        out.append(h)
    return out
