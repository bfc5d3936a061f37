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


class MAKEITTALK_OT_lock_keys(bpy.types.Operator):
    bl_idname = "makeittalk.lock_keys"
    bl_label = "Lock selected edit keys"
    bl_description = ("Selected keys of the Edits layers hold their pose when you Animate again (they become "
                      "Extreme keys); run it again to unlock")
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        from . import compat, nla_layers
        from .objects import find_role

        ob, head = find_role(context.scene, "portrait"), find_role(context.scene, "head")
        ids = [x for x in (ob.data.shape_keys if ob is not None else None, head) if x is not None]
        keys = [kp for id_block in ids if id_block.animation_data and id_block.animation_data.action
                for fc in compat.action_slot_fcurves(id_block.animation_data.action, compat.active_slot(id_block))
                for kp in fc.keyframe_points if kp.select_control_point]
        if not keys:
            self.report({"WARNING"}, "select keys of the MIT Edits actions first (Graph Editor or Dope Sheet)")
            return {"CANCELLED"}
        lock = not all(kp.type == nla_layers.LOCK_TYPE for kp in keys)
        for kp in keys:
            kp.type = nla_layers.LOCK_TYPE if lock else "KEYFRAME"
        properties.status().message = f"{len(keys)} edit keys {'locked' if lock else 'unlocked'}"
        return {"FINISHED"}


CLASSES = (MAKEITTALK_OT_use_recommended_render, MAKEITTALK_OT_lock_keys)
