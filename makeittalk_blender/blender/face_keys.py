"""The portrait's shape keys: semantic channels (the prediction's sliders), their handle twins (driven by
the viewport handles), each channel's fitted detail ("fit.<channel>", driven by the channel and its
twin, shaped per take: how the engine moves the lips and jaw for that channel beyond the channel's own
shape) and one key per landmark axis (the residual the channels leave)."""

from __future__ import annotations

import numpy as np

from ..core import face_rig
from ..core import track_math as tm
from . import compat, mesh

UNIT_FRACTION = 0.1        # a landmark key at value 1 moves its point by 10% of the image's larger side
SLIDER = 10.0
CHANNEL_SLIDER = 3.0
HANDLE_PREFIX = "h."
FIT_PREFIX = "fit."
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
        if FIT_PREFIX + face_rig.CHANNELS[0] not in ob.data.shape_keys.key_blocks:    # made before fit keys
            _add_fit_keys(ob, _basis_co(ob), tm.PixelMap(width, height).scale)
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
    _add_fit_keys(ob, base, pm.scale)
    step = unit_px(width, height)
    for i in range(68):
        for a, axis in enumerate(("x", "y")):
            off = np.zeros((68, 2))
            off[i, a] = step
            _add(ob, tm.landmark_key_name(i, axis), base, off, pm.scale, -SLIDER, SLIDER)
    mesh.couple_keys(ob)       # the dense vertices (lips, chin, lids, teeth) follow their landmarks, as in the warp


def _basis_co(ob) -> np.ndarray:
    n = len(ob.data.vertices)
    base = np.empty(n * 3, dtype=np.float32)
    ob.data.shape_keys.reference_key.data.foreach_get("co", base)
    return base.reshape(n, 3)


def _add_fit_keys(ob, base, scale) -> None:
    """The fit keys (at rest until a take shapes them), each driven by its channel plus the handle twin:
    a SUM driver, no Python expression, so it runs with scripts disabled."""
    key = ob.data.shape_keys
    ad = key.animation_data or key.animation_data_create()
    for name in face_rig.CHANNELS:
        kb = _add(ob, FIT_PREFIX + name, base, np.zeros((68, 2)), scale, -CHANNEL_SLIDER, CHANNEL_SLIDER)
        for d in [d for d in ad.drivers if d.data_path == f'key_blocks["{kb.name}"].value']:
            ad.drivers.remove(d)                     # a driver left behind by a removed key of that name
        drv = kb.driver_add("value").driver
        drv.type = "SUM"
        for src in (name, HANDLE_PREFIX + name):
            if src not in key.key_blocks:
                continue
            v = drv.variables.new()
            v.name = "v" + str(len(drv.variables))
            v.type = "SINGLE_PROP"
            v.targets[0].id_type = "KEY"
            v.targets[0].id = key
            v.targets[0].data_path = f'key_blocks["{src}"].value'


def set_fit_shapes(ob, fit_px: np.ndarray, width: int, height: int, follow: np.ndarray | None) -> None:
    """Shape the fit keys for a take: fit_px k x 136 pixel offsets of the landmarks at value 1; the
    dense vertices follow their landmarks (follow: the layout's n x 68 blend, None: landmarks only)."""
    key = ob.data.shape_keys
    base = _basis_co(ob).astype(np.float64)
    scale = tm.PixelMap(width, height).scale
    for k, name in enumerate(face_rig.CHANNELS):
        kb = key.key_blocks.get(FIT_PREFIX + name)
        if kb is None:
            continue
        off = np.zeros((len(base), 3))
        px = np.asarray(fit_px[k], dtype=np.float64).reshape(68, 2)
        land = np.stack([px[:, 0] * scale, np.zeros(68), -px[:, 1] * scale], axis=1)
        if follow is not None and len(follow) == len(base):
            off = follow @ land
        else:
            off[:68] = land
        kb.data.foreach_set("co", (base + off).astype(np.float32).ravel())


def landmark_depth(ob, width: int, height: int) -> np.ndarray:
    """The rest landmarks' depth in pixels (towards the viewer), as the mesh has it."""
    co = _basis_co(ob) if ob.data.shape_keys is not None else None
    if co is None:
        co = np.empty(len(ob.data.vertices) * 3, dtype=np.float32)
        ob.data.vertices.foreach_get("co", co)
        co = co.reshape(-1, 3)
    return -co[:68, 1].astype(np.float64) / tm.PixelMap(width, height).scale
