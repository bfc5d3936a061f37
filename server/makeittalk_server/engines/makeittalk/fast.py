"""The opt-in fast precision (`params.precision = "fast"`); "exact" (the original's numbers) stays the default.

What changes, and why it is cheap to lose:
* The landmark LSTMs run on every third 18-frame window only (each window starts from a zero state,
  so neighbouring windows repeat the same work); the rows between are interpolated. The outputs are
  smoothed over 5-31 frames afterwards, so the 32 ms in between carries little (every 2nd window:
  0.011 px mean; every 3rd: 0.023-0.035 px).
* On CPU the content branch's LSTM runs int8 dynamically quantised (weights int8, activations
  quantised per batch; fbgemm kernels): about 0.1 px mean. Quantising the speaker branch or AutoVC as
  well was measured at 0.2-0.25 px more each for little time, so they stay float32. On a GPU
  everything stays float32 (those kernels are CPU-only).
* The image generator (i2i), on CPU: int8 static quantisation (FX graph mode, x86 backend), its
  activation ranges calibrated on the job's own first frame, so the same job gives the same frames.
The deviation from exact is measured on the parity clips (tests/engines/makeittalk/test_fast_precision.py,
bench/bench_makeittalk.py --precision fast).
"""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

PRECISIONS = ("exact", "fast")
WINDOW_STRIDE = 3


def quantise(module: nn.Module, types=(nn.LSTM, nn.Linear)) -> nn.Module:
    """A int8 dynamically quantised copy (CPU only); the original module is untouched."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # torch points to torchao for new code; this API still works
        return torch.ao.quantization.quantize_dynamic(copy.deepcopy(module).eval(), set(types), dtype=torch.qint8)


def fast_models(models):
    """The Models of the fast precision, sharing nothing mutable with the exact ones."""
    from .audio2landmark import Models

    if not str(models.device).startswith("cpu"):      # inference never changes the modules: share them
        return Models(autovc=models.autovc, content=models.content, speaker=models.speaker,
                      device=models.device, folder=models.folder, precision="fast", window_stride=WINDOW_STRIDE)
    return Models(autovc=models.autovc, content=quantise(models.content, (nn.LSTM,)), speaker=models.speaker,
                  device=models.device, folder=models.folder, precision="fast", window_stride=WINDOW_STRIDE)


def quantise_generator(gen: nn.Module, calibration: torch.Tensor) -> nn.Module:
    """An int8 copy of the i2i generator (CPU), calibrated on `calibration` (n x 6 x 256 x 256 in [0, 1])."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    g = copy.deepcopy(gen).to(memory_format=torch.contiguous_format).eval()
    x = calibration.contiguous()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = prepare_fx(g, get_default_qconfig_mapping("x86"), (x[:1],))
        with torch.inference_mode():
            for i in range(len(x)):
                prepared(x[i:i + 1])
        return convert_fx(prepared)
