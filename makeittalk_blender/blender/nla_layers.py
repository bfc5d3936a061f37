"""Takes as NLA strips, with the artist's additive "Edits" action on top.

Each take puts its actions in NLA tracks named after it ("MIT Take 3", "MIT Take 3 Detail"); the newest
take of a source plays and the older ones are muted (unmute one in the NLA editor to compare). The
active action of each animated ID is its Edits action in Add mode: whatever the artist keys there is an
offset to the prediction, so a new take replaces the prediction and keeps the edits.

Locked keys: an Edits key of keyframe type "Extreme" holds the final pose at its frame. When a new take
arrives the key is moved by (old prediction - new prediction), so the face at that frame is unchanged
and the new prediction blends into it from the neighbouring keys.
"""

from __future__ import annotations

import bpy

from . import compat

TAKE_PREFIX = "MIT Take"
LOCK_TYPE = "EXTREME"


def take_tracks(id_block, take: str | None = None) -> list:
    ad = id_block.animation_data
    if ad is None:
        return []
    return [t for t in ad.nla_tracks if t.name.startswith(TAKE_PREFIX)
            and (take is None or t.name == take or t.name.startswith(take + " "))]


def playing_strips(id_block, names=None) -> list:
    """Strips of the unmuted take tracks (optionally only tracks whose name is in names)."""
    out = []
    for t in take_tracks(id_block):
        if not t.mute and (names is None or t.name in names):
            out += list(t.strips)
    return out


def add_layer(id_block, track_name: str, action, slot, start: int, hold: bool = True):
    tr = compat.nla_track(id_block, track_name)
    st = compat.nla_strip(tr, track_name, start, action, slot)
    st.blend_type = "REPLACE"
    st.extrapolation = "HOLD" if hold else "NOTHING"
    return tr


def ensure_edits(id_block, name: str):
    """The ID's Edits action (made once, kept with a fake user), active in Add mode."""
    ad = id_block.animation_data or id_block.animation_data_create()
    act = ad.action if ad.action is not None and ad.action.get("makeittalk") == "edits" else None
    act = act or bpy.data.actions.get(name)
    if act is None:
        act = bpy.data.actions.new(name)
        act["makeittalk"] = "edits"
        act.use_fake_user = True
    compat.assign_edits_action(id_block, act)
    return act


def _prediction(strips, data_path: str, index: int, frame: float):
    """What the take strips give one property at a scene frame (None when no strip animates it)."""
    for st in strips:
        if st.action is None or not (st.frame_start <= frame <= st.frame_end or st.extrapolation != "NOTHING"):
            continue
        for fc in compat.action_slot_fcurves(st.action, getattr(st, "action_slot", None)):
            if fc.data_path == data_path and fc.array_index == index:
                local = st.action_frame_start + (frame - st.frame_start) / (st.scale or 1.0)
                local = min(max(local, st.action_frame_start), st.action_frame_end)
                return fc.evaluate(local)
    return None


def rebase_locks(id_block, old_strips, new_strips, default: float = 0.0) -> int:
    """Move each locked Edits key so the final value at its frame survives the new take; returns how many."""
    ad = id_block.animation_data
    if ad is None or ad.action is None:
        return 0
    moved = 0
    for fc in compat.action_slot_fcurves(ad.action, compat.active_slot(id_block)):
        changed = False
        for kp in fc.keyframe_points:
            if kp.type != LOCK_TYPE:
                continue
            f = kp.co[0]
            old = _prediction(old_strips, fc.data_path, fc.array_index, f)
            new = _prediction(new_strips, fc.data_path, fc.array_index, f)
            delta = (default if old is None else old) - (default if new is None else new)
            if delta:
                kp.co[1] += delta
                kp.handle_left[1] += delta
                kp.handle_right[1] += delta
                changed = True
            moved += 1
        if changed:
            fc.update()
    return moved
