"""Imported once by the local batch's fork server, before it forks the workers: the libraries every
line needs (torch, librosa, scipy, dlib, pocketsphinx ...) and dlib's 68-point model are loaded there
once and shared by all workers (copy on write), so a worker starts in milliseconds instead of seconds.
Nothing here runs torch arithmetic (its thread pools must not exist before the fork)."""

from __future__ import annotations

import importlib
import warnings

MODULES = ("numpy", "scipy.signal", "scipy.ndimage", "scipy.interpolate", "cv2", "soundfile", "soxr",
           "pydantic", "torch", "librosa", "librosa.feature", "resemblyzer", "pocketsphinx", "pysptk",
           "makeittalk_server.pipeline", "makeittalk_server.engines.default.engine")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for _name in MODULES:
        try:
            importlib.import_module(_name)
        except Exception:      # a missing library shows up, with its reason, in the line that needs it
            pass
    try:
        from makeittalk_server.landmarks import dlib_detector

        dlib_detector.warm()
    except Exception:
        pass
