"""The warp renderer: identity, a known move of one landmark, the mouth cavity, sizes, head motion."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from support.render_figures import inner_mouth_mask
from support.render_helpers import (IDENTITY_POSE, open_mouth, portrait, rest, smooth_image, talking_track,
                            track_of)

from makeittalk_server import renderers
from makeittalk_server.config import Settings
from makeittalk_server.errors import BadInput, EngineNotReady
from makeittalk_server.params import RenderRequest
from makeittalk_server.progress import Progress
from makeittalk_server.renderers import mesh, raster
from makeittalk_server.renderers.warp import WarpPlan


def render_all(track, img, **req):
    r = renderers.get("warp", Settings())
    return list(r.render(track, img, RenderRequest(**req), Progress()))


def test_identity_track_gives_the_portrait_back():
    img = portrait()
    r = rest()
    frames = render_all(track_of([r, r, r], r), img)
    assert len(frames) == 3
    for f in frames:
        assert f.shape == img.shape and f.dtype == np.uint8
        assert np.array_equal(f, img)


def test_identity_track_at_another_size_is_the_resized_portrait():
    img = portrait()
    r = rest()
    (f,) = render_all(track_of([r], r), img, width=400, height=300)      # growing: bilinear samples
    assert f.shape == (300, 400, 3)
    diff = np.abs(f.astype(int) - cv2.resize(img, (400, 300), interpolation=cv2.INTER_LINEAR))
    assert diff.mean() < 0.5 and diff.max() <= 3                          # remap's 1/32 px vs resize's weights
    (f,) = render_all(track_of([r], r), img, width=200, height=120)      # shrinking: one area resize
    assert np.array_equal(f, cv2.resize(img, (200, 120), interpolation=cv2.INTER_AREA))


def _barycentric(p, a, b, c):
    m = np.array([[b[0] - a[0], c[0] - a[0]], [b[1] - a[1], c[1] - a[1]]])
    u, v = np.linalg.solve(m, np.asarray(p, float) - a)
    return np.array([1 - u - v, u, v])


def _bilinear(img, x, y):
    x0, y0 = int(np.floor(x)), int(np.floor(y))
    fx, fy = x - x0, y - y0
    p = img.astype(np.float64)
    return ((1 - fx) * (1 - fy) * p[y0, x0] + fx * (1 - fy) * p[y0, x0 + 1]
            + (1 - fx) * fy * p[y0 + 1, x0] + fx * fy * p[y0 + 1, x0 + 1])


def test_moving_one_landmark_moves_the_pixels_of_its_triangles_affinely():
    img = smooth_image()
    r = rest()
    moved = r.copy()
    moved[30] += [5.0, -3.0]                       # the nose tip
    plan = WarpPlan(track_of([moved], r), img)
    out = plan.frame(0)
    tris = plan.mesh.tris
    dst, src = plan.vertices(0), plan.rest_out
    around = tris[(tris == 30).any(axis=1)]
    assert len(around) >= 3
    checked = 0
    for t in around:
        a, b, c = dst[t]
        lo = np.floor(dst[t].min(axis=0)).astype(int)
        hi = np.ceil(dst[t].max(axis=0)).astype(int)
        for y in range(lo[1], hi[1] + 1, 2):
            for x in range(lo[0], hi[0] + 1, 2):
                w = _barycentric((x, y), a, b, c)
                if w.min() < 0.08:                 # keep away from the edges
                    continue
                sx, sy = w @ src[t]
                assert np.abs(out[y, x] - _bilinear(img, sx, sy)).max() <= 2.0
                checked += 1
    assert checked > 30
    # Pixels of triangles not touching the moved point stay exactly as they were.
    index = raster.triangle_index_map(dst, tris, *img.shape[:2]).astype(int) - 1
    untouched = ~np.isin(index, np.nonzero((tris == 30).any(axis=1))[0])
    untouched = cv2.erode(untouched.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert np.array_equal(out[untouched], img[untouched])


def test_vertex_colour_travels_with_the_vertex():
    img = smooth_image()
    r = rest()
    moved = r.copy()
    moved[30] = np.round(moved[30]) + [4.0, 2.0]
    (out,) = render_all(track_of([moved], r), img)
    x0, y0 = np.round(r[30]).astype(int)
    x1, y1 = np.round(moved[30]).astype(int)
    assert np.abs(out[y1, x1].astype(int) - img[y0, x0]).max() <= 1


def test_scan_conversion_gives_every_pixel_the_triangle_containing_it():
    r = rest()
    m = mesh.build(r, 256, 256)
    deformed = m.deform(open_mouth(r, 10.0), dict(IDENTITY_POSE, roll_deg=5.0, tx=3.0))
    index = raster.triangle_index_map(deformed, m.tris, 256, 256).astype(int) - 1
    assert index.min() >= 0, "every pixel centre lies in the mesh"
    ys, xs = np.mgrid[0:256, 0:256]
    p = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(float)
    tri = deformed[m.tris[index.ravel()]]

    def cross(u, v, w):
        return (v[:, 0] - u[:, 0]) * (w[:, 1] - u[:, 1]) - (v[:, 1] - u[:, 1]) * (w[:, 0] - u[:, 0])

    sign = np.sign(cross(tri[:, 0], tri[:, 1], tri[:, 2]))[:, None]     # either winding
    c = np.stack([cross(tri[:, 0], tri[:, 1], p), cross(tri[:, 1], tri[:, 2], p), cross(tri[:, 2], tri[:, 0], p)], 1)
    inside = (c * sign >= -1e-7).all(axis=1)
    assert inside.all()


def test_mesh_keeps_the_lip_contours_as_edges():
    m = mesh.build(rest(), 256, 256)
    edges = {tuple(sorted(e)) for t in m.tris.tolist() for e in ((t[0], t[1]), (t[1], t[2]), (t[2], t[0]))}
    for ring in (range(60, 68), range(48, 60)):
        ring = list(ring)
        for i in range(len(ring)):
            assert tuple(sorted((ring[i], ring[(i + 1) % len(ring)]))) in edges
    assert np.isin(m.tris[m.kind == 1], range(60, 68)).all()              # the mouth: inner lips only


def test_open_mouth_shows_a_dark_cavity():
    img = portrait()
    r = rest()
    f = open_mouth(r, 14.0)
    (out,) = render_all(track_of([f], r), img, teeth=False)
    inside = inner_mouth_mask(f, img.shape)
    assert inside.sum() > 60
    lum = out[inside].astype(float).mean(axis=1)
    assert lum.mean() < 45, lum.mean()                    # a dark cavity, not stretched lips
    assert img[inside].astype(float).mean() > 90          # ... where the portrait had lit skin/lips


def test_open_mouth_with_teeth_shows_light_teeth_under_the_upper_lip():
    img = portrait()
    r = rest()
    f = open_mouth(r, 14.0)
    (out,) = render_all(track_of([f], r), img, teeth=True)
    inside = inner_mouth_mask(f, img.shape)
    lum = out.astype(float).mean(axis=2)
    upper = inside & (np.arange(256)[:, None] < f[[61, 62, 63], 1].mean() + 3)
    lower = inside & (np.arange(256)[:, None] > f[[65, 66, 67], 1].mean() - 4)
    assert lum[upper].max() > 180                         # teeth
    assert lum[lower].mean() < lum[upper].mean()


def test_closed_mouth_frame_paints_no_cavity():
    img = portrait()
    r = rest()
    moved = r.copy()
    moved[8] += [0, 1.0]
    (out,) = render_all(track_of([moved], r), img)
    mouth = np.zeros(img.shape[:2], bool)
    x0, y0 = np.floor(r[48:68].min(axis=0)).astype(int)
    x1, y1 = np.ceil(r[48:68].max(axis=0)).astype(int)
    mouth[y0:y1, x0:x1] = True
    assert np.abs(out[mouth].astype(int) - img[mouth]).max() <= 40    # no dark fill


def test_head_translation_moves_the_face_and_leaves_the_corners():
    img = portrait()
    r = rest()
    pose = dict(IDENTITY_POSE, tx=6.0, ty=-4.0)
    (out,) = render_all(track_of([r + [6.0, -4.0]], r, [pose]), img)
    # inside the face: a pure shift by whole pixels
    face = np.zeros(img.shape[:2], bool)
    face[int(r[:, 1].min()) + 8:int(r[:, 1].max()) - 8, int(r[:, 0].min()) + 8:int(r[:, 0].max()) - 8] = True
    ys, xs = np.nonzero(face)
    assert np.abs(out[ys - 4, xs + 6].astype(int) - img[ys, xs]).max() <= 1
    # the border stays (its corner pixels lie in triangles reaching the face ring: under half a pixel)
    for y, x in ((0, 0), (0, 255), (255, 0), (255, 255)):
        assert np.abs(out[y, x].astype(int) - img[y, x]).max() <= 4


def test_sizes_and_frame_counts():
    track = talking_track(n=7)
    img = portrait()
    assert [f.shape for f in render_all(track, img)] == [(256, 256, 3)] * 7
    assert [f.shape for f in render_all(track, img, width=320, height=200)] == [(200, 320, 3)] * 7
    assert render_all(track, img, width=128)[0].shape == (128, 128, 3)     # aspect kept
    assert render_all(track, img, height=64)[0].shape == (64, 64, 3)


def test_a_portrait_of_another_size_than_the_track_is_scaled():
    track = talking_track(n=2)
    big = cv2.resize(portrait(), (512, 512), interpolation=cv2.INTER_CUBIC)
    frames = render_all(track, big)
    assert frames[0].shape == (512, 512, 3)
    small = render_all(track, portrait())
    down = cv2.resize(frames[1], (256, 256), interpolation=cv2.INTER_AREA)
    assert np.abs(down.astype(int) - small[1]).mean() < 6


def test_folded_landmarks_do_not_break_rendering():
    r = rest()
    f = r.copy()
    f[[61, 62, 63]], f[[67, 66, 65]] = r[[67, 66, 65]] + [0, 6], r[[61, 62, 63]] - [0, 6]   # lips crossed
    f[30] = f[8]                                                                           # nose on chin
    (out,) = render_all(track_of([f], r), portrait())
    assert out.shape == (256, 256, 3)


def test_cancel_stops_rendering():
    progress = Progress()
    r = renderers.get("warp", Settings())
    it = r.render(talking_track(n=5), portrait(), RenderRequest(), progress)
    next(it)
    progress.cancel()
    from makeittalk_server.errors import Cancelled

    with pytest.raises(Cancelled):
        next(it)


def test_bad_image_is_refused():
    r = renderers.get("warp", Settings())
    for bad in (np.zeros((64, 64, 5), np.uint8), np.zeros(64, np.uint8), np.zeros((64, 64, 3), np.float32)):
        with pytest.raises(BadInput):
            list(r.render(talking_track(n=1), bad, RenderRequest(), Progress()))


def test_neural_renderer_without_checkpoint_says_why(tmp_path):
    with pytest.raises(EngineNotReady, match="ckpt_116_i2i_comb.pth"):
        renderers.get("neural", Settings(checkpoints_dir=tmp_path))
    with pytest.raises(EngineNotReady, match="no checkpoints folder"):
        renderers.get("neural", Settings())


def test_run_length_and_impulse_scan_conversion_agree():
    r = rest()
    m = mesh.build(r, 256, 256)
    deformed = m.deform(open_mouth(r, 8.0), dict(IDENTITY_POSE, roll_deg=-4.0, ty=2.0))
    fast = raster.triangle_index_map(deformed, m.tris, 256, 256)
    slow = raster.triangle_index_map(deformed, m.tris, 256, 256, allow_runs=False)
    assert np.array_equal(fast, slow)
    tri, row, xs, xe = raster.triangle_spans(deformed, m.tris, 256, 256)
    order = np.lexsort((xs, row))
    assert raster._tiles_every_row(row[order], xs[order], xe[order], 256, 256)


def test_more_than_255_triangles_use_the_wide_index():
    rng = np.random.default_rng(1)
    pts = np.concatenate([rng.uniform(0, 255, (200, 2)), [[-0.5, -0.5], [255.5, -0.5], [255.5, 255.5], [-0.5, 255.5]]])
    from scipy.spatial import Delaunay

    tris = Delaunay(pts).simplices
    assert len(tris) > 255
    moved = pts.copy()
    moved[:200] += rng.normal(0, 0.3, (200, 2))
    ev = raster.MapEvaluator(256, 256)
    mx, my = ev.maps(moved, pts, tris)
    index = raster.triangle_index_map(moved, tris, 256, 256)
    assert index.dtype == np.uint16 and index.min() >= 1
    # at each triangle's centroid the map returns the rest centroid
    c_dst, c_src = moved[tris].mean(axis=1), pts[tris].mean(axis=1)
    x, y = np.round(c_dst).astype(int).T
    hit = index[y, x].astype(int) - 1
    same = hit == np.arange(len(tris))
    assert same.sum() > 100
    a = raster.affines(moved, pts, tris)
    expect = np.einsum("mij,mj->mi", a[:, :, :2], np.stack([x, y], 1).astype(float)) + a[:, :, 2]
    assert np.allclose(mx[y, x][same], expect[same, 0], atol=1e-3)
    assert np.allclose(my[y, x][same], expect[same, 1], atol=1e-3)
    assert np.abs(expect[same] - c_src[same]).max() < 3


def test_run_length_maps_equal_the_lookup_table_maps():
    r = rest()
    m = mesh.build(r, 256, 256)
    deformed = m.deform(open_mouth(r, 9.0), dict(IDENTITY_POSE, roll_deg=3.0, tx=-2.0, scale=1.03))
    ev = raster.MapEvaluator(256, 256)
    fx, fy = ev.maps(deformed, m.rest, m.tris)
    sx, sy = ev.maps(deformed, m.rest, m.tris, allow_runs=False)
    assert np.abs(fx - sx).max() < 1e-3 and np.abs(fy - sy).max() < 1e-3


def test_torch_backend_matches_opencv():
    """The GPU path's arithmetic, run with torch on the CPU: same frames within bilinear rounding."""
    pytest.importorskip("torch")
    track = talking_track(n=3)
    img = portrait()
    cv_plan = WarpPlan(track, img, 300, 240)
    torch_plan = WarpPlan(track, img, 300, 240, device="cpu")
    for k in range(3):
        a = cv_plan.frame(k).astype(int)
        b = torch_plan.frame(k).astype(int)
        assert a.shape == b.shape
        assert np.abs(a - b).mean() < 0.2 and np.abs(a - b).max() <= 3
    r = rest()
    f = r.copy()
    f[[61, 62, 63]], f[[67, 66, 65]] = r[[67, 66, 65]] + [0, 6], r[[61, 62, 63]] - [0, 6]   # a fold
    folded = track_of([f], r)
    a = WarpPlan(folded, img).frame(0).astype(int)
    b = WarpPlan(folded, img, device="cpu").frame(0).astype(int)
    assert np.abs(a - b).mean() < 0.2


def test_crossed_lip_slivers_keep_the_fast_path_and_its_maps_equal_the_lookup():
    r = rest()                                 # the Mona Lisa's inner lips cross by a pixel at rest
    m = mesh.build(r, 256, 256)
    ev = raster.MapEvaluator(256, 256)
    deformed = m.deform(r, dict(IDENTITY_POSE, tx=1.5))
    assert ev.runs(deformed, m.rest, m.tris) is not None
    fx, fy = ev.maps(deformed, m.rest, m.tris)
    sx, sy = ev.maps(deformed, m.rest, m.tris, allow_runs=False)
    assert np.abs(fx - sx).max() < 1e-3 and np.abs(fy - sy).max() < 1e-3
