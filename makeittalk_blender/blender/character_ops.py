"""Apply to character, Export and Import of performances: the operators."""

from __future__ import annotations

import json
import os
from pathlib import Path

import bpy
import numpy as np
from bpy.props import EnumProperty, StringProperty
from bpy_extras.io_utils import ExportHelper, ImportHelper

from ..core import exports, trackformat
from ..core.template_face import template_landmarks
from . import character_bake as bake
from . import properties, scene_builder
from .character_props import _FORMAT_ITEMS

_ERRORS = (bake.CharacterError, trackformat.TrackError, exports.ExportError, ValueError, OSError)


def _fail(op, message: str):
    op.report({"ERROR"}, message)
    properties.status().error = message
    return {"CANCELLED"}


def _done(op, message: str, warn: bool = False):
    op.report({"WARNING" if warn else "INFO"}, message)
    st = properties.status()
    st.error, st.message = "", message
    return {"FINISHED"}


def _take_name(scene, settings) -> str:
    if settings.source == "FILE":
        return f"MIT {Path(settings.track_path).stem or 'track'}"
    portrait = scene_builder.find_role(scene, "portrait")
    return str(portrait.get("take", "MIT Take")) if portrait is not None else "MIT Take"


class MAKEITTALK_OT_character_map(bpy.types.Operator):
    bl_idname = "makeittalk.character_map"
    bl_label = "Find shapes"
    bl_description = "Fill the mapping table from the character's shape keys (or the file's actions) by name"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        s = context.scene.makeittalk_character
        ob = s.target
        if ob is None:
            return _fail(self, "pick the character to animate")
        if s.drive == "SHAPE_KEYS" and not bake.source_names(ob, s.drive):
            return _fail(self, f"{ob.name} has no shape keys: add some, or drive actions instead")
        kind, found = bake.fill_mapping(ob, s.kind, s.drive)
        total = len(ob.makeittalk_map)
        if not found:
            return _done(self, f"none of {ob.name}'s names match the {kind.lower()} set: "
                               "pick them by hand in the table", warn=True)
        return _done(self, f"{found} of {total} {kind.lower()} shapes found on {ob.name}", warn=found < total)


class MAKEITTALK_OT_character_apply(bpy.types.Operator):
    bl_idname = "makeittalk.character_apply"
    bl_label = "Apply to character"
    bl_description = "Bake the take onto the character as an NLA track (sparse keys); missing shapes are skipped"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        try:
            message, incomplete = _apply(context.scene, context.scene.makeittalk_character)
        except _ERRORS as e:
            return _fail(self, f"cannot apply to the character: {e}")
        return _done(self, message, warn=incomplete)


def _apply(scene, s) -> tuple[str, bool]:
    """Bake the take onto s.target; (what was done, whether shapes the take uses were missing)."""
    ob = s.target
    if ob is None:
        raise bake.CharacterError("pick the character to animate")
    if not len(ob.makeittalk_map):
        bake.fill_mapping(ob, s.kind, s.drive)
    kind = ob.makeittalk_map_kind or "ARKIT"
    use, missing = bake.mapping_of(ob, s.drive)
    if not use:
        raise bake.CharacterError(f"no shape of {ob.name} matches the {kind.lower()} names: "
                                  "pick its shape keys or actions in the table")
    track = bake.take_track(scene, s)
    take = _take_name(scene, s)
    if s.drive == "ACTIONS":
        what = f"{bake.bake_actions(scene, ob, track, kind, use, take)} strips"
    elif getattr(ob.data, "shape_keys", None) is None:
        raise bake.CharacterError(f"{ob.name} has no shape keys to drive")
    else:
        what = f"{bake.bake_shape_keys(scene, ob, track, kind, use, take)} keys on {len(use)} shapes"
    marks = bake.add_markers(scene, track) if s.markers else 0
    msg = f"{take} applied to {ob.name}: {what}" + (f", {marks} markers" if marks else "")
    needed = bake.needed(track, kind, missing)
    if needed:
        msg += f"; {len(needed)} shapes this take uses are not on the character: {', '.join(needed[:6])}" + \
            (" ..." if len(needed) > 6 else "")
    return msg, bool(needed)


class MAKEITTALK_OT_export_performance(bpy.types.Operator, ExportHelper):
    bl_idname = "makeittalk.export_performance"
    bl_label = "Export"
    bl_description = "Write the take for other tools: ARKit CSV/JSON, Oculus visemes, Rhubarb cues, glTF, SRT"
    filename_ext = ""
    export_format: EnumProperty(name="Format", items=_FORMAT_ITEMS, default="arkit-csv")

    def invoke(self, context, event):
        self.export_format = context.scene.makeittalk_character.export_format
        return ExportHelper.invoke(self, context, event)

    def execute(self, context):
        scene = context.scene
        path = Path(bpy.path.abspath(self.filepath))
        if not path.suffix:
            path = path.with_suffix(exports.extension(self.export_format))
        try:
            track = bake.take_track(scene, scene.makeittalk_character)
            exports.write(track, path, self.export_format)
        except _ERRORS as e:
            return _fail(self, f"cannot export: {e}")
        return _done(self, f"{path.name} written ({self.export_format}, {track.n_frames} frames)")


class MAKEITTALK_OT_import_performance(bpy.types.Operator, ImportHelper):
    bl_idname = "makeittalk.import_performance"
    bl_label = "Import cues / ARKit CSV"
    bl_description = "A Rhubarb cue file (.tsv, .json) or a Live Link Face CSV as a new take on the portrait"
    filter_glob: StringProperty(default="*.tsv;*.txt;*.json;*.csv", options={"HIDDEN"})

    def execute(self, context):
        scene = context.scene
        try:
            image, rest, (w, h) = _portrait_face(scene)
            fps = _scene_fps(scene)
            track = exports.import_file(self.filepath, fps=fps, rest=rest, width=w, height=h)
            audio = bpy.path.abspath(scene.makeittalk.audio_path)
            ob = scene_builder.build_scene(scene, track, image, audio if os.path.isfile(audio) else None)
            ob["track_phones"] = json.dumps(track.phones)
            ob["track_words"] = json.dumps(track.words)
        except _ERRORS as e:
            return _fail(self, f"cannot import {Path(self.filepath).name}: {e}")
        return _done(self, f"{ob['take']} imported from {Path(self.filepath).name}: {track.n_frames} frames")


def _scene_fps(scene) -> float:
    from . import compat

    return compat.scene_fps(scene)


def _portrait_face(scene):
    """(image path, rest 68 x 3 pixels, (width, height)): the portrait's own face when there is one,
    else the template face on the chosen portrait."""
    ob = scene_builder.find_role(scene, "portrait")
    if ob is not None and ob.data.shape_keys is not None and "image_size" in ob:
        from ..core.track_math import PixelMap

        w, h = (int(v) for v in ob["image_size"])
        co = np.empty(len(ob.data.vertices) * 3)
        ob.data.shape_keys.reference_key.data.foreach_get("co", co)
        xy = PixelMap(w, h).to_pixels(co.reshape(-1, 3)[:68])
        return str(ob.get("image_path", "")), np.concatenate([xy, np.zeros((68, 1))], axis=1), (w, h)
    path = bpy.path.abspath(scene.makeittalk.image_path)
    if not os.path.isfile(path):
        raise bake.CharacterError("choose a portrait first: the take is drawn on its face")
    img = bpy.data.images.load(path, check_existing=True)
    w, h = int(img.size[0]), int(img.size[1])
    if w <= 0 or h <= 0:
        raise bake.CharacterError("the portrait image could not be read")
    return path, template_landmarks(w, h), (w, h)


CLASSES = (MAKEITTALK_OT_character_map, MAKEITTALK_OT_character_apply, MAKEITTALK_OT_export_performance,
           MAKEITTALK_OT_import_performance)
