"""Voice embedding (resemblyzer's network, run in numpy) and pitch (f0.py), the speaker and prosody cues."""

from __future__ import annotations

import threading

import numpy as np

from . import segments

EMBED_MAX_S = 8.0      # a voice's style is clear from a few seconds; more only costs time
# Speech shorter than one 1.6 s partial is repeated up to it (not zero-padded). Longer speech is embedded
# at its own length: the numpy encoder has no compiled shapes to keep warm, and tiling 3 s of speech
# up to 8 s cost twice the arithmetic for the same voice (cosine 0.993 to the tiled embedding on the
# batch bench's and tests' voices, min 0.981; .team/batch.md).
EMBED_MIN_S = 1.6


class Voice:
    def __init__(self):
        self._encoder = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._encoder is None:
                from .. import speaker_numpy

                # resemblyzer's weights and arithmetic without torch or librosa (~2 s of imports a cold
                # run would pay); the same embedding to float32 rounding (speaker_numpy's docstring)
                try:
                    self._encoder = speaker_numpy.encoder()
                except Exception:       # a resemblyzer whose weights file this reader does not know
                    self._encoder = _TorchEncoder()

    def embedding(self, samples: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
        """256-d embedding of (up to EMBED_MAX_S of) the speech; None when there is too little."""
        from ... import prefetch

        if prefetch.active():          # `makeittalk track`: computed by its helper child on the other core
            msg = prefetch.take("embedding", prefetch.samples_key(samples, mask))
            if msg is not None:
                return np.asarray(msg["value"], dtype=np.float32)
        self.load()
        n = int(EMBED_MAX_S * segments.SR)
        # the first n samples of speech only: gathering all of it would copy a whole long clip
        frames = np.flatnonzero(mask)[: -(-n // segments.HOP)]
        idx = (frames[:, None] * segments.HOP + np.arange(segments.HOP)).ravel()
        speech = samples[idx[idx < len(samples)]]
        if len(speech) < segments.SR * 0.8:
            return None
        m = int(EMBED_MIN_S * segments.SR)
        if len(speech) < m:
            speech = np.tile(speech, int(np.ceil(m / len(speech))))[:m]
        peak = np.abs(speech).max()
        if peak > 0:
            speech = speech / peak * 0.5
        return self._encoder.embed_utterance(speech.astype(np.float32))


class _TorchEncoder:
    """resemblyzer itself (torch), when its weights cannot be read without torch."""

    def __init__(self):
        from .. import speaker

        self._enc = speaker.encoder("cpu")

    def embed_utterance(self, wav: np.ndarray) -> np.ndarray:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)      # 160 small steps: more threads only add a barrier to each
        try:
            return self._enc.embed_utterance(wav)
        finally:
            torch.set_num_threads(threads)


def pitch(samples: np.ndarray) -> np.ndarray:
    """F0 in Hz per 10 ms (0 = unvoiced) of 8 kHz audio (f0.py): head motion needs the contour, not
    the last hertz."""
    from ... import prefetch

    if prefetch.active():              # `makeittalk track`: computed by its helper child on the other core
        msg = prefetch.take("pitch", prefetch.samples_key(samples))
        if msg is not None:
            return np.asarray(msg["value"], dtype=np.float32)
    import soxr

    from . import f0

    x = soxr.resample(np.asarray(samples, dtype=np.float32), segments.SR, 8000, quality="LQ")
    if len(x) < 800:
        return np.zeros(max(1, len(samples) // segments.HOP))
    return f0.track(x).astype(np.float32)
