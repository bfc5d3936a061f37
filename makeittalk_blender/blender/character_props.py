"""Apply to character: the settings (scene) and each character's mapping table (saved on the object)."""

from __future__ import annotations

import bpy
from bpy.props import (BoolProperty, CollectionProperty, EnumProperty, FloatProperty, IntProperty,
                       PointerProperty, StringProperty)

from ..core.exports import FORMATS

KINDS = [("AUTO", "Auto", "Pick the set that most of the character's names match"),
         ("ARKIT", "ARKit 52", "ARKit / Faceit blendshape names (jawOpen, eyeBlinkLeft, ...)"),
         ("VISEMES", "Visemes", "Oculus / Meta visemes (sil, PP, FF, TH, DD, kk, CH, SS, nn, RR, aa, E, ih, oh, ou)"),
         ("CUES", "Mouth cues", "Rhubarb mouth shapes A-H and X (or Preston Blair names: MBP, etc, AI, O, U, FV, L, rest)"),
         ("PHONES", "Phonemes", "One shape per ARPAbet phone (AA, AE, AH, ..., M, P, ..., ZH, SIL)")]
DRIVES = [("SHAPE_KEYS", "Shape keys", "Drive the mesh's shape keys"),
          ("ACTIONS", "Actions / poses", "Play one action or pose asset per mouth shape (NLA strips)")]
SOURCES = [("SCENE", "Scene take", "The portrait's current take, with your edits"),
           ("FILE", "Track file", "A MakeItTalk track file (.json / .npz)")]
_FORMAT_ITEMS = [(k, k, f"Export as {k} ({ext})") for k, (_, ext) in FORMATS.items()]


class MITShapeMap(bpy.types.PropertyGroup):
    target: StringProperty(name="Shape", description="The shape of the set (ARKit name, viseme or mouth cue)")
    source: StringProperty(name="Drives", description="The character's shape key or action for it (empty: not used)")
    factor: FloatProperty(name="Factor", default=1.0, min=0.0, max=2.0, description="Scale of this shape's weight")


class MITCharacterSettings(bpy.types.PropertyGroup):
    target: PointerProperty(name="Character", type=bpy.types.Object,
                            description="The object to animate: a mesh with shape keys, or any object with actions")
    kind: EnumProperty(name="Names", items=KINDS, default="AUTO")
    drive: EnumProperty(name="Drive", items=DRIVES, default="SHAPE_KEYS")
    source: EnumProperty(name="Take", items=SOURCES, default="SCENE")
    track_path: StringProperty(name="Track", subtype="FILE_PATH", description="Track file to apply or export")
    markers: BoolProperty(name="Markers", default=False, description="Add timeline markers for the words and phones")
    export_format: EnumProperty(name="Format", items=_FORMAT_ITEMS, default="arkit-csv")


CLASSES = (MITShapeMap, MITCharacterSettings)


def register() -> None:
    bpy.types.Scene.makeittalk_character = PointerProperty(type=MITCharacterSettings)
    bpy.types.Object.makeittalk_map = CollectionProperty(type=MITShapeMap)
    bpy.types.Object.makeittalk_map_kind = StringProperty(default="")
    bpy.types.Object.makeittalk_map_index = IntProperty(default=0)


def unregister() -> None:
    del bpy.types.Object.makeittalk_map_index
    del bpy.types.Object.makeittalk_map_kind
    del bpy.types.Object.makeittalk_map
    del bpy.types.Scene.makeittalk_character
