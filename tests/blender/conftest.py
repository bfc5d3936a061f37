"""Fixtures for the add-on tests. Run under bpy 5.0 (.venv) and bpy 4.5 (.venv-bpy45):
    .venv/bin/python -m pytest tests/blender      .venv-bpy45/bin/python -m pytest tests/blender
The real server runs with MAKEITTALK_SERVER_PYTHON (default .venv/bin/python), see tests/serverproc.py."""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)


@pytest.fixture(scope="session")
def bpy_mod():
    return pytest.importorskip("bpy", reason="needs Blender as a module (pip install bpy)")


@pytest.fixture(scope="session")
def addon(bpy_mod):
    import makeittalk_blender

    makeittalk_blender.register()
    yield makeittalk_blender
    makeittalk_blender.unregister()


@pytest.fixture()
def scene(bpy_mod, addon):
    """An empty scene with the add-on registered and a clean panel state."""
    from makeittalk_blender.blender import preferences, properties, runtime

    runtime.clear()
    bpy_mod.ops.wm.read_factory_settings(use_empty=True)
    st = properties.status()
    st.error = st.message = st.renderers = ""
    st.busy = st.server_ok = False
    saved = preferences._Defaults.server_url
    yield bpy_mod.context.scene
    preferences._Defaults.server_url = saved
    runtime.clear()


@pytest.fixture(scope="session")
def short_speech(tmp_path_factory) -> Path:
    """The first 2.0 s of examples/speech.wav (keeps server jobs quick)."""
    src = ROOT / "examples" / "speech.wav"
    dst = tmp_path_factory.mktemp("audio") / "speech_2s.wav"
    with wave.open(str(src), "rb") as r:
        params = r.getparams()
        data = r.readframes(int(2.0 * r.getframerate()))
    with wave.open(str(dst), "wb") as w:
        w.setparams(params)
        w.writeframes(data)
    return dst
