"""Fixtures every component shares: a real `makeittalk serve` process on 127.0.0.1, the example media,
Blender as a module (bpy 5.0 in .venv, 4.5 in .venv-bpy45). Helpers live in tests/support, data in
tests/data (pyproject's pytest `pythonpath` puts tests/ and bench/ on the path).

Markers, set here from what a test uses: `bpy` (needs Blender as a module), `server` (starts a real
server process), `checkpoints` (MakeItTalk checkpoints made from the shared parity folder).
    pytest -m "not bpy"        everything Blender-free
"""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from support.paths import EXAMPLES
from support.serverproc import ServerProcess

_BPY_FIXTURES = {"bpy_mod", "addon", "scene"}
_EXIT = {}


def pytest_sessionfinish(session, exitstatus):
    _EXIT["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Blender as a module can hang in its C++ static destructors at exit (seen with bpy 4.5: a task-pool
    condition variable destroyed while its worker threads still wait). The report is written by now, so
    leave without running them."""
    import os
    import sys

    if "bpy" in sys.modules and "status" in _EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT["status"])


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & _BPY_FIXTURES or "addon_blender" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.bpy)
        if "server" in used:
            item.add_marker(pytest.mark.server)
        if used & {"ckpt_dir", "models", "parity"}:
            item.add_marker(pytest.mark.checkpoints)


@pytest.fixture(scope="session")
def server():
    srv = ServerProcess()
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def monalisa_bytes() -> bytes:
    return (EXAMPLES / "monalisa.jpg").read_bytes()


@pytest.fixture(scope="session")
def speech_bytes() -> bytes:
    return (EXAMPLES / "speech.wav").read_bytes()


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
    src = EXAMPLES / "speech.wav"
    dst = tmp_path_factory.mktemp("audio") / "speech_2s.wav"
    with wave.open(str(src), "rb") as r:
        params = r.getparams()
        data = r.readframes(int(2.0 * r.getframerate()))
    with wave.open(str(dst), "wb") as w:
        w.setparams(params)
        w.writeframes(data)
    return dst
