"""One resemblyzer VoiceEncoder per device for the whole process, shared by every engine.

Both engines embed the speaker's voice with resemblyzer (the default engine for its head-motion style,
the makeittalk engine as the original does). Loading it twice cost a second copy of its weights and a
second warm-up; here it is loaded once, on first use (or by the background warm-up), and shared.
Inference only reads the weights, so threads may use it side by side.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_encoders: dict[str, object] = {}


def encoder(device: str = "cpu"):
    """The process's VoiceEncoder on `device` (it ships its weights in the PyPI wheel; nothing is fetched)."""
    with _lock:
        if device not in _encoders:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from resemblyzer import VoiceEncoder

                _encoders[device] = VoiceEncoder(device, verbose=False)
        return _encoders[device]


def loaded() -> list[str]:
    """Devices on which the encoder is loaded (for health and tests)."""
    with _lock:
        return sorted(_encoders)
