"""Which of a character's names stands for which shape: case, separator and prefix tolerant."""

from __future__ import annotations

import numpy as np
import pytest

from makeittalk_blender.core.exports import retarget


@pytest.mark.parametrize("names, want", [
    (["JawOpen", "ARKit.eyeBlinkLeft", "eye_blink_R", "CC_Base_mouthSmileLeft", "blendShape1.mouthLeft",
      "Mouth Smile.R", "mouthsmileleft_extra"],
     {"jawOpen": "JawOpen", "eyeBlinkLeft": "ARKit.eyeBlinkLeft", "eyeBlinkRight": "eye_blink_R",
      "mouthSmileLeft": "CC_Base_mouthSmileLeft", "mouthLeft": "blendShape1.mouthLeft",
      "mouthSmileRight": "Mouth Smile.R"}),
])
def test_arkit_names_in_many_spellings(names, want):
    assert retarget.match("ARKIT", names) == want


def test_short_names_need_a_known_prefix():
    # 'A' must not match the last letter of some other name; 'mouth_A' and 'viseme_aa' are fine
    assert retarget.match("CUES", ["mouth_A", "gamma"]) == {"A": "mouth_A"}
    assert retarget.match("VISEMES", ["viseme_aa", "V_ou", "banana"]) == {"aa": "viseme_aa", "ou": "V_ou"}
    assert retarget.match("CUES", ["MBP", "etc", "AI", "O", "U", "FV", "L", "rest"]) == \
        {"A": "MBP", "B": "etc", "D": "AI", "E": "O", "F": "U", "G": "FV", "H": "L", "X": "rest"}


@pytest.mark.parametrize("names, kind", [
    (["jawOpen", "eyeBlinkLeft", "Basis"], "ARKIT"), (["viseme_sil", "viseme_PP", "viseme_aa"], "VISEMES"),
    (["mouth_A", "mouth_B", "mouth_X"], "CUES"), (["AA", "AE", "B", "M", "P", "SH", "UW"], "PHONES"),
])
def test_the_set_is_guessed_from_the_names(names, kind):
    assert retarget.guess_kind(names) == kind


@pytest.mark.parametrize("kind", list(retarget.SETS))
def test_weights_are_in_0_1(track, kind):
    w = retarget.weights(track, kind)
    assert w.shape == (track.n_frames, len(retarget.SETS[kind])) and w.min() >= 0 and w.max() <= 1
    if kind != "ARKIT":
        np.testing.assert_allclose(w.sum(axis=1), 1.0)      # exactly one shape at a time, crossfaded
