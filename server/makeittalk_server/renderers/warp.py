"""The warp renderer: a piecewise-affine warp of the portrait driven by the track.

Per job: the shared mesh layout (mesh.py, the very triangles Blender draws), the portrait resized once
to the output size and stacked with the mouth picture (made from the portrait's own colours) into one
source "atlas". Per frame: move the vertices (each vertex's share of the expression, then the head pose
and its 2.5-D turn), give each triangle its source (its rest triangle; the mouth picture for the inner
lips of a closed-mouth portrait; the rigid eye for the eye openings), scan-convert the deformed
triangles into backward maps (raster.py), one cv2.remap. Output size: the request's width/height (one
given: the other keeps the aspect ratio), else the portrait's.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import cv2
import numpy as np

from makeittalk_blender.core import mesh_layout as ml
from makeittalk_blender.core import mouth_interior

from ..errors import BadInput
from ..params import RenderRequest
from ..track import Track
from . import mesh as mesh_mod
from .raster import MapEvaluator, warp
from .teeth import TeethPainter

MOUTH_MODES = ("auto", "interior", "portrait")
_PAD = 2                    # replicated pixels around the mouth picture in the atlas (bilinear edges)


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


def as_rgb(image: np.ndarray) -> np.ndarray:
    """H x W x 3 uint8 from a grey, grey+alpha, RGB or RGBA (uint8 or uint16) portrait; alpha is dropped
    (the renderers draw opaque frames)."""
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or image.size == 0:
        raise BadInput("bad_image", "the portrait must be a grey, RGB or RGBA image")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise BadInput("bad_image", "the portrait must have 8 or 16 bits per channel")
    if image.ndim == 2:
        image = image[:, :, None]
    c = image.shape[2]
    if c in (1, 2):
        return np.ascontiguousarray(np.repeat(image[:, :, :1], 3, axis=2))
    if c in (3, 4):
        return np.ascontiguousarray(image[:, :, :3])
    raise BadInput("bad_image", "the portrait must be a grey, RGB or RGBA image")


def mouth_pictures(image: np.ndarray, track: Track) -> tuple[np.ndarray, np.ndarray]:
    """(mouth picture, teeth picture), H x W x 3 uint8 top row first, in the portrait's colours, sampled
    exactly as the Blender add-on does (landmarks read as pixel-edge coordinates)."""
    ih, iw = image.shape[:2]
    lm = track.rest[:, :2] * [iw / track.width, ih / track.height] - 0.5
    lip, skin = mouth_interior.sample_colours(image, lm)
    return (mouth_interior.rgb8_top_down(mouth_interior.texture(lip, skin, teeth=False)),
            mouth_interior.rgb8_top_down(mouth_interior.teeth_texture(lip, skin)))


def build_atlas(source: np.ndarray, pictures) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The portrait with the pictures side by side below it (edges replicated, so bilinear samples near
    one never mix in another). Returns (atlas, top-left of each picture in the atlas)."""
    h, w = source.shape[:2]
    blocks = [cv2.copyMakeBorder(p, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_REPLICATE) for p in pictures]
    bh = max(b.shape[0] for b in blocks)
    bw = sum(b.shape[1] for b in blocks)
    aw = max(w, bw)
    atlas = np.empty((h + 2 + bh, aw, 3), dtype=np.uint8)
    atlas[:h, :w] = source
    atlas[:h, w:] = source[:, -1:]
    atlas[h:h + 2, :] = atlas[h - 1:h, :]
    atlas[h + 2:, :] = 0                               # unused corners of the band
    corners, x = [], 0
    for b in blocks:
        atlas[h + 2:h + 2 + b.shape[0], x:x + b.shape[1]] = b
        corners.append((x + _PAD, h + 2 + _PAD))
        x += b.shape[1]
    return atlas, corners


class WarpPlan:
    """Everything about one (track, portrait, size) that does not change from frame to frame."""

    def __init__(self, track: Track, image: np.ndarray, width: int | None = None, height: int | None = None,
                 teeth: bool = True, device: str | None = None, mouth: str = "auto"):
        """device None: OpenCV on the CPU; a torch device name ("cuda", "cpu"): the per-pixel work
        (map expansion and sampling) runs in torch there. mouth: "auto" (the mouth picture on a
        closed-mouth portrait, the portrait's own open mouth otherwise), "interior" or "portrait"."""
        image = as_rgb(image)
        if mouth not in MOUTH_MODES:
            raise BadInput("bad_render", f"mouth must be one of {', '.join(MOUTH_MODES)}")
        ih, iw = image.shape[:2]
        self.track = track
        self.width, self.height = output_size(_Size(width, height), iw, ih)
        # Shrinking: resize once (area filter). Growing: sample the portrait itself, bilinearly, as
        # Blender's texture lookup does (a cubic pre-resize would sharpen differently).
        self.source = image if self.width >= iw and self.height >= ih else resize(image, self.width, self.height)
        sh, sw = self.source.shape[:2]
        self.mesh = mesh_mod.build(track.rest, track.width, track.height, self.width, self.height, (sw, sh))
        self.rest_out = self.mesh.rest
        lay = self.mesh.layout
        self.use_interior = mouth == "interior" or (mouth == "auto" and not lay.mouth_open)
        cavity, teeth_pic = mouth_pictures(image, track)
        self.atlas, (corner, teeth_corner) = build_atlas(self.source, [cavity, teeth_pic])
        self.teeth = None
        if self.use_interior and teeth and not lay.mouth_open:
            self.teeth = TeethPainter(self.mesh, teeth_corner, (teeth_pic.shape[1], teeth_pic.shape[0]))
        self._src = self.mesh.rest_src[self.mesh.tris].copy()     # per-corner sources, m x 3 x 2
        self._eye = self.mesh.kind == ml.EYE
        if self.use_interior:
            n = mouth_interior.SIZE
            mouth = self.mesh.kind == ml.MOUTH
            uv = np.array([[ml.MOUTH_UV[int(v)] for v in t] for t in self.mesh.tris[mouth]]).reshape(-1, 3, 2)
            self._src[mouth] = np.stack([corner[0] + uv[..., 0] * n - 0.5,
                                         corner[1] + (1.0 - uv[..., 1]) * n - 0.5], axis=-1)
        self.maps = MapEvaluator(self.height, self.width)
        self.torch = None
        if device is not None:
            from .warp_torch import TorchWarp

            self.torch = TorchWarp(self.atlas, device, self.height, self.width)

    def vertices(self, k: int) -> np.ndarray:
        """Deformed vertex positions of frame k in output pixels."""
        return self.mesh.deform(self.track.frames[k], self.track.head_pose[k])

    def sources(self, k: int, dst: np.ndarray) -> np.ndarray:
        src = self._src.copy()
        if self._eye.any():
            src[self._eye] = self.mesh.eye_sources(dst, self.track.head_pose[k])
        return src

    def prepare(self, k: int):
        """The numpy half of frame k: deformed vertices and the maps (for torch: their span runs)."""
        dst = self.vertices(k)
        src = self.sources(k, dst)
        tris = self.mesh.tris
        if self.torch is not None:
            runs = self.maps.runs(dst, src, tris)
            return dst, ("runs", runs) if runs is not None else ("maps", self.maps.index_maps(dst, src, tris))
        return dst, ("maps", self.maps.maps(dst, src, tris))

    def finish(self, prepared) -> np.ndarray:
        """The per-pixel half: one remap (OpenCV or torch), then the teeth in the mouth opening."""
        dst, (kind, data) = prepared
        if self.torch is not None:
            out = self.torch.from_runs(*data) if kind == "runs" else self.torch.from_maps(*data)
        else:
            out = warp(self.atlas, *data)
        if self.teeth is not None:
            self.teeth.paint(out, self.atlas, dst)
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
        plan = WarpPlan(track, image, req.width, req.height, teeth=req.teeth, device=self.device(),
                        mouth=req.mouth)
        yield from plan.frames(progress)


def create(settings=None) -> WarpRenderer:
    return WarpRenderer(settings)
