"""Everything that differs between Blender 4.2 and 5.2, feature-detected in one place.

* 4.4+: layered actions with slots (an action animates nothing until a slot is assigned);
  5.0 removed Action.fcurves, so F-curves live in a channelbag of the slot.
* 5.0: sequence_editor.sequences became .strips.
* 5.0: new shape keys start at value 1.0, older ones at 0.0.
* 5.0: EEVEE Next is called EEVEE again; image output has a media type in front of the format.
* 5.1: strip timing renamed (frame_final_start/end/duration -> left_handle/right_handle/duration,
  frame_duration -> content_duration; the old names go in 6.0): use strip_span / set_strip_duration.
  The FFmpeg defaults changed (MKV container, no audio, 'MEDIUM' quality; a 'CUSTOM' quality was added),
  so use_video_output sets every one it relies on. Blender's Python became 3.13 (the add-on needs no
  more than the standard library and numpy, so nothing else follows from it).
* 5.2: nothing the add-on uses was removed or renamed (Strip.use_linear_modifiers and
  SceneEEVEE.fast_gi_thickness_far went, both unused); tools/check_bpy_stubs.py checks every version.
"""

from __future__ import annotations

import bpy


def has_slotted_actions() -> bool:
    return hasattr(bpy.types, "ActionSlot")


class ChannelSink:
    """Where new F-curves and groups go for one ID in one action, whatever the Blender version."""

    def __init__(self, action, id_type: str, slot_name: str):
        self.action = action
        self.slot = None
        if has_slotted_actions():
            self.slot = action.slots.new(id_type=id_type, name=slot_name)
            layer = action.layers[0] if len(action.layers) else action.layers.new("Layer")
            strip = layer.strips[0] if len(layer.strips) else layer.strips.new(type="KEYFRAME")
            bag = strip.channelbag(self.slot, ensure=True)
            self.fcurves, self.groups = bag.fcurves, bag.groups
        else:
            self.fcurves, self.groups = action.fcurves, action.groups

    def group(self, name: str):
        g = self.groups.get(name)
        return g if g is not None else self.groups.new(name)

    def new_fcurve(self, data_path: str, index: int, group: str):
        if has_slotted_actions():
            fc = self.fcurves.new(data_path, index=index)
            fc.group = self.group(group)
            return fc
        return self.fcurves.new(data_path, index=index, action_group=group)


def assign_action(id_block, action, sink: ChannelSink) -> None:
    ad = id_block.animation_data or id_block.animation_data_create()
    ad.action = action
    if sink.slot is not None:
        ad.action_slot = sink.slot


def action_fcurves(id_block) -> list:
    """F-curves that animate id_block through its assigned action (and slot)."""
    ad = id_block.animation_data
    if ad is None or ad.action is None:
        return []
    if has_slotted_actions():
        slot = ad.action_slot
        if slot is None:
            return []
        for layer in ad.action.layers:
            for strip in layer.strips:
                bag = strip.channelbag(slot)
                if bag is not None:
                    return list(bag.fcurves)
        return []
    return list(ad.action.fcurves)


def fcurve_group_name(fc) -> str:
    return fc.group.name if fc.group is not None else ""


def strips(scene):
    """The top-level sequencer strips (creates the editor when missing)."""
    ed = scene.sequence_editor or scene.sequence_editor_create()
    return ed.strips if hasattr(ed, "strips") else ed.sequences


def all_strips(scene):
    ed = scene.sequence_editor
    if ed is None:
        return []
    return list(ed.strips_all if hasattr(ed, "strips_all") else ed.sequences_all)


def strip_span(strip) -> tuple[int, int]:
    """(first frame, frame after the last) of a sequencer strip, handles applied."""
    if hasattr(strip, "left_handle"):                      # 5.1+
        return int(strip.left_handle), int(strip.right_handle)
    return int(strip.frame_final_start), int(strip.frame_final_end)


def set_strip_duration(strip, frames: int) -> None:
    """Length of a strip from its left handle, in frames."""
    if hasattr(strip, "left_handle"):                      # 5.1+
        strip.duration = int(frames)
    else:
        strip.frame_final_duration = int(frames)


def new_shape_key(obj, name: str, value: float = 0.0):
    """A shape key that starts at `value` on every version (5.0 starts new keys at 1.0)."""
    kb = obj.shape_key_add(name=name, from_mix=False)
    kb.value = value
    return kb


def set_scene_fps(scene, fps: float) -> None:
    """Blender stores fps as an integer over a base: 25 -> 25/1, 29.97 -> 30/1.001, 62.5 -> 63/1.008."""
    whole = round(fps)
    if abs(whole - fps) < 1e-6:
        scene.render.fps, scene.render.fps_base = int(whole), 1.0
    else:
        top = int(-(-fps // 1))
        scene.render.fps, scene.render.fps_base = top, top / fps


def scene_fps(scene) -> float:
    return scene.render.fps / scene.render.fps_base


RENDER_ENGINES = {
    "workbench": ("BLENDER_WORKBENCH",),
    "eevee": ("BLENDER_EEVEE_NEXT", "BLENDER_EEVEE"),    # 4.2-4.5 call it EEVEE Next
    "cycles": ("CYCLES",),
}


def set_render_engine(scene, name: str) -> str:
    """Set the engine by its short name; returns Blender's identifier."""
    for ident in RENDER_ENGINES[name]:
        try:
            scene.render.engine = ident
            return ident
        except TypeError:
            continue
    raise ValueError(f"this Blender has no {name} render engine")


def use_video_output(scene) -> None:
    """H.264 + AAC in an mp4 through Blender's FFmpeg (5.0 adds a media type in front of the format)."""
    s = scene.render.image_settings
    if hasattr(s, "media_type"):
        s.media_type = "VIDEO"
    s.file_format = "FFMPEG"
    ff = scene.render.ffmpeg
    ff.format = "MPEG4"
    ff.codec = "H264"
    ff.constant_rate_factor = "HIGH"
    ff.audio_codec = "AAC"
    ff.audio_bitrate = 192


def use_nodes(material) -> None:
    """Node materials: a switch before 5.0, always on (and deprecated to set) since."""
    if bpy.app.version < (5, 0, 0):
        material.use_nodes = True


# ---- NLA layers (issue 10): takes as NLA strips, an additive Edits action on top --------------------
def nla_track(id_block, name: str):
    """A new NLA track named `name` on top of id_block's stack."""
    ad = id_block.animation_data or id_block.animation_data_create()
    tr = ad.nla_tracks.new()
    tr.name = name
    return tr


def nla_strip(track, name: str, start: int, action, slot=None):
    """An action strip; 4.4+ needs the action's slot on the strip as well."""
    st = track.strips.new(name, int(start), action)
    if slot is not None and hasattr(st, "action_slot") and st.action_slot != slot:
        st.action_slot = slot
    return st


def action_slot_fcurves(action, slot=None) -> list:
    """F-curves of one action for one slot (4.4+) or all of them (older, or slot None)."""
    if action is None:
        return []
    if not has_slotted_actions():
        return list(action.fcurves)
    out = []
    for layer in action.layers:
        for strip in layer.strips:
            for bag in strip.channelbags:
                if slot is None or bag.slot == slot:
                    out += list(bag.fcurves)
    return out


def active_slot(id_block):
    ad = id_block.animation_data
    return getattr(ad, "action_slot", None) if ad is not None else None


def assign_edits_action(id_block, action) -> None:
    """The active action on top of the NLA, added to it (so keys are offsets to the prediction)."""
    ad = id_block.animation_data or id_block.animation_data_create()
    if ad.action != action:
        ad.action = action
    ad.action_blend_type = "ADD"
    ad.action_influence = 1.0
    if has_slotted_actions() and ad.action_slot is None and len(action.slots):
        ad.action_slot = action.slots[0]
