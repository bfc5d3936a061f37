"""Lets the renderer tests import render_helpers (pytest runs with --import-mode=importlib)."""

import sys
from pathlib import Path

