"""The portrait mesh at rest: triangulation of the mesh points, UVs, mouth faces, the Head weights."""

from __future__ import annotations

import bpy
import numpy as np
from mathutils import Vector
from mathutils.geometry import delaunay_2d_cdt

from ..core import track_math as tm
from .materials import mouth_material, portrait_material


def triangulate(points: np.ndarray):
    """Constrained Delaunay of the mesh points with the lip contours kept as edges.
    Returns (points, faces): points may gain vertices where constraints crossed."""
    tri_pts = tm.separate_close_points(tm.open_mouth_layout(points), 0.02)
    loops = [list(range(48, 60)), list(range(60, 68))]
    edges = [(lp[k], lp[(k + 1) % len(lp)]) for lp in loops for k in range(len(lp))]
    verts = [Vector((float(x), float(-y))) for x, y in tri_pts]   # y up so faces come out CCW
    out_v, _e, out_f, orig_v, _oe, _of = delaunay_2d_cdt(verts, edges, [], 0, 1e-6, True)
    index = {}
    extra = []
    for ov, origs in enumerate(orig_v):
        if origs:
            index[ov] = min(origs)
        else:  # a crossing of constraints (crossed lips): keep the new point
            index[ov] = len(points) + len(extra)
            extra.append((out_v[ov].x, -out_v[ov].y))
    faces = [[index[v] for v in f] for f in out_f]
    pts = np.concatenate([points, np.array(extra).reshape(-1, 2)]) if extra else np.array(points)
    tri_all = np.concatenate([tri_pts, np.array(extra).reshape(-1, 2)]) if extra else tri_pts
    return pts, tri_all, faces


def _mouth_faces(tri_pts: np.ndarray, faces, n_orig: int) -> list:
    """Faces inside the inner-lip contour: all corners on it (or on a crossing of it)."""
    poly = tri_pts[60:68]
    return [all(v in tm.INNER_LIPS or v >= n_orig for v in f) and tm.point_in_polygon(tri_pts[f].mean(axis=0), poly)
            for f in faces]


def build_mesh(name: str, rest: np.ndarray, width: int, height: int, image):
    """Mesh datablock at rest: landmarks first (vertex i = landmark i), UVs, materials, Head group."""
    pm = tm.PixelMap(width, height)
    mp = tm.mesh_points(rest, width, height)
    pts, tri_pts, faces = triangulate(mp.points)
    world = pm.to_world(pts)
    me = bpy.data.meshes.new(name)
    me.from_pydata([tuple(p) for p in world], [], faces)
    loop_v = np.empty(len(me.loops), dtype=np.int32)
    me.loops.foreach_get("vertex_index", loop_v)
    uv = me.uv_layers.new(name="Portrait")
    uvs = pm.uv(pts[loop_v])
    mouth = _mouth_faces(tri_pts, faces, len(mp.points))
    corner = 0
    for f, is_mouth in zip(faces, mouth):     # mouth corners map into the mouth picture, by landmark
        if is_mouth:
            uvs[corner:corner + len(f)] = [tm.MOUTH_UV.get(v, (0.5, 0.5)) for v in f]
        corner += len(f)
    uv.data.foreach_set("uv", uvs.astype(np.float32).ravel())
    me.materials.append(portrait_material(image))
    me.materials.append(mouth_material())
    me.polygons.foreach_set("material_index", np.array(mouth, dtype=np.int32))
    me.update(calc_edges=True)
    me.validate(clean_customdata=False)
    return me, mp, len(pts)


def head_weights(mp: tm.MeshPoints, n_verts: int) -> np.ndarray:
    w = np.ones(n_verts)
    w[list(mp.border)] = 0.0
    return w
