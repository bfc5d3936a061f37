"""The one portrait mesh shared by the Blender scene and the warp renderer.

Vertices, in this order:
  0..67      the landmarks (vertex i = landmark i; they move with the track),
  dense      extra points where faces deform (lip middles, chin, cheeks, lids, forehead); each follows a
             fixed blend of landmark motions (`follow`), so one moved landmark bends the skin smoothly,
  face ring  an ellipse beyond forehead and chin: head motion only,
  static     a wider ring where it fits in the image, then the image border (never move),
  eyeballs   per eye a patch behind the eye opening, head motion only (Blender shows it through the eye
             hole; the warp samples the same rigid eye directly).
Triangles come from core/delaunay.py on a copy with the mouth laid open, lip and eye contours forced in
as edges, so both paths get exactly the same triangles. Coordinates are portrait pixels with pixel
centres at integers (the image's outer edge at -0.5 and W - 0.5). `z` is a smooth depth proxy (pixels
towards the viewer, mean 0 over the landmarks) for the 2.5-D head turn.

Pure numpy + stdlib: it runs inside Blender's Python; the server imports it as
makeittalk_blender.core.mesh_layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import delaunay as dl
from . import head_pose
from . import teeth_layout

N_LM = 68
N_BORDER = 16                # image-border points: the last of the static vertices
SKIN, MOUTH, EYE, EYEBALL = 0, 1, 2, 3
TEETH_UPPER, TEETH_LOWER = teeth_layout.UPPER, teeth_layout.LOWER
TEETH = (TEETH_UPPER, TEETH_LOWER)
N_EYEBALL = 14
RECESS = 0.06               # the inner lips sit this much of the face width behind the outer ones
INNER_LIP = tuple(range(60, 68))
OUTER_LIP = tuple(range(48, 60))
EYES = (tuple(range(36, 42)), tuple(range(42, 48)))
CLOSED_RATIO = 0.08          # rest inner-lip gap / mouth width below this = a closed-mouth portrait
EYEBALL_GROW = 1.45          # the eyeball patch is the eye opening scaled this much about its centre
# Mouth-interior texture coordinates by inner-lip landmark (u across, v up: upper lip at the top).
MOUTH_UV = {60: (0.0, 0.5), 61: (0.25, 1.0), 62: (0.5, 1.0), 63: (0.75, 1.0),
            64: (1.0, 0.5), 65: (0.75, 0.0), 66: (0.5, 0.0), 67: (0.25, 0.0)}
# outer-lip point -> inner-lip points it faces (the middle of the lip lies between them)
_LIP_PAIRS = {49: (60, 61), 50: (61,), 51: (62,), 52: (63,), 53: (63, 64),
              55: (64, 65), 56: (65,), 57: (66,), 58: (67,), 59: (67, 60)}
_CHIN_PAIRS = ((5, 48), (6, 59), (7, 58), (8, 57), (9, 56), (10, 55), (11, 54))
_UPPER_LID = ((36, 37, 18), (37, 38, 19), (38, 39, 20), (42, 43, 23), (43, 44, 24), (44, 45, 25))


@dataclass
class Layout:
    points: np.ndarray        # n x 2 rest positions (portrait pixels)
    z: np.ndarray             # n depth (pixels towards the viewer)
    head: np.ndarray          # n: 1 = moves with the head pose, 0 = static
    follow: np.ndarray        # n x 68: expression offset of vertex v = follow[v] @ landmark offsets
    tris: np.ndarray          # m x 3 vertex indices (clockwise in image coordinates)
    kind: np.ndarray          # m: SKIN, MOUTH, EYE, EYEBALL, TEETH_UPPER or TEETH_LOWER
    n_dense: int
    n_face_ring: int
    n_static: int
    mouth_open: bool          # the portrait's own mouth is open (keep its interior; no teeth strips)
    teeth_uv: np.ndarray      # uv (teeth picture, v up) of each teeth vertex (the last ones)

    @property
    def n_vertices(self) -> int:
        return len(self.points)

    @property
    def n_ring(self) -> int:
        """Non-landmark vertices before the static ones (dense + face ring)."""
        return self.n_dense + self.n_face_ring

    @property
    def n_border(self) -> int:
        return self.n_static

    def edge_points(self) -> np.ndarray:
        """The points with the landmarks' numbers read as pixel-edge coordinates (Blender's PixelMap and
        the warp's output mapping both do): the border moves out by half a pixel onto the image edge."""
        out = self.points.copy()
        st = self.slice_of("static")
        out[st.stop - N_BORDER:st.stop] += 0.5
        return out

    def slice_of(self, part: str) -> slice:
        a = N_LM
        for name, n in (("dense", self.n_dense), ("face_ring", self.n_face_ring), ("static", self.n_static)):
            if name == part:
                return slice(a, a + n)
            a += n
        if part == "eyeball":
            return slice(a, a + N_EYEBALL)
        return slice(a + N_EYEBALL, self.n_vertices)          # "teeth"

    def sheet(self) -> np.ndarray:
        """Triangles of the portrait sheet (no eyeball patches, no teeth): what the warp scan-converts
        in one pass (it samples the rigid eye directly and draws the teeth clipped to the mouth)."""
        return self.tris[(self.kind != EYEBALL) & ~np.isin(self.kind, TEETH)]

    def blender_faces(self) -> np.ndarray:
        """Triangles of the Blender mesh: the sheet with the eye openings left as holes, plus the
        eyeball patches behind them."""
        return self.tris[self.kind != EYE]


def mouth_gap(lm: np.ndarray) -> float:
    return float(np.mean(np.abs(lm[[67, 66, 65], 1] - lm[[61, 62, 63], 1])))


def _dense(lm: np.ndarray):
    """(points k x 2, follow k x 68) of the extra points."""
    pts, fol = [], []

    def add(p, weights):
        w = np.zeros(N_LM)
        for i, x in weights.items():
            w[i] += x
        pts.append(p)
        fol.append(w)

    for o, inner in _LIP_PAIRS.items():                    # the middle of each lip
        q = lm[list(inner)].mean(axis=0)
        add(0.5 * (lm[o] + q), {o: 0.5, **{i: 0.5 / len(inner) for i in inner}})
    for t in (0.36, 0.7):                                 # two rows between the lower lip and the jaw
        for k, (j, li) in enumerate(_CHIN_PAIRS):
            nb = _CHIN_PAIRS[max(k - 1, 0)][0], _CHIN_PAIRS[min(k + 1, len(_CHIN_PAIRS) - 1)][0]
            w = {li: 1 - t}
            for jj, x in ((j, 0.5 * t), (nb[0], 0.25 * t), (nb[1], 0.25 * t)):
                w[jj] = w.get(jj, 0.0) + x
            add(sum(lm[i] * x for i, x in w.items()), w)
    for a, b in ((31, 2), (48, 3), (48, 4), (35, 14), (54, 13), (54, 12), (31, 1), (35, 15)):   # cheeks
        add(0.5 * (lm[a] + lm[b]), {a: 0.3, b: 0.3})
    for a, b in ((50, 32), (51, 33), (52, 34), (49, 31), (53, 35)):     # between the upper lip and the nose
        add(0.5 * (lm[a] + lm[b]), {a: 0.5, b: 0.5})
    for a, b, brow in _UPPER_LID:                          # the lid crease: mostly the brow
        lid = 0.5 * (lm[a] + lm[b])
        add(lid + 0.4 * (lm[brow] - lid), {a: 0.08, b: 0.08, brow: 0.4})
    for lo, up in ((41, 37), (40, 38), (47, 43), (46, 44)):             # below the lower lids
        add(lm[lo] + 0.7 * (lm[lo] - lm[up]), {lo: 0.35})
    for eye, brows in ((EYES[0], range(17, 22)), (EYES[1], range(22, 27))):   # above the brows
        c = lm[list(eye)].mean(axis=0)
        for b in brows:
            add(lm[b] + 0.45 * (lm[b] - c), {b: 0.5})
    c = lm.mean(axis=0)
    for j in range(3, 14):                                # under the jaw line: a little of the jaw's motion
        add(lm[j] + 0.22 * (lm[j] - c), {j: 0.3})
    return np.array(pts), np.array(fol)


def _inside(p: np.ndarray, width: int, height: int) -> np.ndarray:
    m = 0.02 * min(width, height) + 1.0
    return (p[:, 0] > m - 0.5) & (p[:, 0] < width - 0.5 - m) & (p[:, 1] > m - 0.5) & (p[:, 1] < height - 0.5 - m)


def _ellipse(centre, rx, ry, n, phase=0.0) -> np.ndarray:
    a = phase + 2 * math.pi * np.arange(n) / n
    return np.stack([centre[0] + rx * np.cos(a), centre[1] + ry * np.sin(a)], axis=1)


def _rings(lm: np.ndarray, width: int, height: int):
    lo, hi = lm.min(axis=0), lm.max(axis=0)
    half = np.maximum((hi - lo) / 2, 4.0)
    c = (lo + hi) / 2 - [0.0, 0.15 * half[1]]         # the landmarks stop at the brows
    face = _ellipse(c, 1.3 * half[0], 1.5 * half[1], 20)
    static = _ellipse(c, 1.9 * half[0], 2.1 * half[1], 16, phase=math.pi / 16)
    x0, y0, x1, y1 = -0.5, -0.5, width - 0.5, height - 0.5
    border = []
    for t in (0.0, 0.25, 0.5, 0.75):
        border += [(x0 + t * (x1 - x0), y0), (x1, y0 + t * (y1 - y0)),
                   (x1 - t * (x1 - x0), y1), (x0, y1 - t * (y1 - y0))]
    border = np.array(border)
    face = face[_inside(face, width, height)]
    if len(face):            # a ring point on a landmark would make slivers
        face = face[np.linalg.norm(face[:, None] - lm[None], axis=2).min(axis=1) > 0.05 * half[0]]
    m = 0.04 * min(width, height)
    static = static[(static[:, 0] > m) & (static[:, 0] < width - 1 - m) & (static[:, 1] > m)
                    & (static[:, 1] < height - 1 - m)]
    if len(static) and len(face):
        static = static[np.linalg.norm(static[:, None] - face[None], axis=2).min(axis=1) > 2.0]
    return face, np.concatenate([static.reshape(-1, 2), border])


def _opened(lm: np.ndarray) -> np.ndarray:
    """Landmarks with the inner lips moved halfway towards the outer ones: a closed (or crossed) mouth
    laid open, only for choosing the triangles."""
    out = lm.copy()
    cy = lm[list(INNER_LIP), 1].mean()
    for inner, outer in {61: 50, 62: 51, 63: 52, 65: 56, 66: 57, 67: 58}.items():
        out[inner, 1] = cy + 0.5 * (lm[outer, 1] - cy)
    return out


def _depth(pts: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """A smooth face-shaped bump: a half ellipsoid over the face plus the nose, zero off the face."""
    lo, hi = lm.min(axis=0), lm.max(axis=0)
    fw = max(hi[0] - lo[0], 1.0)
    c = (lo + hi) / 2 - [0.0, 0.1 * (hi[1] - lo[1])]
    r = np.array([0.62 * fw, 0.72 * max(hi[1] - lo[1], 1.0)])
    q = (((pts - c) / r) ** 2).sum(axis=1)
    z = 0.45 * fw * np.sqrt(np.clip(1.0 - q, 0.0, None))
    z += 0.16 * fw * np.exp(-((pts - lm[30]) ** 2).sum(axis=1) / (2 * (0.1 * fw) ** 2))
    return z


def _kinds(topo: np.ndarray, tris: np.ndarray) -> np.ndarray:
    kind = np.full(len(tris), SKIN)
    cen = topo[tris].mean(axis=1)
    for group, k in ((INNER_LIP, MOUTH), (EYES[0], EYE), (EYES[1], EYE)):
        on = np.isin(tris, group).all(axis=1)
        inside = np.array([point_in_polygon(p, topo[list(group)]) for p in cen])
        kind[on & inside] = k
    return kind


def _eyeballs(lm: np.ndarray, start: int):
    """Per eye: the grown opening (6 points) and its centre; triangles fanning from the centre."""
    pts, tris = [], []
    for eye in EYES:
        ring = lm[list(eye)]
        c = ring.mean(axis=0)
        base = start + len(pts)
        pts += list(c + EYEBALL_GROW * (ring - c)) + [c]
        tris += [[base + 6, base + k, base + (k + 1) % 6] for k in range(6)]
    return np.array(pts), np.array(tris)


def build(rest: np.ndarray, width: int, height: int) -> Layout:
    """The layout for a portrait of width x height pixels whose rest landmarks are `rest` (68 x 2+)."""
    lm = np.asarray(rest, dtype=np.float64)[:N_LM, :2]
    dense, follow = _dense(lm)
    keep = _inside(dense, width, height)
    dense, follow = dense[keep], follow[keep]
    face, fixed = _rings(lm, width, height)
    sheet = np.concatenate([lm, dense, face, fixed])
    opened = _opened(lm)
    topo = _separate(np.concatenate([opened, _dense(opened)[0][keep], face, fixed]))
    contours = [(g[k], g[(k + 1) % len(g)]) for g in (INNER_LIP, OUTER_LIP) + EYES for k in range(len(g))]
    tris = dl.recover_edges(topo, dl.delaunay(topo), contours)
    kind = _kinds(topo, tris)
    eye_pts, eye_tris = _eyeballs(lm, len(sheet))
    mw = float(np.linalg.norm(lm[54] - lm[48])) or 1.0
    mouth_open = mouth_gap(lm) >= CLOSED_RATIO * mw
    t_pts, t_fol, t_uv, t_tris, t_kind = teeth_layout.build(lm, len(sheet) + len(eye_pts))
    if mouth_open:                   # the portrait's own teeth show: no strips
        t_pts, t_fol, t_uv, t_tris, t_kind = (a[:0] for a in (t_pts, t_fol, t_uv, t_tris, t_kind))
    pts = np.concatenate([sheet, eye_pts, t_pts.reshape(-1, 2)])
    n = len(pts)
    fol = np.zeros((n, N_LM))
    fol[:N_LM] = np.eye(N_LM)
    fol[N_LM:N_LM + len(dense)] = follow
    fol[n - len(t_pts):] = t_fol.reshape(-1, N_LM)
    head = np.ones(n)
    head[len(sheet) - len(fixed):len(sheet)] = 0.0
    z = _layer_depths(_depth(pts, lm), lm, len(sheet), len(t_pts))
    all_tris = np.concatenate([tris, eye_tris, t_tris.reshape(-1, 3)])
    all_kind = np.concatenate([kind, np.full(len(eye_tris), EYEBALL), t_kind])
    winding = pts.copy()             # wound as laid out (mouth open), so an opening mouth never flips
    winding[:len(topo)] = topo
    return Layout(points=pts, z=z, head=head, follow=fol, tris=dl.orient(winding, all_tris), kind=all_kind,
                  n_dense=len(dense), n_face_ring=len(face), n_static=len(fixed), mouth_open=mouth_open,
                  teeth_uv=t_uv.reshape(-1, 2))


def _layer_depths(z: np.ndarray, lm: np.ndarray, n_sheet: int, n_teeth: int) -> np.ndarray:
    """Depths with the inner lips recessed (flat) and the teeth a hair in front of them (upper before
    lower), the eyeballs behind the lids; mean 0 over the landmarks."""
    fw = float(lm[:, 0].max() - lm[:, 0].min()) or 1.0
    z = z.copy()
    back = z[list(OUTER_LIP)].mean() - RECESS * fw
    z[list(INNER_LIP)] = back
    z[n_sheet:n_sheet + N_EYEBALL] -= 0.03 * fw
    if n_teeth:
        t = slice(len(z) - n_teeth, len(z))
        z[t] = back + 0.002 * RECESS * fw
        z[len(z) - n_teeth:len(z) - n_teeth // 2] += 0.002 * RECESS * fw      # the upper strip in front
    return z - z[:N_LM].mean()


def _separate(p: np.ndarray, min_dist: float = 0.05) -> np.ndarray:
    """Points closer than min_dist nudged apart (only for triangulating), so every vertex is used."""
    p = p.copy()
    for _ in range(8):
        d = np.linalg.norm(p[:, None] - p[None], axis=2) + np.eye(len(p)) * 1e9
        i, j = np.nonzero(np.triu(d < min_dist))
        if not len(i):
            break
        p[j] += [min_dist, 0.5 * min_dist]
    return p


def point_in_polygon(pt, poly: np.ndarray) -> bool:
    x, y = pt
    inside = False
    n = len(poly)
    for k in range(n):
        xa, ya = poly[k]
        xb, yb = poly[(k + 1) % n]
        if (ya > y) != (yb > y) and x < xa + (y - ya) * (xb - xa) / (yb - ya):
            inside = not inside
    return inside


# ---- per frame ----------------------------------------------------------------------------------
def pose_matrix(pose: dict) -> np.ndarray:
    r = math.radians(pose.get("roll_deg", 0.0))
    s = pose.get("scale", 1.0)
    return s * np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])


def inverse_pose_matrix(pose: dict) -> np.ndarray:
    """The inverse of pose_matrix in closed form (np.linalg.inv costs milliseconds on a busy machine)."""
    r = math.radians(pose.get("roll_deg", 0.0))
    s = pose.get("scale", 1.0) or 1.0
    return np.array([[math.cos(r), math.sin(r)], [-math.sin(r), math.cos(r)]]) / s


def landmark_depth(rest: np.ndarray) -> np.ndarray:
    """The 68 landmarks' depth (pixels towards the viewer, mean 0), as build(rest, ...).z[:68] holds it:
    what an engine turns its landmarks with, and what takes the turn out again (head_pose)."""
    lm = np.asarray(rest, dtype=np.float64)[:N_LM, :2]
    return _layer_depths(_depth(lm, lm), lm, N_LM, 0)


def expression(layout: Layout, landmarks: np.ndarray, pose: dict, pivot: np.ndarray) -> np.ndarray:
    """68 x 2 landmark offsets from the rest face with the head pose (turn in depth included) taken out."""
    lm = np.asarray(landmarks, dtype=np.float64)[:N_LM, :2]
    return head_pose.remove(lm[None], head_pose.pose_array([pose or {}]), layout.z[:N_LM], pivot)[0] \
        - layout.points[:N_LM]


def vertices(layout: Layout, landmarks: np.ndarray, pose: dict | None, pivot: np.ndarray) -> np.ndarray:
    """Vertex positions of one frame: each vertex's share of the expression, then the head (similarity
    about pivot and the turn in depth, as the Blender rig turns it) for the vertices that move with the
    head. Landmarks land exactly on `landmarks`."""
    pose = pose or {}
    expr = expression(layout, landmarks, pose, pivot)
    v = layout.points + layout.follow @ expr
    posed = head_pose.apply(v[None], head_pose.pose_array([pose]), layout.z, pivot)[0]
    h = layout.head[:, None]
    return v + h * (posed - v)
