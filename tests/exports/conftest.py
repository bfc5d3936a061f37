"""Fixtures for the export tests (pure: no bpy, no server)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parents[1]), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from support.export_helpers import phone_track  # noqa: E402


@pytest.fixture()
def track():
    return phone_track()
