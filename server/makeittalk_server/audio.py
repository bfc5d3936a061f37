"""Decode any speech file (wav, flac, ogg, mp3; any rate and channel count) and check it is usable.

The header is checked first (probe.py), then the file is read in blocks: each block is mixed down to
mono as it comes, so an 8-channel 48 kHz file never exists decoded in full. Short clips keep their
source samples too (`raw`, for engines that want the original channels and rate).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import soundfile as sf

from . import probe
from .errors import BadInput

SR = 16000
MIN_SECONDS = 0.5
SILENCE_DBFS = -55.0       # louder than this somewhere, or it is silence
KEEP_RAW_BYTES = 64 * 1024 * 1024   # source samples kept up to this size; longer clips keep mono at SR
BLOCK_SAMPLES = 1 << 20             # samples (all channels) read at a time: 4 MB of float32


@dataclass
class AudioClip:
    samples: np.ndarray     # mono float32 at SR, in [-1, 1]
    raw: np.ndarray         # frames x channels float32 at source_sr (a long clip: the mono samples at SR)
    source_sr: int
    source_channels: int = 0  # channels of the file (raw may hold fewer for a long clip)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SR

    @property
    def channels(self) -> int:
        return int(self.source_channels or self.raw.shape[1])


def resample(x: np.ndarray, sr_from: int, sr_to: int = SR) -> np.ndarray:
    if sr_from == sr_to:
        return np.ascontiguousarray(x, dtype=np.float32)
    import soxr  # high-quality, fast; the same resampler librosa uses

    return soxr.resample(np.asarray(x, dtype=np.float32), sr_from, sr_to, quality="HQ").astype(np.float32)


class _Mono:
    """Collects mono blocks; past KEEP_RAW_BYTES it drops the source samples and resamples as it goes."""

    def __init__(self, sr: int):
        self.sr = sr
        self.raw: list[np.ndarray] | None = []
        self.mono: list[np.ndarray] = []
        self.raw_bytes = 0
        self.stream = None
        self.out: list[np.ndarray] = []

    def add(self, block: np.ndarray) -> None:
        if not np.all(np.isfinite(block)):
            block = np.nan_to_num(block, nan=0.0, posinf=1.0, neginf=-1.0)
        mono = block.mean(axis=1, dtype=np.float32)
        if self.raw is not None:
            self.raw.append(block)
            self.mono.append(mono)
            self.raw_bytes += block.nbytes
            if self.raw_bytes > KEEP_RAW_BYTES:
                self._go_streaming()
        else:
            self._feed(mono, last=False)

    def _go_streaming(self) -> None:
        import soxr

        self.raw = None
        if self.sr != SR:
            self.stream = soxr.ResampleStream(self.sr, SR, 1, dtype="float32", quality="HQ")
        pending, self.mono = self.mono, []
        for m in pending:
            self._feed(m, last=False)

    def _feed(self, mono: np.ndarray, last: bool) -> None:
        if self.stream is None:
            self.out.append(np.asarray(mono, dtype=np.float32))
        else:
            self.out.append(np.asarray(self.stream.resample_chunk(mono, last=last), dtype=np.float32))

    def finish(self, channels: int) -> AudioClip:
        if self.raw is not None:   # short: exactly as a one-shot decode would give
            raw = np.concatenate(self.raw) if self.raw else np.zeros((0, channels), np.float32)
            mono = np.concatenate(self.mono) if self.mono else np.zeros(0, np.float32)
            samples = np.clip(resample(mono, self.sr), -1.0, 1.0)
            return AudioClip(samples=samples, raw=raw, source_sr=self.sr, source_channels=channels)
        if self.stream is not None:
            self._feed(np.zeros(0, np.float32), last=True)
        samples = np.clip(np.concatenate(self.out), -1.0, 1.0)
        self.out = []
        return AudioClip(samples=samples, raw=samples[:, None], source_sr=SR, source_channels=channels)


def decode(data: bytes | str, name: str = "audio") -> AudioClip:
    """Bytes or a path -> AudioClip; BadInput with a plain message for anything unusable."""
    src = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    try:
        f = sf.SoundFile(src)
    except Exception:  # libsndfile's words name the Python object; ours name the file
        raise BadInput("unreadable_audio",
                       f"could not read {name} as audio (wav, flac, ogg or mp3 expected)") from None
    with f:
        sr, ch, _ = probe.audio_header(f, name)      # too long or odd: refused before decoding
        with probe.decode_slot(name):
            acc = _Mono(sr)
            cap = int(probe.LIMITS["audio_seconds"] * sr) + 1
            seen = 0
            try:
                for block in f.blocks(blocksize=max(1, BLOCK_SAMPLES // ch), dtype="float32", always_2d=True):
                    seen += len(block)
                    if seen > cap:      # the header did not say (or lied): stop at the limit
                        probe.check_duration(seen / sr, name)
                    acc.add(block)
            except BadInput:
                raise
            except Exception:
                if seen == 0:
                    raise BadInput("unreadable_audio", f"could not read {name} as audio (wav, flac, ogg or "
                                   "mp3 expected)") from None
                # a damaged tail: keep what was read
            clip = acc.finish(ch)
    if clip.samples.size == 0:
        raise BadInput("unreadable_audio", f"{name} contains no audio samples")
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
