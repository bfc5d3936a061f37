"""Lets the batch tests import batch_helpers (pytest runs with --import-mode=importlib)."""

from pathlib import Path

import pytest

from support.batch_helpers import make_media  # noqa: E402


@pytest.fixture
def media(tmp_path) -> Path:
    return make_media(tmp_path)
