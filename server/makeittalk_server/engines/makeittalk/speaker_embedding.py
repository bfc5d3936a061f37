"""The resemblyzer speaker embedding the way the original wraps it (spec section 3.2).

The audio is mono-averaged float32 of the 16 kHz int16 file (what librosa.load gives), volume-raised to
-30 dBFS if quieter and silence-trimmed by resemblyzer; then cut into whole 60 s pieces (all of it when
shorter), each embedded with partials at rate 2, and the piece embeddings averaged (not re-normalised).
"""

from __future__ import annotations

import numpy as np

SEGMENT = 960000          # 60 s of trimmed audio per piece


def encoder(device: str = "cpu"):
    """The process's one resemblyzer VoiceEncoder on `device`, shared with the default engine."""
    from .. import speaker

    return speaker.encoder(device)


def mono_float(pcm16: np.ndarray) -> np.ndarray:
    """librosa.load(mono=True) of an int16 file: float32 x/32768, channels averaged."""
    x = np.asarray(pcm16)
    f = x.astype(np.float32) / np.float32(32768.0)
    if f.ndim == 2:
        f = f.mean(axis=1) if f.shape[1] > 1 else f[:, 0]
    return f


def embed(pcm16: np.ndarray, device: str = "cpu") -> np.ndarray:
    """256-d float32 embedding of frames x channels int16 at 16 kHz."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from resemblyzer import preprocess_wav
        from resemblyzer.audio import normalize_volume

        mono = mono_float(pcm16)
        wav = preprocess_wav(mono)
        if len(wav) < 160:
            # no voice found by the VAD (the original would crash): use the whole clip instead
            wav = normalize_volume(mono, -30, increase_only=True)
    if len(wav) < 160:
        raise ValueError("the audio is too short for a speaker embedding")
    enc = encoder(device)
    n = max(1, len(wav) // SEGMENT)
    pieces = [wav] if len(wav) < SEGMENT else [wav[i * SEGMENT:(i + 1) * SEGMENT] for i in range(n)]
    embs = [enc.embed_utterance(p, return_partials=True, rate=2)[0] for p in pieces]
    return np.mean(np.stack(embs), axis=0).astype(np.float32)
