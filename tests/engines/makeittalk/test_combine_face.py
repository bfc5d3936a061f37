"""Combination and pixel post-processing from each stage's fixture inputs (spec 5.4 - 7.5)."""

import numpy as np
import pytest

from makeittalk_server.engines.makeittalk import combine as C
from makeittalk_server.engines.makeittalk import constants, face

NUMPY2 = int(np.__version__.split(".")[0]) >= 2   # the parity fixtures' numpy (see the parity README)


def _same_float32(a, b):
    """Bit-exact with the fixtures' numpy 2; numpy 1.26 (bpy 5.0 pins it) rounds float32 steps differently
    by one unit in the last place (7e-7 on values ~1)."""
    if NUMPY2:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_combination_stage_by_stage(ref):
    parts = {}
    out = C.combine_segment(ref("clipA/speaker_raw"), ref("clipA/content_raw"), ref("clipA/a2l_face_id"),
                            parts=parts)
    for name in ("speaker_smoothed", "content_calibrated", "combined_displacement", "before_lip_fix",
                 "after_lip_fix"):
        # float32 stages; with numpy 1.26 instead of the fixtures' numpy 2: 1.2e-6
        assert np.abs(parts[name][0] - ref(f"clipA/{name}")).max() < (1e-6 if NUMPY2 else 3e-6), name
    assert np.abs(C.finish(out) - ref("clipA/pred_fls_float32")).max() < 1e-6
    # each step alone, from its own input
    _same_float32(C.repair_inverted_lips(ref("clipA/before_lip_fix")), ref("clipA/after_lip_fix"))
    _same_float32(C.finish(ref("clipA/after_lip_fix")), ref("clipA/pred_fls_float32"))
    repaired = (ref("clipA/before_lip_fix") != ref("clipA/after_lip_fix")).any(axis=1).sum()
    assert repaired == 29


def test_segments_of_clip_c(ref):
    s = ref.json("clipC/segments")
    segs = C.segments(C.n_windows(s["T"]))
    assert [b - a for a, b in segs] == s["segment_sizes_run"]
    assert segs[-1][1] == s["n_out"]
    assert C.segments(9) == [] and C.segments(10) == [(0, 10)]
    assert C.sg_window(512) == 31 and C.sg_window(10) == 9


def test_face_normalisation(ref, obama_rest):
    ff = face.normalise(obama_rest, constants.std_face())
    np.testing.assert_array_equal(face.tweak(obama_rest), ref("clipA/face_tweaked_px"))
    np.testing.assert_array_equal(ff.face_id.reshape(68, 3), ref("clipA/face_id_68x3"))
    np.testing.assert_array_equal(ff.face_id, ref("clipA/a2l_face_id"))
    np.testing.assert_array_equal(np.r_[ff.scale, ff.shift], ref("clipA/face_scale_shift"))


def test_degenerate_face_refused():
    lm = np.zeros((68, 3))
    with pytest.raises(ValueError, match="jaw"):
        face.normalise(lm, constants.std_face())


def test_read_back_denormalise_blinks_smoothing(ref):
    ss = ref("clipA/face_scale_shift")
    back = C.text_round_trip(ref("clipA/pred_fls_float32"))
    den = face.denormalise(back, ss[0], ss[1:])
    assert np.abs(den - ref("clipA/track_denorm")).max() < 1e-9
    blinked, frames = face.add_blinks(ref("clipA/track_denorm"), np.random.RandomState(0))
    assert frames == ref.json("clipA/face")["blink_frames"]
    assert np.abs(blinked - ref("clipA/track_blinked")).max() < 1e-9
    assert np.abs(face.smooth(ref("clipA/track_blinked")) - ref("clipA/track_final_px")).max() < 1e-9


@pytest.mark.parametrize("clip", ["clipB", "clipC"])
def test_blink_frames_follow_legacy_rng(clip, ref):
    info = ref.json(f"{clip}/face")
    assert face.blink_frames(info["n_frames"], np.random.RandomState(0)) == info["blink_frames"]


def test_short_tracks_do_not_crash():
    # the original crashes on <= 45 frames; here blinks that do not fit are left out
    t = np.random.RandomState(1).randn(40, 68, 3)
    out, frames = face.add_blinks(t, np.random.RandomState(0))
    assert frames == [] and out.shape == t.shape
    assert face.smooth(out).shape == t.shape
    assert face.smooth(t[:3]).shape == (3, 68, 3)


def test_tail_closes_mouth():
    rest = np.random.RandomState(2).rand(68, 3) * 100
    rest[65:68, 1] = rest[[63, 62, 61], 1] + 10       # open inner lips
    out = face.fill_tail(rest[None], 20)
    assert out.shape == (20, 68, 3)
    np.testing.assert_array_equal(out[0], rest)
    gap = lambda f: np.abs(f[[61, 62, 63], 1] - f[[67, 66, 65], 1]).max()
    assert gap(out[-1]) < 1e-9 < gap(out[0])
    np.testing.assert_array_equal(out[-1, :48], rest[:48])       # only the mouth moves


def test_text_round_trip_is_the_decimal_rounding():
    x = (np.random.RandomState(0).randn(200000) * 3).astype(np.float32)
    x[:4] = [0.0000005, -0.0000015, 1.2345675, 2.5e-7]       # near or at halves of the 6th decimal
    expected = np.array([float("%.6f" % v) for v in x.astype(np.float64)])
    np.testing.assert_array_equal(C.text_round_trip(x), expected)
