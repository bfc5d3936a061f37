"""Finding and making the add-on's own objects (tagged with a "makeittalk" role, so a take never
duplicates them), all in the add-on's own collection "MakeItTalk"."""

from __future__ import annotations

import os

import bpy

ROLE = "makeittalk"
COLLECTION = "MakeItTalk"


def find_role(scene, role: str):
    for ob in scene.objects:
        if ob.get(ROLE) == role:
            return ob
    return None


def own_collection(scene):
    """The add-on's collection in this scene (made once, found again by its tag)."""
    for coll in scene.collection.children_recursive:
        if coll.get(ROLE) == "collection":
            return coll
    coll = bpy.data.collections.new(COLLECTION)
    coll[ROLE] = "collection"
    scene.collection.children.link(coll)
    return coll


def new_object(scene, name: str, data, role: str, parent=None):
    ob = bpy.data.objects.new(name, data)
    ob[ROLE] = role
    own_collection(scene).objects.link(ob)
    if parent is not None:
        ob.parent = parent
    return ob


def is_ours(ob) -> bool:
    return ob is not None and ob.get(ROLE) is not None


def load_image(path: str):
    if not path or not os.path.isfile(path):
        raise ValueError(f"the portrait image '{os.path.basename(path) or path}' does not exist")
    img = bpy.data.images.load(os.path.abspath(path), check_existing=True)
    if img.size[0] == 0 or img.size[1] == 0:
        raise ValueError(f"Blender could not read the portrait image '{os.path.basename(path)}'")
    return img
