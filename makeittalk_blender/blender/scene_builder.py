"""The scene of DESIGN.md from a portrait and a track.

Objects (found again by their "makeittalk" role, so a new take never duplicates them):
  MIT Portrait   Delaunay mesh of landmarks + face ring + image border, UV-mapped, unlit image colours,
                 mouth material inside the inner lips; shape keys lm00.x .. lm67.y carry the expression
                 (one per landmark and image axis, grouped by region) plus semantic keys; a Hook
                 modifier ties landmarks and face ring to the head.
  MIT Head       an Empty at the face's pivot: its location / Y rotation / scale are the head motion.
  MIT Landmarks  the 68 rest points to correct in Edit Mode before animating (hidden in renders).
  MIT Camera     orthographic, framing the portrait at its aspect ratio.
"""

from __future__ import annotations

import json
import math
import os

import bpy
import numpy as np
from mathutils import Matrix, Vector
from mathutils.geometry import delaunay_2d_cdt

from ..core import track_math as tm
from ..core.trackfile import TrackData
from . import compat, sound

ROLE = "makeittalk"
UNIT_FRACTION = 0.1        # a landmark key at value 1 moves its point by 10% of the image's larger side
SLIDER = 10.0
MOUTH_COLOUR = (0.025, 0.004, 0.005, 1.0)   # linear: a dark red-brown cavity


# ---- finding our objects ----------------------------------------------------------------------
def find_role(scene, role: str):
    for ob in scene.objects:
        if ob.get(ROLE) == role:
            return ob
    return None


def _new_object(scene, name: str, data, role: str):
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


# ---- triangulation ------------------------------------------------------------------------------
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


# ---- materials --------------------------------------------------------------------------------
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


# ---- the rest mesh ----------------------------------------------------------------------------
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


def _head_weights(mp: tm.MeshPoints, n_verts: int) -> np.ndarray:
    w = np.ones(n_verts)
    w[list(mp.border)] = 0.0
    return w


# ---- objects ------------------------------------------------------------------------------------
def ensure_camera(scene, width: int, height: int, resolution: int | None = None):
    cam_ob = find_role(scene, "camera")
    if cam_ob is None:
        cam_ob = _new_object(scene, "MIT Camera", bpy.data.cameras.new("MIT Camera"), "camera")
    cam = cam_ob.data
    cam.type = "ORTHO"
    cam.ortho_scale = 2.0                          # the larger side is 2 world units (PixelMap)
    cam.clip_start, cam.clip_end = 0.1, 100.0
    cam_ob.location = (0.0, -10.0, 0.0)
    cam_ob.rotation_euler = (math.pi / 2, 0.0, 0.0)
    scene.camera = cam_ob
    side = int(resolution or max(width, height))
    r = scene.render
    if width >= height:
        r.resolution_x, r.resolution_y = side, max(2, int(round(side * height / width / 2)) * 2)
    else:
        r.resolution_x, r.resolution_y = max(2, int(round(side * width / height / 2)) * 2), side
    r.resolution_x -= r.resolution_x % 2      # even sizes for video codecs
    r.resolution_y -= r.resolution_y % 2
    r.resolution_percentage = 100
    r.pixel_aspect_x = r.pixel_aspect_y = 1.0
    return cam_ob


def setup_look(scene) -> None:
    """Colours as in the image: no view transform curve, flat unlit Workbench."""
    scene.view_settings.view_transform = "Standard"
    scene.view_settings.look = "None"
    scene.view_settings.exposure = 0.0
    scene.view_settings.gamma = 1.0
    sh = scene.display.shading
    sh.light = "FLAT"
    sh.color_type = "TEXTURE"
    for attr in ("show_shadows", "show_cavity", "show_specular_highlight", "show_object_outline"):
        if hasattr(sh, attr):
            setattr(sh, attr, False)
    scene.display.render_aa = "5"        # 8 samples cost 40% more in software GL


def build_rest(scene, image_path: str, rest: np.ndarray, width: int | None = None, height: int | None = None,
               resolution: int | None = None):
    """Portrait mesh at rest, the head Empty and the camera. Reuses existing objects."""
    image = load_image(image_path)
    width = int(width or image.size[0])
    height = int(height or image.size[1])
    rest = np.asarray(rest, dtype=np.float64)
    pm = tm.PixelMap(width, height)
    me, mp, n_verts = build_mesh("MIT Portrait", rest, width, height, image)

    ob = find_role(scene, "portrait")
    if ob is None:
        ob = _new_object(scene, "MIT Portrait", me, "portrait")
    else:
        old = ob.data
        if ob.data.shape_keys is not None:
            ob.shape_key_clear()
        ob.data = me
        if old.users == 0:
            bpy.data.meshes.remove(old)
    ob.matrix_world = Matrix.Identity(4)
    ob["image_size"] = (width, height)
    ob["image_path"] = os.path.abspath(image_path)
    ob["n_ring"], ob["n_border"] = mp.n_ring, mp.n_border

    pivot_w = Vector(pm.to_world(rest[:, :2].mean(axis=0)))
    head = find_role(scene, "head")
    if head is None:
        head = _new_object(scene, "MIT Head", None, "head")
        head.empty_display_type = "SPHERE"
    head.empty_display_size = 0.05
    if head.animation_data:
        head.animation_data.action = None
    head.location, head.rotation_euler, head.scale = pivot_w, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)
    # parented, so moving the portrait moves the whole rig (the hook then works in portrait space)
    head.parent = ob
    head.matrix_parent_inverse = Matrix.Identity(4)

    for vg in list(ob.vertex_groups):
        ob.vertex_groups.remove(vg)
    vg = ob.vertex_groups.new(name="Head")
    w = _head_weights(mp, n_verts)
    for value in np.unique(w):
        if value > 0:
            vg.add([int(i) for i in np.nonzero(w == value)[0]], float(value), "REPLACE")
    for m in list(ob.modifiers):
        if m.type == "HOOK" and m.name == "Head":
            ob.modifiers.remove(m)
    hook = ob.modifiers.new("Head", "HOOK")
    hook.object = head
    hook.vertex_group = "Head"
    hook.falloff_type = "NONE"
    hook.strength = 1.0
    hook.matrix_inverse = Matrix.Translation(pivot_w).inverted()   # identity at rest
    hook.center = pivot_w

    ensure_camera(scene, width, height, resolution)
    setup_look(scene)
    return ob, head


# ---- shape keys and takes ---------------------------------------------------------------------
def _landmark_keys(ob, rest: np.ndarray, width: int, height: int) -> float:
    """Basis, one key per landmark axis, semantic keys. Returns the pixel length of value 1."""
    pm = tm.PixelMap(width, height)
    unit_px = UNIT_FRACTION * max(width, height)
    basis = compat.new_shape_key(ob, "Basis", 0.0)
    n = len(ob.data.vertices)
    base = np.empty(n * 3, dtype=np.float32)
    basis.data.foreach_get("co", base)
    base = base.reshape(n, 3)
    step_w = unit_px * pm.scale
    for i in range(68):
        for axis, vec in (("x", (step_w, 0.0, 0.0)), ("y", (0.0, 0.0, -step_w))):   # image y is world -Z
            kb = compat.new_shape_key(ob, tm.landmark_key_name(i, axis), 0.0)
            kb.slider_min, kb.slider_max = -SLIDER, SLIDER
            co = base.copy()
            co[i] += vec
            kb.data.foreach_set("co", co.ravel())
    for name, off in tm.semantic_offsets(rest).items():
        kb = compat.new_shape_key(ob, name, 0.0)
        co = base.copy()
        co[:68, 0] += off[:, 0] * pm.scale
        co[:68, 2] -= off[:, 1] * pm.scale
        kb.data.foreach_set("co", co.ravel())
    return unit_px


def _key(fc, frames: np.ndarray, values: np.ndarray) -> None:
    n = len(frames)
    fc.keyframe_points.add(n)
    co = np.empty(2 * n, dtype=np.float32)
    co[0::2], co[1::2] = frames, values
    fc.keyframe_points.foreach_set("co", co)
    fc.update()


def next_take_name(base: str) -> str:
    k = 1
    while bpy.data.actions.get(f"{base} Take {k}") or bpy.data.actions.get(f"{base} Take {k} Head"):
        k += 1
    return f"{base} Take {k}"


def build_scene(scene, track: TrackData, image_path: str, audio_path: str | None = None,
                resolution: int | None = None):
    """Everything for one take: rest mesh, keys, F-curves of face and head, camera, fps, sound."""
    ob, head = build_rest(scene, image_path, track.rest, track.width, track.height, resolution)
    unit_px = _landmark_keys(ob, track.rest, track.width, track.height)
    expr, head_ch = tm.separate(track)
    n = track.n_frames
    frames = np.arange(1, n + 1, dtype=np.float64)       # track frame k is scene frame 1 + k
    take = next_take_name("MIT")

    key = ob.data.shape_keys
    face_action = bpy.data.actions.new(take)
    face_action.use_fake_user = True                     # older takes stay available
    sink = compat.ChannelSink(face_action, "KEY", "Face")
    values = expr / unit_px
    for region, idx in tm.REGIONS:
        for i in idx:
            for a, axis in enumerate(("x", "y")):
                fc = sink.new_fcurve(f'key_blocks["{tm.landmark_key_name(i, axis)}"].value', 0, region)
                _key(fc, frames, values[:, i, a])
    compat.assign_action(key, face_action, sink)

    pm = tm.PixelMap(track.width, track.height)
    pivot_w = pm.to_world(track.rest[:, :2].mean(axis=0))
    head_action = bpy.data.actions.new(take + " Head")
    head_action.use_fake_user = True
    hsink = compat.ChannelSink(head_action, "OBJECT", "Head")
    loc = np.stack([pivot_w[0] + head_ch[:, 0] * pm.scale, np.zeros(n), pivot_w[2] - head_ch[:, 1] * pm.scale], 1)
    for a in range(3):
        _key(hsink.new_fcurve("location", a, "Head"), frames, loc[:, a])
    _key(hsink.new_fcurve("rotation_euler", 1, "Head"), frames, np.radians(head_ch[:, 2]))
    for a in range(3):
        _key(hsink.new_fcurve("scale", a, "Head"), frames, head_ch[:, 3])
    compat.assign_action(head, head_action, hsink)

    compat.set_scene_fps(scene, track.fps)
    scene.frame_start, scene.frame_end = 1, n
    scene.frame_set(1)
    if audio_path and sound.add_sound_strip(scene, audio_path, frame_start=1) is None:
        ob["warning"] = sound.NO_AUDIO
    elif "warning" in ob:
        del ob["warning"]
    lm = find_role(scene, "landmarks")
    if lm is not None:
        lm.hide_set(True)
        lm.hide_render = True
    ob["take"] = take
    ob["track_engine"] = track.engine
    ob["track_params"] = json.dumps(track.params)
    ob["track_duration_s"] = float(track.duration_s)
    return ob


# ---- landmarks to correct by hand -------------------------------------------------------------
def place_landmarks(scene, rest: np.ndarray, width: int, height: int, image_path: str = ""):
    """MIT Landmarks: 68 vertices (edges along each region) slightly in front of the portrait."""
    pm = tm.PixelMap(width, height)
    world = pm.to_world(np.asarray(rest, dtype=np.float64)[:, :2])
    world[:, 1] = -0.01
    edges = []
    for name, idx in tm.REGIONS:
        idx = list(idx)
        edges += list(zip(idx[:-1], idx[1:]))
        if name.startswith(("Eye", "Lips")):
            edges.append((idx[-1], idx[0]))
    me = bpy.data.meshes.new("MIT Landmarks")
    me.from_pydata([tuple(p) for p in world], edges, [])
    me.update()
    ob = find_role(scene, "landmarks")
    if ob is None:
        ob = _new_object(scene, "MIT Landmarks", me, "landmarks")
    else:
        old = ob.data
        ob.data = me
        if old.users == 0:
            bpy.data.meshes.remove(old)
    ob.matrix_world = Matrix.Identity(4)
    ob.hide_render = True
    ob.hide_set(False)
    ob.show_in_front = True
    ob["image_size"] = (int(width), int(height))
    ob["image_path"] = os.path.abspath(image_path) if image_path else ""
    return ob


def read_landmarks(scene, image_path: str | None = None):
    """The (possibly hand-corrected) rest landmarks in pixels, or None when there are none (or when they
    were placed on another portrait than image_path)."""
    ob = find_role(scene, "landmarks")
    if ob is None or len(ob.data.vertices) != 68 or "image_size" not in ob:
        return None
    if image_path and ob.get("image_path") and os.path.abspath(image_path) != ob["image_path"]:
        return None
    if ob.mode == "EDIT":
        ob.update_from_editmode()
    w, h = ob["image_size"]
    co = np.empty(68 * 3, dtype=np.float64)
    ob.data.vertices.foreach_get("co", co)
    co = co.reshape(68, 3)
    mw = np.array(ob.matrix_world)
    world = co @ mw[:3, :3].T + mw[:3, 3]
    px = tm.PixelMap(int(w), int(h)).to_pixels(world)
    return np.concatenate([px, np.zeros((68, 1))], axis=1)
