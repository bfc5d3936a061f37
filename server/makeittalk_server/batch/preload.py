"""Imported once by the local batch's fork server, before it forks the workers: the libraries every
default-engine line needs (scipy, cv2, pocketsphinx, pysptk, the engine's modules) and a warm default
engine are loaded there once and shared by all workers (copy on write), so a worker starts in
milliseconds instead of seconds.
preload_torch and preload_dlib add torch (makeittalk engine, renderers) and dlib's 68-point model when
some line needs them (preload_plan.py decides). Nothing here runs torch arithmetic (its thread pools
must not exist before the fork)."""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import warnings

MODULES = ("numpy", "scipy.ndimage", "scipy.interpolate", "cv2", "soundfile", "soxr", "pydantic",
           "pocketsphinx", "pysptk", "threadpoolctl", "makeittalk_server.pipeline",
           "makeittalk_server.engines.default.engine", "makeittalk_server.engines.speaker_numpy",
           "makeittalk_blender.core.trackformat")


def load(modules) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:      # a missing library shows up, with its reason, in the line that needs it
                pass


def _in_fork_server() -> bool:
    """True when multiprocessing's fork server is importing this module as its preload."""
    f = sys._getframe()
    while f is not None:
        if f.f_code.co_name == "main" and f.f_code.co_filename.endswith(os.path.join("multiprocessing", "forkserver.py")):
            return True
        f = f.f_back
    return False


if _in_fork_server():
    # The fork server ends when the batch does. Tearing its interpreter down (the engine, scipy, cv2 ...)
    # took ~0.4 s more, holding the batch's stdout/stderr open; it has nothing to flush, so it leaves at
    # once. Workers forked from it end through os._exit and never run this.
    atexit.register(os._exit, 0)
load(MODULES)
SETTINGS = None
try:
    # A warm default engine (its phone decoders: ~0.9 s to load; the voice weights), made once here and
    # shared by every worker forked from this process; LineWorker takes these settings when its own are
    # equal, so engines.get finds this engine. Its decoding stays in-process (no helper processes here).
    from makeittalk_server import engines
    from makeittalk_server.config import Settings

    SETTINGS = Settings.from_env()
    _engine = engines.get("default", SETTINGS)
    if hasattr(getattr(_engine, "pool", None), "in_process"):
        _engine.pool.in_process()
        # the transcript aligner (~0.2 s of this serial start) only where a line has a transcript:
        # preload_transcripts.py, which preload_plan adds for such batches
        _engine.pool.transcripts_expected = False
    _engine.warm()
except Exception:      # any failure here only means the workers warm up themselves
    SETTINGS = None
