"""glTF 2.0 binary (.glb): the portrait's face as a mesh with morph-target animation, written with
numpy and struct (no library).

* Mesh: a Delaunay triangulation (core/delaunay) of the 68 rest landmarks and the ring around the face
  that track_math.mesh_points puts there (the scene's mesh without the image border), in the image's
  plane: x right, y up, z towards the viewer, the image's larger side 2 units (the scene's scale),
  centred on the head pivot. UVs map it onto the portrait (TEXCOORD_0; no image is embedded).
* Morph targets: the channel shapes of core/channels.basis (jaw_open, mouth_corner_L, ...), the signed
  ones split in two ("brow_L+" up, "brow_L-" down); names in mesh.extras.targetNames. Each target is
  scaled so that its weights over the take fit [0, 1].
* Animation "talk": the targets' weights at every frame (LINEAR), and the head pose as the node's
  translation, rotation (roll about z) and scale; the last key is at the sound's end, so the clip is
  as long as the audio. extras carry fps and duration_s.
The mesh shows the channels, not each landmark's own residual motion.
"""

from __future__ import annotations

import json
import struct

import numpy as np

from .. import channels as ch
from ..delaunay import delaunay, orientation
from ..track_math import mesh_points

FLOAT, UINT = 5126, 5125


class _Bin:
    """The binary chunk, its bufferViews and accessors."""

    def __init__(self):
        self.data, self.views, self.accessors = bytearray(), [], []

    def add(self, array, kind: str, component=FLOAT, target=None, bounds=False) -> int:
        a = np.ascontiguousarray(array, dtype=np.float32 if component == FLOAT else np.uint32)
        while len(self.data) % 4:
            self.data.append(0)
        view = {"buffer": 0, "byteOffset": len(self.data), "byteLength": a.nbytes}
        if target:
            view["target"] = target
        self.data += a.tobytes()
        self.views.append(view)
        acc = {"bufferView": len(self.views) - 1, "componentType": component, "type": kind,
               "count": int(a.shape[0])}
        if bounds:
            flat = a.reshape(a.shape[0], -1)
            acc["min"], acc["max"] = flat.min(axis=0).tolist(), flat.max(axis=0).tolist()
        self.accessors.append(acc)
        return len(self.accessors) - 1


def _targets(track):
    """(names, n x 68 x 2 pixel shapes, n_frames x names weights in [0, 1])."""
    rest = track.rest[:, :2]
    coef = ch.coefficients(rest, track.channels, track.n_frames)
    b = ch.basis(rest)
    names, shapes, weights = [], [], []
    for j, name in enumerate(ch.LINEAR):
        for sign, suffix in ((1, "+" if name in ch.SIGNED else ""), (-1, "-")):
            w = np.clip(sign * coef[:, j], 0, None)
            if sign < 0 and name not in ch.SIGNED and not w.any():
                continue
            scale = max(1.0, float(w.max()))
            names.append(name + suffix)
            shapes.append(sign * scale * b[name])
            weights.append(w / scale)
    return names, np.stack(shapes), np.stack(weights, axis=1)


def glb(track) -> bytes:
    w, h = track.width, track.height
    s = 2.0 / max(w, h)
    mp = mesh_points(track.rest, w, h)
    pts = mp.points[:68 + mp.n_ring]
    pivot = track.pivot
    pos = np.stack([(pts[:, 0] - pivot[0]) * s, (pivot[1] - pts[:, 1]) * s, np.zeros(len(pts))], axis=1)
    uv = np.stack([pts[:, 0] / w, pts[:, 1] / h], axis=1)          # glTF UVs: origin top-left
    tri = delaunay(pts)
    flip = orientation(pos[:, :2], tri) < 0          # counter-clockwise seen from +z (glTF's front)
    tri[flip] = tri[flip][:, [0, 2, 1]]
    names, shapes, weights = _targets(track)
    binary = _Bin()
    attrs = {"POSITION": binary.add(pos, "VEC3", target=34962, bounds=True),
             "TEXCOORD_0": binary.add(uv, "VEC2", target=34962)}
    idx = binary.add(tri.reshape(-1), "SCALAR", UINT, target=34963)
    targets = []
    for shape in shapes:
        d = np.zeros((len(pts), 3))
        d[:68, 0], d[:68, 1] = shape[:, 0] * s, -shape[:, 1] * s
        targets.append({"POSITION": binary.add(d, "VEC3", target=34962, bounds=True)})
    anim = _animation(track, binary, weights, pivot, s)
    doc = {
        "asset": {"version": "2.0", "generator": "MakeItTalk for Blender"},
        "scene": 0, "scenes": [{"nodes": [0]}],
        "nodes": [{"name": "MIT Face", "mesh": 0, "translation": [0.0, 0.0, 0.0]}],
        "meshes": [{"name": "MIT Face", "weights": [0.0] * len(names), "extras": {"targetNames": names},
                    "primitives": [{"attributes": attrs, "indices": idx, "targets": targets, "mode": 4}]}],
        "animations": [anim],
        "buffers": [{"byteLength": len(binary.data)}], "bufferViews": binary.views, "accessors": binary.accessors,
        "extras": {"fps": float(track.fps), "duration_s": float(track.duration_s), "engine": track.engine},
    }
    return _pack(doc, bytes(binary.data))


def _animation(track, binary: _Bin, weights: np.ndarray, pivot, s: float) -> dict:
    times = np.arange(track.n_frames) / track.fps
    pose = track.head_pose
    if track.duration_s > times[-1] + 1e-6:         # hold the last pose to the end of the sound
        times = np.r_[times, track.duration_s]
        weights = np.vstack([weights, weights[-1:]])
        pose = pose + pose[-1:]
    t = binary.add(times, "SCALAR", bounds=True)
    roll = np.radians([p["roll_deg"] for p in pose])
    # image roll turns x towards y (down); in the y-up glTF plane that is clockwise: -roll about z
    rot = np.stack([np.zeros_like(roll), np.zeros_like(roll), np.sin(-roll / 2), np.cos(-roll / 2)], axis=1)
    trans = np.array([[p["tx"] * s, -p["ty"] * s, 0.0] for p in pose])
    scale = np.repeat(np.array([[p["scale"]] for p in pose]), 3, axis=1)
    outs = [binary.add(weights.reshape(-1), "SCALAR"), binary.add(trans, "VEC3"),
            binary.add(rot, "VEC4"), binary.add(scale, "VEC3")]
    paths = ("weights", "translation", "rotation", "scale")
    return {"name": "talk", "samplers": [{"input": t, "output": o, "interpolation": "LINEAR"} for o in outs],
            "channels": [{"sampler": k, "target": {"node": 0, "path": p}} for k, p in enumerate(paths)]}


def _pack(doc: dict, binary: bytes) -> bytes:
    js = json.dumps(doc, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 4)
    binary += b"\0" * (-len(binary) % 4)
    total = 12 + 8 + len(js) + 8 + len(binary)
    return (struct.pack("<III", 0x46546C67, 2, total) + struct.pack("<II", len(js), 0x4E4F534A) + js
            + struct.pack("<II", len(binary), 0x004E4942) + binary)


def read_glb(data: bytes) -> tuple[dict, bytes]:
    """(JSON, binary chunk) of a .glb, for checking one."""
    magic, version, total = struct.unpack_from("<III", data, 0)
    if magic != 0x46546C67 or version != 2 or total != len(data):
        raise ValueError("not a glTF 2.0 binary")
    n, kind = struct.unpack_from("<II", data, 12)
    doc = json.loads(data[20:20 + n])
    m, _ = struct.unpack_from("<II", data, 20 + n)
    return doc, data[28 + n:28 + n + m]


def accessor(doc: dict, binary: bytes, k: int) -> np.ndarray:
    acc = doc["accessors"][k]
    view = doc["bufferViews"][acc["bufferView"]]
    width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[acc["type"]]
    dtype = np.float32 if acc["componentType"] == FLOAT else np.uint32
    a = np.frombuffer(binary, dtype=dtype, count=acc["count"] * width, offset=view["byteOffset"])
    return a.reshape(acc["count"], width) if width > 1 else a
