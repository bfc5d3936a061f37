"""The portrait mesh at rest, from the shared layout (core/mesh_layout.py): the same vertices and
triangles the warp renderer draws, UVs, the mouth and eyeball faces, depth, the Head weights."""

from __future__ import annotations

import bpy
import numpy as np

from ..core import mesh_layout as ml
from ..core import mouth_interior
from ..core import track_math as tm
from .materials import mouth_image, mouth_material, portrait_material, teeth_material


_LAYOUT: dict = {}


def layout_for(rest: np.ndarray, width: int, height: int):
    """The shared mesh layout of these rest landmarks (the last one is kept: building it takes a tenth
    of a second, and a take needs it for the mesh, the coupled keys and the fitted detail)."""
    lm = np.ascontiguousarray(np.asarray(rest, dtype=np.float64)[:68, :2])
    tag = (lm.tobytes(), int(width), int(height))
    if tag not in _LAYOUT:
        _LAYOUT.clear()
        _LAYOUT[tag] = ml.build(lm, width, height)
    return _LAYOUT[tag]


def portrait_pixels(image) -> np.ndarray:
    """The Blender image as H x W x 3 uint8, row 0 at the top (for sampling the mouth's colours)."""
    w, h = image.size
    px = np.empty(w * h * image.channels, dtype=np.float32)
    image.pixels.foreach_get(px)
    px = px.reshape(h, w, image.channels)[::-1]
    if image.channels < 3:
        px = np.repeat(px[:, :, :1], 3, axis=2)
    return np.round(np.clip(px[:, :, :3], 0.0, 1.0) * 255.0).astype(np.uint8)


def mouth_pixels(image, rest: np.ndarray, width: int, height: int, teeth: bool = False):
    """(mouth picture, teeth picture): RGBA 0..1, rows bottom-up, in the portrait's own colours."""
    pix = portrait_pixels(image)
    iw, ih = pix.shape[1], pix.shape[0]
    lm = np.asarray(rest, dtype=np.float64)[:68, :2] * [iw / width, ih / height] - 0.5
    lip, skin = mouth_interior.sample_colours(pix, lm)
    return mouth_interior.texture(lip, skin, teeth=teeth), mouth_interior.teeth_texture(lip, skin)


def build_mesh(name: str, rest: np.ndarray, width: int, height: int, image):
    """Mesh datablock at rest: landmarks first (vertex i = landmark i), UVs, materials, depth.
    Returns (mesh, layout, number of vertices); the layout has n_ring / n_border like MeshPoints."""
    pm = tm.PixelMap(width, height)
    lay = layout_for(rest, width, height)
    pts = lay.edge_points()
    world = pm.to_world(pts)
    world[:, 1] = -lay.z * pm.scale                 # towards the camera (-Y) is nearer
    faces = lay.blender_faces()
    kinds = lay.kind[lay.kind != ml.EYE]
    me = bpy.data.meshes.new(name)
    me.from_pydata([tuple(p) for p in world], [], [tuple(int(v) for v in f) for f in faces])
    loop_v = np.empty(len(me.loops), dtype=np.int32)
    me.loops.foreach_get("vertex_index", loop_v)
    uvs = pm.uv(pts[loop_v])
    mouth = kinds == ml.MOUTH
    teeth = np.isin(kinds, ml.TEETH)
    if not lay.mouth_open:              # the mouth picture, by landmark; an open portrait keeps its own
        corners = np.repeat(mouth, 3)
        uvs[corners] = [ml.MOUTH_UV[int(v)] for v in loop_v[corners]]
    corners = np.repeat(teeth, 3)
    first = lay.slice_of("teeth").start
    uvs[corners] = lay.teeth_uv[loop_v[corners] - first]
    me.uv_layers.new(name="Portrait").data.foreach_set("uv", uvs.astype(np.float32).ravel())
    me.materials.append(portrait_material(image))
    if lay.mouth_open:
        me.materials.append(mouth_material(image))
    else:
        cavity, teeth_px = mouth_pixels(image, rest, width, height)
        me.materials.append(mouth_material(mouth_image(cavity)))
        me.materials.append(teeth_material(mouth_image(teeth_px, "MIT Teeth")))
    me.polygons.foreach_set("material_index", (mouth + 2 * teeth).astype(np.int32))
    me.update(calc_edges=True)
    me.validate(clean_customdata=False)
    return me, lay, lay.n_vertices


def head_weights(layout, n_verts: int) -> np.ndarray:
    """Weight of each vertex in the Head group: 1 for what moves with the head, 0 for the border."""
    w = np.zeros(n_verts)
    w[:layout.n_vertices] = layout.head[:n_verts]
    return w


def couple_keys(ob, layout=None) -> None:
    """Make each landmark shape key (and the semantic keys) also move the dense vertices by their
    share (layout.follow), as the warp renderer does. Call it after the keys are made (takes.py)."""
    keys = ob.data.shape_keys
    if keys is None:
        return
    if layout is None:
        w, h = (int(v) for v in ob["image_size"])
        basis = np.empty(len(ob.data.vertices) * 3)
        keys.reference_key.data.foreach_get("co", basis)
        rest = ob.get("rest_px")
        rest = (np.asarray(rest, dtype=np.float64).reshape(68, 2) if rest is not None
                else tm.PixelMap(w, h).to_pixels(basis.reshape(-1, 3)[:68]))
        layout = layout_for(rest, w, h)
    n = layout.n_vertices
    if n != len(ob.data.vertices):
        return
    base = np.empty(n * 3, dtype=np.float64)
    keys.reference_key.data.foreach_get("co", base)
    base = base.reshape(n, 3)
    co = np.empty(n * 3, dtype=np.float64)
    for kb in keys.key_blocks:
        if kb == keys.reference_key:
            continue
        kb.data.foreach_get("co", co)
        off = co.reshape(n, 3) - base
        if not off[68:].any() and off[:68].any():
            kb.data.foreach_set("co", (base + layout.follow @ off[:68]).astype(np.float32).ravel())


def triangulate(rest: np.ndarray, width: int, height: int) -> np.ndarray:
    """The Blender mesh's triangles for these rest landmarks (the shared layout's, eye holes open)."""
    return ml.build(rest, width, height).blender_faces()
