"""The warp renderer: a piecewise-affine (Delaunay) warp of the portrait driven by the track.

Per job: triangulate the rest face (mesh.py), resize the portrait once to the output size and allocate
the coordinate grids. Per frame: move the vertices (landmarks from the track, face ring with the head
pose), scan-convert the deformed triangles into backward maps (raster.py), one cv2.remap, and paint the
mouth cavity when the lips of a closed-mouth portrait part (mouth.py). Output size: the request's
width/height (one given: the other keeps the aspect ratio), else the portrait's.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import cv2
import numpy as np

from ..errors import BadInput
from ..params import RenderRequest
from ..track import Track
from . import mesh as mesh_mod
from .mouth import MouthPainter
from .raster import MapEvaluator, warp


def output_size(req: RenderRequest | None, width: int, height: int) -> tuple[int, int]:
    """(width, height) of the frames for a portrait of width x height."""
    rw = getattr(req, "width", None)
    rh = getattr(req, "height", None)
    if rw and rh:
        return int(rw), int(rh)
    if rw:
        return int(rw), max(1, round(height * rw / width))
    if rh:
        return max(1, round(width * rh / height)), int(rh)
    return int(width), int(height)


def to_output(points: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """Pixel coordinates scaled by (sx, sy) (pixel centres at integers): portrait -> output pixels, or
    track -> portrait pixels. Keeps x and y only."""
    out = np.array(np.asarray(points)[..., :2], dtype=np.float64, copy=True)
    out[..., 0] = (out[..., 0] + 0.5) * sx - 0.5
    out[..., 1] = (out[..., 1] + 0.5) * sy - 0.5
    return out


def track_to_image(track: Track, width: int, height: int) -> tuple[float, float]:
    """(kx, ky) from the track's pixels to a portrait of width x height (the track may have been made
    on a portrait of another size); 1 where the track gives no size."""
    return (width / track.width if track.width else 1.0, height / track.height if track.height else 1.0)


class WarpPlan:
    """Everything about one (track, portrait, size) that does not change from frame to frame."""

    def __init__(self, track: Track, image: np.ndarray, width: int | None = None, height: int | None = None,
                 teeth: bool = True, device: str | None = None):
        """device None: OpenCV on the CPU; a torch device name ("cuda", "cpu"): the per-pixel work
        (map expansion and sampling) runs in torch there."""
        if image is None or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise BadInput("bad_image", "the warp renderer needs an H x W x 3 uint8 portrait")
        ih, iw = image.shape[:2]
        self.track = track
        self.width, self.height = output_size(_Size(width, height), iw, ih)
        kx, ky = self._to_image = track_to_image(track, iw, ih)
        rest_img = to_output(track.rest, kx, ky)
        self.mesh = mesh_mod.build(rest_img, iw, ih)
        self._sx, self._sy = self.width / iw, self.height / ih
        self.rest_out = to_output(self.mesh.rest, self._sx, self._sy)
        self.source = resize(image, self.width, self.height)
        self.maps = MapEvaluator(self.height, self.width)
        self.mouth = MouthPainter(self.rest_out[:68], teeth=teeth)
        self.torch = None
        if device is not None:
            from .warp_torch import TorchWarp

            self.torch = TorchWarp(self.source, device)

    def vertices(self, k: int) -> np.ndarray:
        """Deformed vertex positions of frame k in output pixels."""
        kx, ky = self._to_image
        pose = dict(self.track.head_pose[k])
        pose["tx"] = pose.get("tx", 0.0) * kx
        pose["ty"] = pose.get("ty", 0.0) * ky
        v = self.mesh.deform(to_output(self.track.frames[k], kx, ky), pose)
        return to_output(v, self._sx, self._sy)

    def prepare(self, k: int):
        """The numpy half of frame k: deformed vertices and the maps (for torch: their span runs)."""
        dst = self.vertices(k)
        if self.torch is not None:
            runs = self.maps.runs(dst, self.rest_out, self.mesh.tris)
            return dst, ("runs", runs) if runs is not None else ("maps", self.maps.index_maps(
                dst, self.rest_out, self.mesh.tris))
        return dst, ("maps", self.maps.maps(dst, self.rest_out, self.mesh.tris))

    def finish(self, prepared) -> np.ndarray:
        """The per-pixel half: one remap (OpenCV or torch) and the mouth."""
        dst, (kind, data) = prepared
        if self.torch is not None:
            out = self.torch.from_runs(*data) if kind == "runs" else self.torch.from_maps(*data)
        else:
            out = warp(self.source, *data)
        self.mouth.paint(out, dst[:68])
        return out

    def frame(self, k: int) -> np.ndarray:
        return self.finish(self.prepare(k))

    def frames(self, progress=None) -> Iterator[np.ndarray]:
        """All frames in order. The maps of frame k+1 are built on a helper thread while frame k is
        remapped (numpy and OpenCV release the GIL), which keeps both cores busy."""
        n = self.track.n_frames
        if n == 0:
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="warp-maps") as pool:
            pending = pool.submit(self.prepare, 0)
            try:
                for k in range(n):
                    if progress is not None:
                        progress.check()
                    prepared = pending.result()
                    if k + 1 < n:
                        pending = pool.submit(self.prepare, k + 1)
                    yield self.finish(prepared)
            finally:
                pending.cancel()


class _Size:
    def __init__(self, width, height):
        self.width, self.height = width, height


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    ih, iw = image.shape[:2]
    if (iw, ih) == (width, height):
        return np.ascontiguousarray(image)
    shrink = width * height < iw * ih
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


class WarpRenderer:
    name = "warp"

    def __init__(self, settings=None):
        self.settings = settings

    def device(self) -> str | None:
        """A CUDA device when the settings allow one and it is there; None = OpenCV on the CPU (faster
        than torch on a CPU)."""
        if self.settings is None or getattr(self.settings, "device", "auto") == "cpu":
            return None
        try:
            dev = self.settings.torch_device()
        except Exception:
            return None
        return dev if str(dev).startswith("cuda") else None

    def status(self) -> tuple[bool, str]:
        return True, ""

    def render(self, track: Track, image: np.ndarray, req: RenderRequest | None, progress) -> Iterator[np.ndarray]:
        req = req or RenderRequest()
        plan = WarpPlan(track, image, req.width, req.height, teeth=req.teeth, device=self.device())
        yield from plan.frames(progress)


def create(settings=None) -> WarpRenderer:
    return WarpRenderer(settings)
