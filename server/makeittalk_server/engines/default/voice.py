"""Voice embedding (resemblyzer) and pitch (pysptk SWIPE'), the speaker and prosody cues."""

from __future__ import annotations

import threading

import numpy as np

from . import segments

EMBED_MAX_S = 8.0      # a voice's style is clear from a few seconds; more only costs time


class Voice:
    def __init__(self):
        self._encoder = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._encoder is None:
                from .. import speaker

                self._encoder = speaker.encoder("cpu")    # one loaded encoder for both engines

    def embedding(self, samples: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
        """256-d embedding of (up to EMBED_MAX_S of) the speech; None when there is too little."""
        self.load()
        n = int(EMBED_MAX_S * segments.SR)
        # the first n samples of speech only: gathering all of it would copy a whole long clip
        frames = np.flatnonzero(mask)[: -(-n // segments.HOP)]
        idx = (frames[:, None] * segments.HOP + np.arange(segments.HOP)).ravel()
        speech = samples[idx[idx < len(samples)]]
        if len(speech) < segments.SR * 0.8:
            return None
        # always the same length (short speech is repeated): one input shape, so warm() really warms
        speech = np.tile(speech, int(np.ceil(n / len(speech))))[:n]
        peak = np.abs(speech).max()
        if peak > 0:
            speech = speech / peak * 0.5
        import torch

        with self._lock:
            # One thread: this LSTM steps 160 frames x 3 layers, and with more threads every step is a
            # barrier; on a busy machine each barrier can wait a whole scheduler slice (seconds in all).
            # Jobs run one at a time, so borrowing the global setting briefly is safe.
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                return self._encoder.embed_utterance(speech.astype(np.float32))
            finally:
                torch.set_num_threads(threads)


def pitch(samples: np.ndarray) -> np.ndarray:
    """F0 in Hz per 10 ms (0 = unvoiced). RAPT on 8 kHz audio: head motion needs the contour, not
    the last hertz, and this is ~20x cheaper than SWIPE' at 16 kHz."""
    import pysptk
    import soxr

    x = soxr.resample(np.asarray(samples, dtype=np.float32), segments.SR, 8000, quality="LQ") * 32767.0
    if len(x) < 800:
        return np.zeros(max(1, len(samples) // segments.HOP))
    return pysptk.rapt(x.astype(np.float32), fs=8000, hopsize=80, min=60, max=420, otype="f0")
