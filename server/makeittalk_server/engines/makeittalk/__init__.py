"""The `makeittalk` engine: a reimplementation of MakeItTalk's networks on the official checkpoints."""

from __future__ import annotations


def create(settings, checkpoints=None):
    from .engine import MakeItTalkEngine

    return MakeItTalkEngine(settings, checkpoints)
