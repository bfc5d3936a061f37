"""Operators for what the scene renders: the recommended render settings (one button, on request)."""

from __future__ import annotations

import bpy

from . import properties, scene_settings


class MAKEITTALK_OT_use_recommended_render(bpy.types.Operator):
    bl_idname = "makeittalk.use_recommended_render"
    bl_label = "Use recommended render settings"
    bl_description = ("Render the portrait fast and in its own colours: Workbench, Texture colours, Standard "
                      "view transform, the portrait's shape and camera")
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return bool(scene_settings.advice(context.scene))

    def execute(self, context):
        try:
            scene_settings.apply_recommended(context.scene)
        except ValueError as e:
            self.report({"ERROR"}, str(e))
            return {"CANCELLED"}
        properties.status().message = "Render settings set for the portrait (Workbench, its own colours)"
        return {"FINISHED"}


CLASSES = (MAKEITTALK_OT_use_recommended_render,)
