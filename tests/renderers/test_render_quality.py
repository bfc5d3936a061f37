"""Issue 13's figures as tests with floors: one mesh for Blender and the warp, the rest frame, the mouth
in a grey portrait, lids that close over the eye, the 2.5-D turn, odd portraits, speed."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
from support.render_figures import (blender_frames, blink_frames, inner_mouth_mask, rest_frame_error, saturation,
                            talking_frames, turn_frames, variants)
from support.render_helpers import portrait, rest, talking_track, track_of

from makeittalk_blender.core import mesh_layout as ml
from makeittalk_blender.core.delaunay import orientation
from makeittalk_server import renderers
from makeittalk_server.config import Settings
from makeittalk_server.params import RenderRequest
from makeittalk_server.progress import Progress
from makeittalk_server.renderers import mesh as mesh_mod
from makeittalk_server.renderers.warp import WarpPlan


def test_layout_keeps_landmarks_first_and_follows_them():
    r = rest()
    lay = ml.build(r, 256, 256)
    np.testing.assert_array_equal(lay.points[:68], r)
    assert lay.n_dense >= 40 and lay.n_vertices > 150                # denser than landmarks + rings
    assert np.allclose(lay.follow[:68], np.eye(68)) and (lay.follow[68:].sum(axis=1) <= 1.0 + 1e-9).all()
    o = orientation(lay.points, lay.tris)
    flipped = o > 1e-9                                                # nothing folded at rest but
    assert (lay.kind[flipped] == ml.MOUTH).all() and (o[flipped] < 2.0).all()   # crossed-lip slivers
    assert abs(lay.z[:68].mean()) < 1e-9 and lay.z[30] > lay.z[0]      # the nose nearer than the jaw
    moved = r.copy()
    moved[57] += [0.0, 6.0]                                           # the lower lip drops...
    v = ml.vertices(lay, moved, {}, r.mean(axis=0))
    np.testing.assert_allclose(v[:68], moved, atol=1e-9)              # ...exactly where the track says
    chin = lay.slice_of("dense")
    assert (v[chin] - lay.points[chin])[:, 1].max() > 1.0               # and pulls the chin skin along


def test_the_same_triangles_in_the_warp_and_in_blender():
    bpy = pytest.importorskip("bpy", reason="needs Blender as a module (pip install bpy)")
    from makeittalk_blender.blender.mesh import build_mesh

    from support.render_helpers import PORTRAIT

    r = rest()
    lay = ml.build(r, 256, 256)
    warp = mesh_mod.build(r, 256, 256)
    assert np.array_equal(warp.tris, lay.sheet())
    bpy.ops.wm.read_factory_settings(use_empty=True)
    image = bpy.data.images.load(str(PORTRAIT))
    me, lay_b, n = build_mesh("t", r, 256, 256, image)
    faces = np.array([list(p.vertices) for p in me.polygons])
    assert n == lay.n_vertices == len(me.vertices)
    assert np.array_equal(faces, lay.blender_faces())
    kinds = lay.kind[lay.kind != ml.EYE]
    skin = np.isin(kinds, (ml.SKIN, ml.MOUTH))
    assert np.array_equal(faces[skin], warp.tris[np.isin(warp.kind, (ml.SKIN, ml.MOUTH))])
    plan = WarpPlan(track_of([r], r), portrait())
    for (tris, _src), kind in zip(plan.teeth.layers, (ml.TEETH_LOWER, ml.TEETH_UPPER)):   # the teeth too
        assert len(tris) and np.array_equal(faces[kinds == kind], tris)
    mats = [p.material_index for p in me.polygons]
    assert {mats[i] for i in np.nonzero(np.isin(kinds, ml.TEETH))[0]} == {2}


def test_warp_and_blender_agree_within_one_level_over_a_talking_clip():
    pytest.importorskip("bpy", reason="needs Blender as a module (pip install bpy)")
    track = talking_track(n=10)
    frames = (0, 4, 9)
    got = blender_frames(track, 512, frames)
    assert not isinstance(got, str), got
    plan = WarpPlan(track, portrait(), 512, 512)
    mads = [np.abs(plan.frame(k).astype(float) - b).mean() for k, b in zip(frames, got)]
    assert max(mads) <= 1.0, mads


@pytest.mark.parametrize("size", [(256, 256), (512, 512), (400, 300), (160, 200), (1080, 1080)])
def test_rest_frame_reproduces_the_portrait_at_any_size(size):
    assert rest_frame_error(portrait(), *size) <= 0.5


def test_rest_frame_of_a_talking_track_has_no_seam_or_offset():
    img = portrait()
    track = talking_track(n=1)                                    # frame 0: rest face, identity pose
    out = WarpPlan(track, img).frame(0)
    assert np.array_equal(out, img)


def test_open_mouth_of_a_grey_portrait_stays_grey_and_a_statue_keeps_its_hue():
    r = rest()
    f = talking_frames(5)
    for name in ("bw photo", "statue"):
        img = variants()[name]
        plan = WarpPlan(track_of(f, r), img)
        for k in (2, 3):
            out = plan.frame(k)
            mouth = inner_mouth_mask(f[k], img.shape)
            assert mouth.sum() > 40
            assert saturation(out[mouth]).mean() <= saturation(img).mean() + 1e-9, name
        if name == "statue":
            hue = cv2.cvtColor(out[None, mouth], cv2.COLOR_RGB2HSV)[0, :, 0].astype(float)
            face_hue = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)[..., 0].astype(float).mean()
            assert abs(np.median(hue) - face_hue) < 10


def test_open_mouth_shows_teeth_under_the_upper_lip_and_no_ring():
    img = portrait()
    r = rest()
    f = talking_frames(5)[2]
    out = WarpPlan(track_of([f], r), img).frame(0)
    mouth = inner_mouth_mask(f, img.shape)
    lum = out.astype(float).mean(axis=2)
    ys = np.arange(img.shape[0])[:, None]
    upper = mouth & (ys < f[[61, 62, 63], 1].mean() + 3)
    middle = mouth & (np.abs(ys - f[60:68, 1].mean()) < 2)
    assert lum[upper].max() > 150                          # teeth
    assert lum[middle].mean() < 70                         # a dark cavity between them, not a grey ring
    corners = mouth & ((np.arange(img.shape[1])[None, :] < f[60, 0] + 3) | (np.arange(img.shape[1])[None, :] > f[64, 0] - 3))
    assert lum[corners].mean() < 80                        # dark at the corners


def test_the_portraits_own_open_mouth_can_be_kept():
    img = portrait()
    r = rest()
    f = talking_frames(5)[2]
    keep = WarpPlan(track_of([f], r), img, mouth="portrait").frame(0)
    inner = WarpPlan(track_of([f], r), img, mouth="interior").frame(0)
    mouth = inner_mouth_mask(f, img.shape)
    assert np.abs(keep[mouth].astype(int) - inner[mouth]).mean() > 20


def test_a_closing_lid_hides_the_iris_without_squashing_it():
    img = portrait()
    r = rest()
    frames = blink_frames(r, (0.0, 0.5, 1.0))
    plan = WarpPlan(track_of(frames, r), img, 768, 768)
    s = 3.0
    half, shut = plan.frame(1), plan.frame(2)
    rest_img = plan.frame(0)
    for eye in (range(36, 42), range(42, 48)):
        c = r[list(eye)].mean(axis=0) * s
        box = (slice(int(c[1] - 3), int(c[1] + 4)), slice(int(c[0] - 6), int(c[0] + 7)))
        lid = r[[eye[1], eye[2]]].mean(axis=0) * s - [0, 6]          # skin just above the lid
        skin = rest_img[int(lid[1]) - 2:int(lid[1]) + 2, int(lid[0]) - 4:int(lid[0]) + 4].mean()
        iris = rest_img[box].mean()
        assert iris < skin - 20                                       # the iris is dark at rest
        assert shut[box].mean() > iris + 0.5 * (skin - iris)          # shut: lid skin over it
        # half shut: what still shows below the lid is the eyeball where it was (moved, not squashed)
        low = (slice(int(c[1] + 1), int(c[1] + 4)), box[1])
        assert np.abs(half[low].astype(float) - rest_img[low]).mean() < 25


def test_yaw_turns_the_face_in_depth():
    img = portrait()
    r = rest()
    frames, poses = turn_frames(r, ((12, 0),))
    plan = WarpPlan(track_of(frames, r, poses), img)
    v = plan.vertices(0)
    shift = v[:68, 0] - (r[:, 0] - 0.5)
    assert shift[30] > shift[[0, 16]].mean() + 2.0                    # the nose moves further than the jaw
    assert plan.frame(0).shape == img.shape


@pytest.mark.parametrize("kind", ["grey", "grey_alpha", "rgba", "uint16", "large"])
def test_warp_handles_grey_rgba_and_very_large_portraits(kind):
    img = portrait()
    if kind == "grey":
        src = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    elif kind == "grey_alpha":
        src = np.dstack([cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), np.full(img.shape[:2], 200, np.uint8)])
    elif kind == "rgba":
        src = np.dstack([img, np.full(img.shape[:2], 128, np.uint8)])
    elif kind == "uint16":
        src = img.astype(np.uint16) * 257
    else:
        src = cv2.resize(img, (4096, 4096), interpolation=cv2.INTER_LINEAR)
    r = renderers.get("warp", Settings())
    req = RenderRequest(width=256, height=256) if kind == "large" else RenderRequest()
    frames = list(r.render(talking_track(n=2), src, req, Progress()))
    assert frames[0].shape == (256, 256, 3) and frames[0].dtype == np.uint8
    base = list(r.render(talking_track(n=2), img, RenderRequest(), Progress()))[1].astype(float)
    if kind in ("rgba", "uint16"):
        assert np.array_equal(frames[1], base.astype(np.uint8))
    elif kind == "large":
        assert np.abs(frames[1] - base).mean() < 4


@pytest.mark.parametrize("size,max_ms", [(512, 1000 / 60), (1080, 1000 / 15)])
def test_warp_speed_floor_on_one_core(size, max_ms):
    """CPU time per frame on one thread (other processes inflate it far less than wall time): the
    targets of 60 fps at 512 px and 15 fps at 1080 px must hold on one core, let alone two."""
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        plan = WarpPlan(talking_track(n=12), portrait(), size, size)
        plan.frame(0)
        cpu = []
        for k in range(12):
            t0 = time.process_time()
            plan.frame(k)
            cpu.append(time.process_time() - t0)
        ms = float(np.median(cpu)) * 1000                 # the median frame: robust to a busy machine
    finally:
        cv2.setNumThreads(threads)
    assert ms <= max_ms, f"{ms:.1f} ms per frame at {size} px"
