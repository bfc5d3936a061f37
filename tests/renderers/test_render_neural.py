"""The neural renderer with random-weight checkpoints in the official layout (make_weights.py): a few
frames, the crop, and the paste-back into the full-size portrait."""

from __future__ import annotations
from support.paths import ROOT

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from support.render_helpers import portrait, talking_track

from makeittalk_server import renderers
from makeittalk_server.config import Settings
from makeittalk_server.params import RenderRequest
from makeittalk_server.progress import Progress
from makeittalk_server.renderers import neural

PARITY = Path(os.environ.get("MAKEITTALK_PARITY_DIR", ROOT.parent / "shared" / "reference" / "parity"))


@pytest.fixture(scope="module")
def renderer(tmp_path_factory):
    script = PARITY / "make_weights.py"
    if not script.is_file():
        pytest.skip(f"the parity fixtures (make_weights.py) are not at {PARITY}; set MAKEITTALK_PARITY_DIR")
    ckpt_dir = tmp_path_factory.mktemp("ckpt")
    subprocess.run([sys.executable, str(script), "i2i", str(ckpt_dir / neural.CKPT_NAME)], check=True,
                   capture_output=True, timeout=300)
    return renderers.get("neural", Settings(checkpoints_dir=ckpt_dir, device="cpu"))


def test_paste_back_gives_full_size_frames_with_the_background_untouched(renderer):
    img = portrait()
    track = talking_track(n=2, head=False)
    frames = list(renderer.render(track, img, RenderRequest(renderer="neural", paste_back=True), Progress()))
    assert len(frames) == 2
    assert all(f.shape == img.shape and f.dtype == np.uint8 for f in frames)
    corner, side = neural.crop_box(track.rest[:, :2])
    # far outside the crop the portrait is untouched; the middle of the face is the generator's
    x0, y0 = np.floor(corner).astype(int)
    outside = np.ones(img.shape[:2], bool)
    outside[max(0, y0 - 2):y0 + int(side) + 3, max(0, x0 - 2):x0 + int(side) + 3] = False
    if outside.any():
        assert np.array_equal(frames[0][outside], img[outside])
    cx, cy = track.rest[30, :2].astype(int)
    assert np.abs(frames[0][cy - 5:cy + 5, cx - 5:cx + 5].astype(int) - img[cy - 5:cy + 5, cx - 5:cx + 5]).mean() > 3


def test_face_only_frames_are_the_generator_output(renderer):
    from makeittalk_server.engines.makeittalk import i2i

    img = portrait()
    track = talking_track(n=1, head=False)
    frames = list(renderer.render(track, img, RenderRequest(renderer="neural", paste_back=False), Progress()))
    assert [f.shape for f in frames] == [(256, 256, 3)]
    # the same sketch + crop fed to the generator directly gives the same face
    corner, side = neural.crop_box(track.rest[:, :2])
    k = 256 / side
    fwd = np.array([[k, 0, -corner[0] * k + 0.5 * k - 0.5], [0, k, -corner[1] * k + 0.5 * k - 0.5]])
    crop = cv2.warpAffine(np.ascontiguousarray(img[:, :, ::-1]), fwd, (256, 256), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    pts = track.frames[0, :, :2] @ fwd[:, :2].T + fwd[:, 2]
    (direct,) = list(i2i.generate_frames(renderer.generator(), [pts], crop))
    diff = np.abs(frames[0].astype(int) - direct[:, :, ::-1])
    assert diff.max() <= 2 and diff.mean() < 0.05      # batch size may change the last float bit


def test_requested_size(renderer):
    img = portrait()
    track = talking_track(n=1, head=False)
    (f,) = renderer.render(track, img, RenderRequest(renderer="neural", width=200, height=150), Progress())
    assert f.shape == (150, 200, 3)


def test_grey_rgba_and_large_portraits(renderer):
    img = portrait()
    track = talking_track(n=1)
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    rgba = np.dstack([img, np.full(img.shape[:2], 90, np.uint8)])
    big = cv2.resize(img, (2048, 2048), interpolation=cv2.INTER_LINEAR)
    for src, req in ((grey, RenderRequest(renderer="neural")), (rgba, RenderRequest(renderer="neural")),
                     (big, RenderRequest(renderer="neural", width=256, height=256))):
        (f,) = renderer.render(track, src, req, Progress())
        assert f.shape == (256, 256, 3) and f.dtype == np.uint8


def test_paste_back_mask_is_face_shaped_and_soft():
    from support.render_helpers import rest

    r = rest()
    corner, side = neural.crop_box(r)
    lm = (r - corner) * (neural.SIZE / side)
    m = neural.face_mask(lm)
    assert m[int(lm[30, 1]), int(lm[30, 0])] > 0.99                  # the nose: all generated face
    assert m[2, 2] == 0 and m[-3, -3] == 0                             # the crop's corners: all portrait
    assert ((m > 0.05) & (m < 0.95)).sum() > 1000                      # a soft edge, not a cut
    face = np.full((8, 8, 3), 100, np.uint8)
    face[:, :4] = 140
    ref = np.full((8, 8, 3), 60, np.uint8)
    ref[:, :4] = 80
    out = neural.match_colour(face, ref, np.ones((8, 8)))
    assert abs(out.astype(float).mean() - 70) < 1.0                    # the portrait's level and spread
