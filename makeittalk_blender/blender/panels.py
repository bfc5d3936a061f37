"""The "Animate Portrait" sidebar panel (3D View > N)."""

from __future__ import annotations

import textwrap

import bpy

from ..core import confidence
from . import frames_strip, properties, runtime, scene_settings
from .objects import find_role
from .takes import last_take


def _wrapped(layout, text: str, icon: str = "NONE", width: int = 42) -> None:
    lines = textwrap.wrap(text, width) or [""]
    col = layout.column(align=True)
    for k, line in enumerate(lines):
        col.label(text=line, icon=icon if k == 0 else "BLANK1")


class VIEW3D_PT_makeittalk(bpy.types.Panel):
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Animate Portrait"
    bl_label = "Animate Portrait"

    def draw(self, context):
        s = context.scene.makeittalk
        st = properties.status()
        layout = self.layout

        row = layout.row(align=True)
        row.operator("makeittalk.start_server", icon="PLAY")
        row.operator("makeittalk.test_server", icon="URL")

        col = layout.column()
        col.prop(s, "image_path")
        col.prop(s, "audio_source", expand=True)
        if s.audio_source == "FILE":
            col.prop(s, "audio_path")
        else:
            col.label(text="One take per sound strip (the selected ones, else all)", icon="SPEAKER")
        row = col.row(align=True)
        row.operator("makeittalk.detect_landmarks", icon="SHADERFX")
        row.operator("makeittalk.place_template", text="Template", icon="MESH_DATA")

        box = layout.box()
        box.prop(s, "engine")
        if st.engines_note:
            _wrapped(box, st.engines_note, icon="INFO")
        row = box.row(align=True)
        row.prop(s, "use_scene_fps")
        sub = row.row()
        sub.enabled = not s.use_scene_fps
        sub.prop(s, "fps")
        col = box.column(align=True)
        col.prop(s, "amp_lip_x")
        col.prop(s, "amp_lip_y")
        col.prop(s, "amp_pos")
        row = box.row(align=True)
        row.prop(s, "blink")
        row.prop(s, "seed")
        row = box.row(align=True)
        row.prop(s, "emotion", text="")
        row.prop(s, "intensity")
        box.prop(s, "transcript")
        box.prop(s, "key_tolerance")

        col = layout.column(align=True)
        col.scale_y = 1.4
        col.operator("makeittalk.animate", icon="RENDER_ANIMATION")
        row = layout.row(align=True)
        if st.renderers:
            row.prop(s, "renderer", text="")
            row.operator("makeittalk.render_frames", icon="SEQUENCE")
        if frames_strip.find_frames_strip(context.scene) is not None:
            layout.prop(s, "f12_shows", expand=True)
        row = layout.row(align=True)
        row.operator("makeittalk.import_track", icon="IMPORT")
        row.operator("makeittalk.export_track", icon="EXPORT")

        _draw_take(layout, context.scene)
        advice = scene_settings.advice(context.scene)
        if advice:
            box = layout.box()
            for line in advice:
                _wrapped(box, line, icon="INFO")
            box.operator("makeittalk.use_recommended_render", icon="RENDER_STILL")

        if runtime.busy() or st.busy:
            box = layout.box()
            box.progress(factor=st.progress, type="BAR", text=f"{st.task}: {st.stage or st.phase}") \
                if hasattr(box, "progress") else box.prop(st, "progress", text=st.stage or st.phase, slider=True)
            box.operator("makeittalk.cancel", icon="CANCEL")
        if st.error:
            _wrapped(layout.box(), st.error, icon="ERROR")
        elif st.message:
            _wrapped(layout, st.message, icon="INFO")


def _draw_take(layout, scene) -> None:
    rec = last_take(find_role(scene, "portrait"))
    if rec is None:
        return
    box = layout.box()
    keys = rec.get("keys") or {}
    box.label(text=f"{rec['name']}: {rec['frames']} frames, {keys.get('keys', 0)} keys", icon="ACTION")
    if keys.get("max_keys_fraction") is not None:
        _wrapped(box, f"keys on {100 * keys.get('keys_per_frame_curve', 0):.0f}% of the frames; busiest curve "
                      f"{keys.get('busiest_curve', '')} {100 * keys['max_keys_fraction']:.0f}%", icon="BLANK1")
    _wrapped(box, confidence.describe(rec.get("confidence") or {}), icon="SPEAKER")
    if rec.get("locked"):
        box.label(text=f"{rec['locked']} locked keys kept their pose", icon="LOCKED")
    _wrapped(box, "Pose with the MIT handles or the shape key sliders and key them: they go to the "
                  "'MIT Edits' layer and stay when you Animate again", icon="BLANK1")
    box.operator("makeittalk.lock_keys", icon="LOCKED")


CLASSES = (VIEW3D_PT_makeittalk,)
