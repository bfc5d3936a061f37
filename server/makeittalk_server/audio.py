"""Decode any speech file (wav, flac, ogg, mp3; any rate and channel count) and check it is usable."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import soundfile as sf

from .errors import BadInput

SR = 16000
MIN_SECONDS = 0.5
SILENCE_DBFS = -55.0       # louder than this somewhere, or it is silence
MAX_SECONDS = 60 * 60      # one hour; longer is refused rather than risking memory


@dataclass
class AudioClip:
    samples: np.ndarray     # mono float32 at SR, in [-1, 1]
    raw: np.ndarray         # frames x channels float32 at source_sr, as decoded
    source_sr: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SR

    @property
    def channels(self) -> int:
        return int(self.raw.shape[1])


def resample(x: np.ndarray, sr_from: int, sr_to: int = SR) -> np.ndarray:
    if sr_from == sr_to:
        return np.ascontiguousarray(x, dtype=np.float32)
    import soxr  # high-quality, fast; the same resampler librosa uses

    return soxr.resample(np.asarray(x, dtype=np.float32), sr_from, sr_to, quality="HQ").astype(np.float32)


def decode(data: bytes | str, name: str = "audio") -> AudioClip:
    """Bytes or a path -> AudioClip; BadInput with a plain message for anything unusable."""
    src = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    try:
        raw, sr = sf.read(src, dtype="float32", always_2d=True)
    except Exception as e:  # libsndfile says little; keep its words for the curious
        raise BadInput("unreadable_audio",
                       f"could not read {name} as audio (wav, flac, ogg or mp3 expected): {e}") from None
    if raw.size == 0 or sr <= 0:
        raise BadInput("unreadable_audio", f"{name} contains no audio samples")
    if raw.shape[0] / sr > MAX_SECONDS:
        raise BadInput("audio_too_long", f"{name} is {raw.shape[0] / sr / 60:.0f} minutes long; "
                       f"the limit is {MAX_SECONDS // 60} minutes")
    if not np.all(np.isfinite(raw)):
        raw = np.nan_to_num(raw, nan=0.0, posinf=1.0, neginf=-1.0)
    mono = raw.mean(axis=1)
    samples = np.clip(resample(mono, int(sr)), -1.0, 1.0)
    clip = AudioClip(samples=samples, raw=raw, source_sr=int(sr))
    check_usable(clip, name)
    return clip


def check_usable(clip: AudioClip, name: str = "audio") -> None:
    if clip.duration_s < MIN_SECONDS:
        raise BadInput("audio_too_short",
                       f"{name} is {clip.duration_s:.2f} s long; at least {MIN_SECONDS} s of speech is needed")
    # Loudest 50 ms window, so a mostly quiet clip with some speech still passes.
    win = SR // 20
    n = len(clip.samples) // win
    frames = clip.samples[: n * win].reshape(n, win) if n else clip.samples[None, :]
    peak_rms = float(np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1)).max())
    if peak_rms <= 10 ** (SILENCE_DBFS / 20):
        raise BadInput("silent_audio", f"{name} is silent (loudest part {20 * np.log10(peak_rms + 1e-12):.0f} dBFS); "
                       "record speech or raise the level")
