"""The puppet path (main_end2end_cartoon.py, puppet wilk, clip A audio) up to the warper's inputs."""

import numpy as np
import pytest
import torch

from makeittalk_server.engines.makeittalk import audio2landmark as A
from makeittalk_server.engines.makeittalk import combine as C
from makeittalk_server.engines.makeittalk import puppet as P


@pytest.fixture(scope="module")
def wilk(ref):
    return P.load(ref.path("inputs/puppet_wilk"), "wilk")


def test_puppet_files_and_points(wilk, ref):
    info = ref.json("cartoon_wilk/puppet_info")
    assert (wilk.width, wilk.height) == (839, 919)
    assert wilk.subset == info["point_subset"]
    np.testing.assert_array_equal(P.border_points(wilk.width, wilk.height).ravel(), info["bound"])
    assert wilk.scale == pytest.approx(info["scale"], abs=1e-9)
    text = "\n".join(" ".join(f"{v:.2f}" for v in row) for row in P.reference_points(wilk))
    assert text.split() == ref.path("cartoon_wilk/reference_points.txt").read_text().split()
    P.check_triangulation(wilk)


def test_puppet_stages(models, wilk, ref):
    win = A.windows_of(torch.from_numpy(ref("clipA/a2l_mel_norm"))).contiguous()
    with torch.inference_mode():
        con = models.content(win, torch.from_numpy(wilk.face_id).expand(win.shape[0], -1)).numpy()
    assert np.abs(con - ref("cartoon_wilk/content_raw")).max() < 1e-5
    pred = C.finish(C.combine_segment(ref("clipA/speaker_raw"), ref("cartoon_wilk/content_raw"), wilk.face_id))
    assert np.abs(pred - ref("cartoon_wilk/pred_fls_float32")).max() < 1e-6
    track = P.track_from_prediction(C.text_round_trip(ref("cartoon_wilk/pred_fls_float32")), wilk)
    assert np.abs(track - ref("cartoon_wilk/track_smoothed_px")).max() < 1e-9
    assert np.abs(P.warped_points(track, wilk) - ref("cartoon_wilk/warped_points")).max() < 1e-9


def test_puppet_end_to_end_from_wav(models, wilk, ref, pcm):
    res = A.animate(models, pcm("clipA"), None, puppet=wilk)
    expected = ref("cartoon_wilk/track_smoothed_px")
    assert res.track.shape == expected.shape and res.blink_frames == []
    assert np.abs(res.track[..., :2] - expected[..., :2]).max() < 2e-3
    assert np.abs(P.warped_points(res.track, wilk) - ref("cartoon_wilk/warped_points")).max() < 2e-3
