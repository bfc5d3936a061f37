"""Materials of the portrait mesh: the portrait unlit, and the mouth interior."""

from __future__ import annotations

import bpy
import numpy as np

from ..core import mouth_interior
from . import compat

MOUTH_COLOUR = (0.025, 0.004, 0.005, 1.0)   # linear: a dark red-brown cavity (solid-colour viewport)


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


def mouth_image(px: np.ndarray | None = None, name: str = "MIT Mouth"):
    """The packed image `name` with these pixels (RGBA 0..1, rows bottom-up; the default mouth picture
    when None), replaced on every build."""
    px = mouth_interior.texture() if px is None else px
    img = bpy.data.images.get(name)
    if img is not None and tuple(img.size) != (px.shape[1], px.shape[0]):
        bpy.data.images.remove(img)
        img = None
    if img is None:
        img = bpy.data.images.new(name, px.shape[1], px.shape[0], alpha=False)
    img.pixels.foreach_set(px.astype(np.float32).ravel())
    img.pack()
    return img


def mouth_material(image=None):
    """The mouth interior: `image` is the mouth picture made from the portrait's colours (mesh.py), or
    the portrait itself when its own mouth is open."""
    mat = _unlit_image_material("MIT Mouth", image if image is not None else mouth_image())
    mat.diffuse_color = MOUTH_COLOUR
    return mat


def teeth_material(image):
    """The teeth strips behind the lips (seen through the mouth opening only)."""
    return _unlit_image_material("MIT Teeth", image)
