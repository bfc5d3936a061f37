"""Imported once by the local batch's fork server, before it forks the workers: the libraries every
default-engine line needs (scipy, cv2, pocketsphinx, pysptk, the engine's modules) are loaded there once
and shared by all workers (copy on write), so a worker starts in milliseconds instead of seconds.
preload_torch and preload_dlib add torch (makeittalk engine, renderers) and dlib's 68-point model when
some line needs them (preload_plan.py decides). Nothing here runs torch arithmetic (its thread pools
must not exist before the fork)."""

from __future__ import annotations

import importlib
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


load(MODULES)
try:       # the voice weights (~0.05 s), read once for all workers
    from makeittalk_server.engines import speaker_numpy

    speaker_numpy.encoder()
except Exception:
    pass
