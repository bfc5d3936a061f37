"""dlib's HOG face detector and 68-point shape predictor (model from face_recognition_models)."""

from __future__ import annotations

import threading

import numpy as np

_lock = threading.Lock()
_models = None


MODEL = "shape_predictor_68_face_landmarks.dat"


def _model_path() -> str:
    """The 68-point model inside face_recognition_models, found without importing it (its import pulls in
    pkg_resources, ~0.06 s)."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("face_recognition_models is not installed")
    path = os.path.join(list(spec.submodule_search_locations)[0], "models", MODEL)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{MODEL} is missing")
    return path


def identity() -> str:
    """What the landmark cache's key holds of this detector: dlib's library and model files."""
    import importlib.util

    from . import cache

    spec = importlib.util.find_spec("_dlib_pybind11")
    try:
        model = _model_path()
    except FileNotFoundError:
        model = MODEL
    return "dlib|upsample<1200|" + cache.file_identity(spec.origin if spec else "_dlib_pybind11", model)


def _load():
    global _models
    with _lock:
        if _models is None:
            import dlib

            _models = (dlib.get_frontal_face_detector(), dlib.shape_predictor(_model_path()))
        return _models


def status() -> dict:
    try:
        import importlib.util

        if importlib.util.find_spec("dlib") is None:
            raise ImportError("dlib is not installed")
        _model_path()
        return {"name": "dlib", "ready": True, "reason": ""}
    except Exception as e:
        return {"name": "dlib", "ready": False, "reason": f"dlib or its 68-point model is missing: {e}"}


def warm() -> None:
    _load()


def detect(image: np.ndarray):
    """RGB uint8 -> DetectResult of the largest face, or None."""
    from . import DetectResult

    detector, predictor = _load()
    img = np.ascontiguousarray(image)
    # Upsample once for small portraits so faces of ~40 px are still found.
    upsample = 1 if max(img.shape[:2]) < 1200 else 0
    with _lock:  # dlib objects are not documented as thread-safe
        rects = list(detector(img, upsample))
        if not rects:
            return None
        rect = max(rects, key=lambda r: r.width() * r.height())
        shape = predictor(img, rect)
    pts = np.array([[shape.part(i).x, shape.part(i).y, 0.0] for i in range(68)], dtype=np.float64)
    box = (rect.left(), rect.top(), rect.right(), rect.bottom())
    return DetectResult(landmarks=pts, detector="dlib", faces_found=len(rects), box=box)
