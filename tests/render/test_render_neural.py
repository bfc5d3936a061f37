"""The neural renderer with random-weight checkpoints in the official layout (make_weights.py): a few
frames, the crop, and the paste-back into the full-size portrait."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from render_helpers import portrait, talking_track

from makeittalk_server import renderers
from makeittalk_server.config import Settings
from makeittalk_server.params import RenderRequest
from makeittalk_server.progress import Progress
from makeittalk_server.renderers import neural

ROOT = Path(__file__).resolve().parents[2]
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
