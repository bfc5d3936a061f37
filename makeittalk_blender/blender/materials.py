"""Materials of the portrait mesh: the portrait unlit, and the mouth interior."""

from __future__ import annotations

import bpy
import numpy as np

from ..core import track_math as tm
from . import compat

MOUTH_COLOUR = (0.025, 0.004, 0.005, 1.0)   # linear: a dark red-brown cavity


def _unlit_image_material(name: str, image):
    """The named material (made or reused) showing `image` unlit: image texture -> emission -> output."""
    mat = bpy.data.materials.get(name) or bpy.data.materials.new(name)
    compat.use_nodes(mat)
    nt = mat.node_tree
    nt.nodes.clear()
    tex = nt.nodes.new("ShaderNodeTexImage")
    tex.image = image
    tex.interpolation = "Linear"
    tex.extension = "EXTEND"
    emit = nt.nodes.new("ShaderNodeEmission")    # unlit: the render shows the image's own colours
    out = nt.nodes.new("ShaderNodeOutputMaterial")
    nt.links.new(tex.outputs["Color"], emit.inputs["Color"])
    nt.links.new(emit.outputs["Emission"], out.inputs["Surface"])
    nt.nodes.active = tex                         # Workbench's Texture colour uses the active image node
    return mat


def portrait_material(image):
    return _unlit_image_material(f"MIT Portrait {image.name}", image)


def mouth_image():
    """The mouth picture (teeth, cavity, tongue), generated and packed so the .blend keeps it."""
    img = bpy.data.images.get("MIT Mouth")
    if img is None:
        px = tm.mouth_texture(64)
        img = bpy.data.images.new("MIT Mouth", px.shape[1], px.shape[0], alpha=False)
        img.pixels.foreach_set(px.astype(np.float32).ravel())
        img.pack()
    return img


def mouth_material():
    mat = _unlit_image_material("MIT Mouth", mouth_image())
    mat.diffuse_color = MOUTH_COLOUR
    return mat
