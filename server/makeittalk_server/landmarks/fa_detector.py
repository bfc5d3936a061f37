"""face-alignment (FAN) when its package and weights are already on disk. Never downloads.

face-alignment 1.x fetches its weights into torch's hub cache (<hub>/checkpoints) on first use. We only
use it when the files are already there (or in a folder the user configured), and point torch's hub at
them, so its own download code finds them and never runs.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import numpy as np

_lock = threading.Lock()
_model = None
# File name prefixes of face-alignment 1.5's weights (the names in its download URLs).
FILES = {"3DFAN4": "3DFAN4-", "2DFAN4": "2DFAN4-", "depth": "depth-", "s3fd": "s3fd-"}


def _search_dirs(settings) -> list[Path]:
    dirs = []
    if getattr(settings, "face_alignment_dir", None):
        d = Path(settings.face_alignment_dir).expanduser()
        dirs += [d, d / "checkpoints", d / "hub" / "checkpoints"]
    dirs.append(Path(_hub_dir()) / "checkpoints")
    return dirs


def _hub_dir() -> str:
    """torch.hub.get_dir(), without importing torch (~1.3 s a cold run would pay just to look for files):
    torch's own answer once torch is loaded (it may have been set), else the rule torch follows."""
    import sys

    if "torch.hub" in sys.modules:
        return sys.modules["torch.hub"].get_dir()
    cache = os.environ.get("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return os.path.join(os.path.expanduser(os.environ.get("TORCH_HOME", os.path.join(cache, "torch"))), "hub")


def _find(settings) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in _search_dirs(settings):
        if d.is_dir():
            for f in sorted(d.iterdir()):
                for key, prefix in FILES.items():
                    if key not in found and f.name.startswith(prefix) and f.is_file():
                        found[key] = f
    return found


def _plan(found: dict[str, Path]) -> str | None:
    """'3D' when 3-D weights are complete, else '2D', else None."""
    if "s3fd" not in found:
        return None
    if "3DFAN4" in found and "depth" in found:
        return "3D"
    if "2DFAN4" in found:
        return "2D"
    return None


def status(settings) -> dict:
    import importlib.util

    if importlib.util.find_spec("face_alignment") is None:     # looked up, not imported (it imports torch)
        return {"name": "face_alignment", "ready": False,
                "reason": "the face-alignment package is not installed (optional; dlib is used)"}
    if _plan(_find(settings)) is None:
        where = ", ".join(str(d) for d in _search_dirs(settings))
        return {"name": "face_alignment", "ready": False,
                "reason": f"weights not found (s3fd-*.pth and 2DFAN4-*.pth.tar, or 3DFAN4-* with depth-*) in "
                          f"{where}; dlib is used. Copy them there or start the server with --face-alignment-dir"}
    return {"name": "face_alignment", "ready": True, "reason": ""}


def identity(settings) -> str:
    """What the landmark cache's key holds of this detector: the weight files it would load."""
    from . import cache

    found = _find(settings)
    return f"face_alignment|{_plan(found)}|" + cache.file_identity(*(found[k] for k in sorted(found)))


def _load(settings):
    global _model
    with _lock:
        if _model is None:
            found = _find(settings)
            plan = _plan(found)
            if plan is None:
                raise RuntimeError("face-alignment weights not found")
            import face_alignment
            import torch.hub

            # One folder named 'checkpoints' with links to the files we found, as torch's hub expects.
            hub = Path(tempfile.mkdtemp(prefix="makeittalk-fa-hub-"))
            (hub / "checkpoints").mkdir()
            for f in found.values():
                os.symlink(f, hub / "checkpoints" / f.name)
            torch.hub.set_dir(str(hub))
            kind = face_alignment.LandmarksType.THREE_D if plan == "3D" else face_alignment.LandmarksType.TWO_D
            _model = face_alignment.FaceAlignment(kind, device=settings.torch_device(), flip_input=False,
                                                  compile=False)
        return _model


def detect(image: np.ndarray, settings):
    from . import DetectResult

    fa = _load(settings)
    with _lock:
        preds = fa.get_landmarks_from_image(np.ascontiguousarray(image))
    if not preds:
        return None
    areas = [np.ptp(p[:, 0]) * np.ptp(p[:, 1]) for p in preds]
    best = np.asarray(preds[int(np.argmax(areas))], dtype=np.float64)
    pts = np.zeros((68, 3))
    pts[:, : best.shape[1]] = best
    box = (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
    return DetectResult(landmarks=pts, detector="face_alignment", faces_found=len(preds), box=box)
