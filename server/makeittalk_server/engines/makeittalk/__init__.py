"""The `makeittalk` engine: a clean reimplementation of MakeItTalk's inference on its official
checkpoints (ckpt_autovc.pth, ckpt_content_branch.pth, ckpt_speaker_branch.pth; ckpt_116_i2i_comb.pth
for the image generator in i2i.py), matching the original stage by stage.

Modules, in pipeline order: features (audio features), speaker_embedding (resemblyzer), autovc,
content_branch, speaker_branch, combine (windows, segments, combination), face (normalise, blinks,
smoothing), puppet (cartoon path), audio2landmark (all of it), engine (the Engine object),
checkpoints (strict loading), constants (the original's data files), i2i (image generator).
"""

from __future__ import annotations


def create(settings, checkpoints=None):
    """The engine for `settings`; checkpoints: folder of the official files (else settings')."""
    from .engine import MakeItTalkEngine

    return MakeItTalkEngine(settings, checkpoints)
