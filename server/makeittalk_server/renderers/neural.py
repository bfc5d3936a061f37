"""The neural renderer: MakeItTalk's image-to-image generator (engines/makeittalk/i2i.py) run on a 256 px
square crop around the face, optionally pasted back into the full-size portrait: a soft face-shaped mask
(the landmarks' hull, grown over the forehead, feathered) and a colour match (the generated face's
per-channel mean and spread set to the portrait's inside the face), so no square seam or tint shows.

Needs the official ckpt_116_i2i_comb.pth in the server's checkpoints folder; status() says why not
otherwise. The crop frames the face the way MakeItTalk's own 256 px portraits do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..errors import BadInput, EngineNotReady
from ..params import RenderRequest
from ..track import Track
from .warp import as_rgb, output_size, resize, to_output, track_to_image

CKPT_NAME = "ckpt_116_i2i_comb.pth"
SIZE = 256
# Framing of the crop, measured on MakeItTalk's example portrait (a 256 px image whose landmark box is
# about 149 px tall and centred about 31 px below the image centre).
CROP_SCALE = 1.72          # crop side / the larger side of the rest landmarks' box
CROP_RAISE = 0.123         # crop centre above the box centre, as a fraction of the crop side
FEATHER = 0.08             # paste-back edge softness, as a fraction of the crop side


def crop_box(rest_xy: np.ndarray) -> tuple[np.ndarray, float]:
    """(top-left corner, side) in portrait pixels of the square the generator sees."""
    lo, hi = rest_xy.min(axis=0), rest_xy.max(axis=0)
    side = CROP_SCALE * float(max(hi - lo))
    centre = (lo + hi) / 2 - [0.0, CROP_RAISE * side]
    return centre - side / 2, side


class NeuralRenderer:
    name = "neural"

    def __init__(self, settings=None):
        self.settings = settings
        self._gen = None

    def checkpoint(self) -> Path | None:
        d = getattr(self.settings, "checkpoints_dir", None)
        return Path(d) / CKPT_NAME if d else None

    def status(self) -> tuple[bool, str]:
        try:
            from ..engines.makeittalk import i2i  # noqa: F401
        except ImportError as e:
            return False, f"the image generator code is missing ({e})"
        ckpt = self.checkpoint()
        if ckpt is None:
            return False, (f"no checkpoints folder is set; put {CKPT_NAME} (MakeItTalk's released image "
                           "generator) in a folder and start the server with --checkpoints FOLDER")
        if not ckpt.is_file():
            return False, f"{CKPT_NAME} was not found in {ckpt.parent}"
        return True, ""

    def generator(self):
        if self._gen is None:
            from ..engines.makeittalk import i2i
            from ..engines.makeittalk.checkpoints import CheckpointError

            device = self.settings.torch_device() if hasattr(self.settings, "torch_device") else "cpu"
            try:
                self._gen = i2i.load_generator(self.checkpoint(), device)
            except CheckpointError as e:
                raise EngineNotReady("bad_checkpoint", f"renderer 'neural' cannot load its checkpoint: {e}") from None
        return self._gen

    def render(self, track: Track, image: np.ndarray, req: RenderRequest | None, progress) -> Iterator[np.ndarray]:
        from ..engines.makeittalk import i2i

        req = req or RenderRequest(renderer="neural")
        image = as_rgb(image)
        ready, reason = self.status()
        if not ready:
            raise EngineNotReady("renderer_not_ready", f"renderer 'neural' is not ready: {reason}")
        ih, iw = image.shape[:2]
        kx, ky = track_to_image(track, iw, ih)
        rest = to_output(track.rest, kx, ky)
        corner, side = crop_box(rest)
        k = SIZE / side
        # portrait pixel -> crop pixel (pixel centres at integers on both sides)
        fwd = np.array([[k, 0.0, -corner[0] * k + 0.5 * k - 0.5], [0.0, k, -corner[1] * k + 0.5 * k - 0.5]])
        face_bgr = cv2.warpAffine(np.ascontiguousarray(image[:, :, ::-1]), fwd, (SIZE, SIZE),
                                  flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
        frames_256 = (to_output(f, kx, ky) @ fwd[:, :2].T + fwd[:, 2] for f in track.frames)
        out_w, out_h = output_size(req, iw, ih) if req.paste_back else output_size(req, SIZE, SIZE)
        paste = _PasteBack(fwd, iw, ih, rest @ fwd[:, :2].T + fwd[:, 2], face_bgr[:, :, ::-1]) if req.paste_back else None
        for gen_bgr in i2i.generate_frames(self.generator(), frames_256, face_bgr, batch=4):
            if progress is not None:
                progress.check()
            rgb = np.ascontiguousarray(gen_bgr[:, :, ::-1])
            frame = paste.apply(image, rgb) if paste is not None else rgb
            yield resize(frame, out_w, out_h)


def face_mask(lm_256: np.ndarray) -> np.ndarray:
    """SIZE x SIZE float mask in the crop: the landmarks' hull grown 8 % and raised over the forehead,
    feathered, and faded out towards the crop's edge."""
    lm = np.asarray(lm_256, dtype=np.float64)[:, :2]
    c = lm.mean(axis=0)
    h = max(float(lm[:, 1].max() - lm[:, 1].min()), 1.0)
    pts = np.concatenate([lm, lm[17:27] - [0.0, 0.35 * h]])        # the forehead above the brows
    pts = c + 1.08 * (pts - c)
    mask = np.zeros((SIZE, SIZE), np.float32)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(pts * 16).astype(np.int32)), 1.0, cv2.LINE_AA, 4)
    mask = cv2.GaussianBlur(mask, (0, 0), FEATHER * SIZE / 2)
    ramp = np.clip(np.minimum(np.arange(SIZE), np.arange(SIZE)[::-1]) / (FEATHER * SIZE), 0, 1)
    return mask * np.minimum(ramp[:, None], ramp[None, :]).astype(np.float32)


def match_colour(face: np.ndarray, reference: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """face (uint8 RGB) with each channel's weighted mean and spread set to the reference's; the gain
    is bounded so a dark or flat crop cannot blow it up."""
    w = weight.reshape(-1, 1).astype(np.float64)
    total = w.sum() or 1.0
    f = face.reshape(-1, 3).astype(np.float64)
    r = reference.reshape(-1, 3).astype(np.float64)
    fm, rm = (f * w).sum(0) / total, (r * w).sum(0) / total
    fs = np.sqrt(((f - fm) ** 2 * w).sum(0) / total) + 1e-6
    rs = np.sqrt(((r - rm) ** 2 * w).sum(0) / total)
    gain = np.clip(rs / fs, 0.7, 1.4)
    out = (face.astype(np.float64) - fm) * gain + rm
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


class _PasteBack:
    """Puts a 256 px generated face back into the portrait with a soft face-shaped mask, colour-matched
    to the portrait's own face."""

    def __init__(self, fwd: np.ndarray, width: int, height: int, rest_256: np.ndarray, face_rgb: np.ndarray):
        self.fwd, self.size = fwd, (width, height)
        mask = face_mask(rest_256)
        self.weight = (mask > 0.9).astype(np.float64)          # where the colours are compared
        self.reference = face_rgb
        self.alpha = cv2.warpAffine(mask, fwd, self.size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=0)[:, :, None]

    def apply(self, portrait_rgb: np.ndarray, face_rgb: np.ndarray) -> np.ndarray:
        if self.weight.any():
            face_rgb = match_colour(face_rgb, self.reference, self.weight)
        big = cv2.warpAffine(face_rgb, self.fwd, self.size, flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REPLICATE)
        base = portrait_rgb.astype(np.float32)
        return np.clip(base + (big.astype(np.float32) - base) * self.alpha + 0.5, 0, 255).astype(np.uint8)


def create(settings=None) -> NeuralRenderer:
    return NeuralRenderer(settings)
