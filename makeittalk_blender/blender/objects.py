"""Finding and making the add-on's own objects (tagged with a "makeittalk" role, so a take never duplicates them)."""

from __future__ import annotations

import os

import bpy

ROLE = "makeittalk"


def find_role(scene, role: str):
    for ob in scene.objects:
        if ob.get(ROLE) == role:
            return ob
    return None


def new_object(scene, name: str, data, role: str):
    ob = bpy.data.objects.new(name, data)
    ob[ROLE] = role
    scene.collection.objects.link(ob)
    return ob


def load_image(path: str):
    if not path or not os.path.isfile(path):
        raise ValueError(f"the portrait image '{path}' does not exist")
    img = bpy.data.images.load(os.path.abspath(path), check_existing=True)
    if img.size[0] == 0 or img.size[1] == 0:
        raise ValueError(f"Blender could not read the portrait image '{path}'")
    return img
