"""The "Character" sub-panel: Apply to character (with the editable mapping table), Export, Import."""

from __future__ import annotations

import bpy

from .panels import VIEW3D_PT_makeittalk


class MAKEITTALK_UL_shape_map(bpy.types.UIList):
    """One row per shape of the set: its name, the character's shape key or action, a factor."""

    def draw_item(self, context, layout, data, item, icon, active_data, active_propname, index=0):
        s = context.scene.makeittalk_character
        row = layout.row(align=True)
        row.label(text=item.target, icon="CHECKMARK" if item.source else "BLANK1")
        keys = getattr(data.data, "shape_keys", None) if data.data is not None else None
        if s.drive == "SHAPE_KEYS" and keys is not None:
            row.prop_search(item, "source", keys, "key_blocks", text="")
        elif s.drive == "ACTIONS":
            row.prop_search(item, "source", bpy.data, "actions", text="")
        else:
            row.prop(item, "source", text="")
        row.prop(item, "factor", text="")


class VIEW3D_PT_makeittalk_character(bpy.types.Panel):
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = VIEW3D_PT_makeittalk.bl_category
    bl_parent_id = "VIEW3D_PT_makeittalk"
    bl_label = "Character and exports"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        s = context.scene.makeittalk_character
        layout = self.layout
        col = layout.column()
        col.prop(s, "source")
        if s.source == "FILE":
            col.prop(s, "track_path")
        box = layout.box()
        box.prop(s, "target")
        row = box.row(align=True)
        row.prop(s, "drive", text="")
        row.prop(s, "kind", text="")
        ob = s.target
        if ob is not None:
            box.operator("makeittalk.character_map", icon="VIEWZOOM")
            if len(ob.makeittalk_map):
                box.label(text=f"Mapping ({ob.makeittalk_map_kind.lower() or 'set'}), saved with the file:")
                box.template_list("MAKEITTALK_UL_shape_map", "", ob, "makeittalk_map", ob, "makeittalk_map_index", rows=6)
        row = box.row(align=True)
        row.prop(s, "markers")
        sub = row.row()
        sub.enabled = ob is not None
        sub.operator("makeittalk.character_apply", icon="ARMATURE_DATA")
        row = layout.row(align=True)
        row.prop(s, "export_format", text="")
        op = row.operator("makeittalk.export_performance", icon="EXPORT")
        op.export_format = s.export_format
        layout.operator("makeittalk.import_performance", icon="IMPORT")


CLASSES = (MAKEITTALK_UL_shape_map, VIEW3D_PT_makeittalk_character)
