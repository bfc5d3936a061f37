"""MakeItTalk's image-to-image generator (spec section 8): landmark sketch + portrait -> face frame.

Public API (used by renderers/neural.py):
    load_generator(ckpt_path, device)            -> the ResUnet, eval mode, weights from the file
    draw_sketch(landmarks_68x2_px, size=256)     -> size x size x 3 uint8 BGR sketch on white
    generate_frames(gen, frames_px, portrait_bgr_256, batch=8, device=None)
                                                 -> iterator of 256x256x3 uint8 BGR generated frames
    compose_panel(portrait, generated, sketch)   -> the original's 768-wide [photo | generated | sketch]

Everything works at 256x256, the size the network was trained at; the caller crops/scales the portrait
and the landmarks to that square (the landmarks in the same 256-pixel frame as the portrait).
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np
import torch
from torch import nn

from .checkpoints import load_checkpoint

SIZE = 256

# (segments as index pairs, BGR colour) in drawing order: later groups paint over earlier ones.
def _chain(a, b):
    return [(i, i + 1) for i in range(a, b)]


SKETCH_GROUPS = [
    (_chain(0, 16), (255, 144, 25)),                         # jaw
    (_chain(17, 21) + _chain(22, 26), (50, 205, 50)),        # brows
    (_chain(27, 35), (208, 224, 63)),                        # nose (bridge and lower nose, one chain)
    (_chain(36, 41) + [(36, 41)] + _chain(42, 47) + [(42, 47)], (71, 99, 255)),   # eyes, closed
    (_chain(48, 59) + [(48, 59)], (238, 130, 238)),          # outer lips, closed
    (_chain(60, 67) + [(60, 67)], (238, 130, 238)),          # inner lips, closed
]


# ---- the network -------------------------------------------------------------------------------
def _conv(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)   # BatchNorm follows: no bias anywhere


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.block = nn.Sequential(_conv(c, c), nn.BatchNorm2d(c), nn.ReLU(True), _conv(c, c), nn.BatchNorm2d(c))

    def forward(self, x):
        return torch.relu(self.block(x) + x)


class UnetLevel(nn.Module):
    """One level of the ResUnet. Attribute `model` is a Sequential whose indices match the file's keys."""

    def __init__(self, outer, inner, out_nc=None, sub=None, kind="middle"):
        super().__init__()
        up = nn.Upsample(scale_factor=2, mode="nearest")
        if kind == "outermost":
            layers = [_conv(outer, inner, 2), nn.ReLU(True), ResBlock(inner), ResBlock(inner), sub, up,
                      _conv(inner * 2, out_nc)]
        elif kind == "innermost":
            layers = [_conv(outer, inner, 2), nn.ReLU(True), ResBlock(inner), ResBlock(inner), up,
                      _conv(inner, outer), nn.BatchNorm2d(outer), nn.ReLU(True), ResBlock(outer), ResBlock(outer)]
        else:
            layers = [_conv(outer, inner, 2), nn.BatchNorm2d(inner), nn.ReLU(True), ResBlock(inner),
                      ResBlock(inner), sub, up, _conv(inner * 2, outer), nn.BatchNorm2d(outer), nn.ReLU(True),
                      ResBlock(outer), ResBlock(outer)]
        self.outermost = kind == "outermost"
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        y = self.model(x)
        return y if self.outermost else torch.cat([x, y], 1)   # skip input first, then the branch


class ResUnetGenerator(nn.Module):
    """ResUnet(input 6, output 3, 6 downsamplings, ngf 64): 256 -> 4 px bottleneck -> 256."""

    def __init__(self, in_nc=6, out_nc=3, ngf=64):
        super().__init__()
        lvl = UnetLevel(ngf * 8, ngf * 8, kind="innermost")                # L5 512 -> 512
        lvl = UnetLevel(ngf * 8, ngf * 8, sub=lvl)                          # L4 512 -> 512
        lvl = UnetLevel(ngf * 4, ngf * 8, sub=lvl)                          # L3 256 -> 512
        lvl = UnetLevel(ngf * 2, ngf * 4, sub=lvl)                          # L2 128 -> 256
        lvl = UnetLevel(ngf, ngf * 2, sub=lvl)                              # L1 64 -> 128
        self.model = UnetLevel(in_nc, ngf, out_nc=out_nc, sub=lvl, kind="outermost")

    def forward(self, x):
        return self.model(x)


def load_generator(ckpt_path, device="cpu") -> ResUnetGenerator:
    """The generator with the weights of ckpt_116_i2i_comb.pth (any `module.` prefix accepted)."""
    with torch.device("meta"):
        gen = ResUnetGenerator()
    gen = load_checkpoint(gen, ckpt_path, "i2i", device=device)
    # NHWC: about 1.4x faster on CPU (oneDNN) and what GPU tensor cores prefer; same numbers to ~5e-6
    return gen.to(memory_format=torch.channels_last)


# ---- inputs and outputs ------------------------------------------------------------------------
def draw_sketch(landmarks_px, size: int = SIZE) -> np.ndarray:
    """The original's landmark drawing: coloured 2-px polylines on white, BGR uint8.

    Coordinates are truncated toward zero (not rounded), as the original does.
    """
    import cv2

    pts = np.asarray(landmarks_px, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] != 68 or pts.shape[1] < 2:
        raise ValueError(f"draw_sketch needs 68 x 2 landmarks, got {pts.shape}")
    # int() truncation toward zero; clamp far-off points so OpenCV's int conversion cannot overflow
    p = np.trunc(np.clip(pts[:, :2], -1e6, 1e6)).astype(np.int64)
    img = np.full((size, size, 3), 255, dtype=np.uint8)
    for segs, colour in SKETCH_GROUPS:
        for a, b in segs:
            cv2.line(img, (int(p[a, 0]), int(p[a, 1])), (int(p[b, 0]), int(p[b, 1])), colour, 2)
    return img


def _check_portrait(portrait_bgr) -> np.ndarray:
    img = np.asarray(portrait_bgr)
    if img.shape != (SIZE, SIZE, 3) or img.dtype != np.uint8:
        raise ValueError(f"the generator needs a {SIZE}x{SIZE}x3 uint8 BGR portrait, got {img.shape} {img.dtype}")
    return img


def make_input(sketches_bgr: np.ndarray, portrait_bgr: np.ndarray) -> np.ndarray:
    """n x 6 x 256 x 256 uint8: [sketch BGR | portrait BGR] channels (the network divides by 255)."""
    n = sketches_bgr.shape[0]
    photo = np.broadcast_to(portrait_bgr.transpose(2, 0, 1)[None], (n, 3, SIZE, SIZE))
    return np.concatenate([sketches_bgr.transpose(0, 3, 1, 2), photo], axis=1)


@torch.inference_mode()
def run_raw(gen: nn.Module, input_u8: np.ndarray, device=None) -> torch.Tensor:
    """Generator output before tanh (n x 3 x 256 x 256 float32, BGR) for uint8 n x 6 x H x W input."""
    device = device or next(gen.parameters()).device
    x = torch.from_numpy(np.ascontiguousarray(input_u8)).to(device).float() / 255.0
    return gen(x.contiguous(memory_format=torch.channels_last))


def to_image(raw: torch.Tensor) -> torch.Tensor:
    """tanh, negatives set to 0 (the original uses [0, 1) of the tanh range), float n x H x W x 3."""
    return torch.tanh(raw).clamp_min(0.0).permute(0, 2, 3, 1)


def to_uint8(img01: torch.Tensor) -> np.ndarray:
    """x255 then truncation, like the original's astype(uint8)."""
    return (img01 * 255.0).to(torch.uint8).cpu().numpy()


def generate_frames(gen: nn.Module, track_frames_px: Iterable, portrait_bgr_256: np.ndarray,
                    batch: int = 8, device=None, precision: str = "exact") -> Iterator[np.ndarray]:
    """Yield one 256x256x3 uint8 BGR generated face per landmark frame (frames in 256-px coordinates).

    Frames are drawn and run in batches of `batch`; sketch drawing for the next batch overlaps nothing
    fancy, but batching alone is what makes the GPU fast. precision "fast" on CPU: an int8 copy of the
    generator calibrated on the first frame (fast.quantise_generator); "exact" is the original's numbers.
    """
    portrait = _check_portrait(portrait_bgr_256)
    device = device or next(gen.parameters()).device
    batch = max(1, int(batch))
    buf: list[np.ndarray] = []
    run = {"gen": gen, "fast": precision == "fast" and str(device).startswith("cpu")}

    @torch.inference_mode()
    def flush():
        inp = make_input(np.stack(buf), portrait)
        if run["fast"]:
            x = torch.from_numpy(np.ascontiguousarray(inp)).float() / 255.0
            if run["gen"] is gen:
                from .fast import quantise_generator

                run["gen"] = quantise_generator(gen, x[:1])
            raw = run["gen"](x)
        else:
            raw = run_raw(gen, inp, device)
        out = to_uint8(to_image(raw))
        buf.clear()
        return out

    for f in track_frames_px:
        buf.append(draw_sketch(np.asarray(f)[:, :2]))
        if len(buf) == batch:
            yield from flush()
    if buf:
        yield from flush()


def compose_panel(portrait_bgr: np.ndarray, generated_bgr: np.ndarray, sketch_bgr: np.ndarray) -> np.ndarray:
    """The original's 256 x 768 video frame [photo | generated | sketch] (all uint8 already)."""
    return np.concatenate([portrait_bgr, generated_bgr, sketch_bgr], axis=1)
