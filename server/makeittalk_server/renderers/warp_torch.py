"""The warp's per-pixel half on a torch device (used on a GPU): the span runs from raster.py are expanded
with repeat_interleave and the portrait is sampled with grid_sample (bilinear, edge repeated).

The numpy half (spans, affines) stays on the CPU: it is a few thousand numbers per frame. Only the runs
go up and the finished frame comes down.
"""

from __future__ import annotations

import numpy as np


class TorchWarp:
    def __init__(self, source_rgb: np.ndarray, device: str, height: int | None = None, width: int | None = None):
        """source_rgb: what is sampled (the warp's atlas); height x width: the frames (default: the source's)."""
        import torch

        self.torch = torch
        self.device = torch.device(device)
        h, w = source_rgb.shape[:2]
        self.height, self.width = height or h, width or w
        self.src = torch.from_numpy(np.ascontiguousarray(source_rgb)).to(self.device)
        self.src = self.src.permute(2, 0, 1)[None].float()                       # 1 x 3 x H x W
        self.xs = torch.arange(self.width, device=self.device, dtype=torch.float32).repeat(self.height)[:, None]
        # pixel coordinates -> grid_sample's [-1, 1] with align_corners=True (-1 = first pixel centre)
        self.scale = torch.tensor([2.0 / max(w - 1, 1), 2.0 / max(h - 1, 1)], device=self.device)

    def from_runs(self, slopes: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        t = self.torch
        n = self.height * self.width
        lengths = t.from_numpy(np.asarray(lengths, dtype=np.int64)).to(self.device)
        s = t.repeat_interleave(t.from_numpy(slopes).to(self.device), lengths, dim=0, output_size=n)
        o = t.repeat_interleave(t.from_numpy(offsets).to(self.device), lengths, dim=0, output_size=n)
        return self._sample(s * self.xs + o)

    def from_maps(self, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
        m = np.stack([map_x.ravel(), map_y.ravel()], axis=1).astype(np.float32)
        return self._sample(self.torch.from_numpy(m).to(self.device))

    def _sample(self, coords) -> np.ndarray:
        t = self.torch
        grid = (coords * self.scale - 1.0).view(1, self.height, self.width, 2)
        out = t.nn.functional.grid_sample(self.src, grid, mode="bilinear", padding_mode="border",
                                          align_corners=True)
        return out[0].permute(1, 2, 0).round_().clamp_(0, 255).to(t.uint8).cpu().numpy()
