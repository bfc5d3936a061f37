"""The `default` engine (DESIGN.md "Engines"): works out of the box, nothing downloaded."""

from __future__ import annotations


def create(settings, checkpoints=None):
    from .engine import DefaultEngine

    return DefaultEngine(settings)
