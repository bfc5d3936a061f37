"""face-alignment (3-D FAN) when its weights are already on disk. Never downloads."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

_lock = threading.Lock()
_model = None
# File name prefixes face-alignment 1.x uses for its weights (torch hub cache layout).
_NEEDED = {"landmarks": ("3DFAN4", "2DFAN4"), "detector": ("s3fd",)}


def _search_dirs(settings) -> list[Path]:
    dirs = []
    if getattr(settings, "face_alignment_dir", None):
        dirs.append(Path(settings.face_alignment_dir))
    hub = os.environ.get("TORCH_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "torch")
    dirs.append(Path(hub) / "hub" / "checkpoints")
    return dirs


def _find(settings) -> dict[str, Path] | None:
    found = {}
    for d in _search_dirs(settings):
        if not d.is_dir():
            continue
        for f in sorted(d.iterdir()):
            for kind, prefixes in _NEEDED.items():
                if kind not in found and f.name.startswith(prefixes):
                    found[kind] = f
    return found if len(found) == len(_NEEDED) else None


def status(settings) -> dict:
    try:
        import face_alignment  # noqa: F401
    except ImportError:
        return {"name": "face_alignment", "ready": False,
                "reason": "the face-alignment package is not installed (optional; dlib is used)"}
    if _find(settings) is None:
        where = ", ".join(str(d) for d in _search_dirs(settings))
        return {"name": "face_alignment", "ready": False,
                "reason": f"weights (3DFAN4/2DFAN4 and s3fd files) not found in {where}; dlib is used"}
    return {"name": "face_alignment", "ready": True, "reason": ""}


def _load(settings):
    global _model
    with _lock:
        if _model is None:
            files = _find(settings)
            if files is None:
                raise RuntimeError("face-alignment weights not found")
            # face-alignment looks in TORCH_HOME/hub/checkpoints; point it at the folder we found, so the
            # files are used in place and nothing is fetched.
            os.environ["TORCH_HOME"] = str(files["landmarks"].parent.parent.parent) \
                if files["landmarks"].parent.name == "checkpoints" else os.environ.get("TORCH_HOME", "")
            import face_alignment

            kind = face_alignment.LandmarksType.THREE_D if files["landmarks"].name.startswith("3D") \
                else face_alignment.LandmarksType.TWO_D
            _model = face_alignment.FaceAlignment(kind, device=settings.torch_device(), flip_input=False)
        return _model


def detect(image: np.ndarray, settings):
    from . import DetectResult

    fa = _load(settings)
    with _lock:
        preds = fa.get_landmarks_from_image(np.ascontiguousarray(image))
    if not preds:
        return None
    areas = [np.ptp(p[:, 0]) * np.ptp(p[:, 1]) for p in preds]
    best = preds[int(np.argmax(areas))]
    pts = np.zeros((68, 3))
    pts[:, : best.shape[1]] = best
    box = (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
    return DetectResult(landmarks=pts, detector="face_alignment", faces_found=len(preds), box=box)
