"""Audio features exactly as the original computes them (spec section 3).

16 kHz int16 samples -> pydub-style loudness normalisation to -20 dBFS -> AutoVC mel (T x 80 float64)
and the one-hot F0 (T x 257 float32). T = floor(L / 256) + 1 frames at 62.5 fps.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

SR = 16000
HOP = 256
N_FFT = 1024
FPS = SR / HOP          # 62.5 frames per second for everything after the audio
F0_BINS = 257


def pcm16_from_clip(raw: np.ndarray, source_sr: int) -> np.ndarray:
    """frames x channels int16 at 16 kHz, what the original's ffmpeg step writes.

    For 16 kHz integer files decoded as float (x/32768) this is the exact original sample data; other
    rates are resampled per channel with soxr (ffmpeg's resampler is not reproduced bit for bit).
    """
    x = np.asarray(raw, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    if source_sr != SR:
        import soxr

        x = np.asarray(soxr.resample(x, source_sr, SR, quality="HQ"), dtype=np.float32)
        if x.ndim == 1:
            x = x[:, None]
    return np.clip(np.round(x.astype(np.float64) * 32768.0), -32768, 32767).astype(np.int16)


def loudness_normalise(pcm: np.ndarray, target_dbfs: float = -20.0) -> tuple[np.ndarray, float]:
    """pydub's match-to-target: integer RMS over all (interleaved) samples, gain, floor, clip.

    Returns (normalised int16 array of the same shape, gain in dB). Silence is returned unchanged.
    """
    s = np.asarray(pcm, dtype=np.int16)
    n = s.size
    sum_sq = int(np.sum(s.astype(np.int64) ** 2))
    rms = int(math.sqrt(sum_sq / float(n))) if n else 0       # audioop.rms truncates to an integer
    if rms == 0:
        return s.copy(), 0.0
    dbfs = 20 * math.log(rms / 32768.0, 10)
    gain_db = target_dbfs - dbfs
    factor = 10 ** (gain_db / 20)
    v = s.astype(np.float64) * factor
    out = np.floor(np.clip(v, -32768.0, 32767.0)).astype(np.int16)
    return out, gain_db


@lru_cache(maxsize=1)
def _highpass():
    from scipy.signal import butter

    return butter(5, 30 / (0.5 * SR), btype="high", analog=False)


@lru_cache(maxsize=1)
def _mel_basis() -> np.ndarray:
    import librosa

    # Slaney scale and area normalisation (librosa defaults), float32 as librosa returns it
    return librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=80, fmin=90, fmax=7600).T


@lru_cache(maxsize=1)
def _hann() -> np.ndarray:
    from scipy.signal import get_window

    return get_window("hann", N_FFT, fftbins=True)


def prepare_signal(x: np.ndarray) -> np.ndarray:
    """The signal the mel and F0 are computed from: one-sample fix, 30 Hz high-pass, x0.95, dither."""
    from scipy.signal import filtfilt

    x = np.asarray(x, dtype=np.float64)
    if x.shape[0] % HOP == 0:
        x = np.concatenate((x, np.array([1e-06])), axis=0)
    b, a = _highpass()
    y = filtfilt(b, a, x)
    rng = np.random.RandomState(0)        # the original's deterministic dither
    return y * 0.95 + (rng.rand(y.shape[0]) - 0.5) * 1e-06


def mel_from_signal(w: np.ndarray) -> np.ndarray:
    """|STFT| (reflect pad 512, periodic Hann 1024, hop 256) -> 80 mel bins -> AutoVC scale. T x 80."""
    xp = np.pad(w, N_FFT // 2, mode="reflect")
    n_frames = (xp.shape[0] - N_FFT) // HOP + 1
    frames = np.lib.stride_tricks.as_strided(xp, shape=(n_frames, N_FFT),
                                             strides=(xp.strides[0] * HOP, xp.strides[0]))
    spec = np.abs(np.fft.rfft(_hann() * frames, n=N_FFT).T).T
    mel = np.dot(spec, _mel_basis())
    db = 20 * np.log10(np.maximum(1e-5, mel)) - 16
    return (db + 100) / 100                 # not clipped to [0, 1], unlike the public AutoVC recipe


def f0_from_signal(w: np.ndarray, lo: float = 100.0, hi: float = 600.0) -> tuple[np.ndarray, np.ndarray]:
    """RAPT log-F0 (female range, always), per-utterance normalised to [0, 1] and one-hot (257 bins).

    Returns (normalised F0 with unvoiced = -1e10, T x 257 float32 one-hot).
    """
    lf0 = rapt_fresh(w.astype(np.float32) * 32768, lo, hi)
    voiced = lf0 != -1e10
    f0 = lf0.astype(float).copy()
    if voiced.any():
        mean, std = np.mean(lf0[voiced]), np.std(lf0[voiced])
        f0[voiced] = (f0[voiced] - mean) / std / 4.0
        f0[voiced] = np.clip(f0[voiced], -1, 1)
        f0[voiced] = (f0[voiced] + 1) / 2.0
    return f0, onehot_f0(f0)


def _rapt(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    import pysptk

    return pysptk.rapt(x, SR, HOP, min=lo, max=hi, otype=2)


def _rapt_child(conn, x, lo, hi):
    try:
        conn.send(("ok", _rapt(x, lo, hi)))
    except Exception as e:  # reported to the parent, which raises it
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def rapt_fresh(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """SPTK's RAPT keeps static state between calls: after some inputs, later calls in the same
    process give different F0 tracks (checked: clip C after clip B differs in 382 frames). The
    original runs once per process, so each call here runs in a freshly forked child whose RAPT state
    is untouched (this process never calls RAPT itself). Where fork is unavailable, RAPT runs in
    process, and results may then depend on earlier calls."""
    import multiprocessing as mp

    try:
        ctx = mp.get_context("fork")
    except ValueError:
        return _rapt(x, lo, hi)
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_rapt_child, args=(send, x, lo, hi), daemon=True)
    proc.start()
    send.close()
    try:
        status, value = recv.recv()
    except EOFError:
        raise RuntimeError("the F0 tracker (RAPT) process ended without a result") from None
    finally:
        recv.close()
        proc.join()
    if status != "ok":
        raise RuntimeError(f"F0 tracking failed: {value}")
    return value


def onehot_f0(f0: np.ndarray) -> np.ndarray:
    x = np.asarray(f0, dtype=float).copy()
    unvoiced = x <= 0
    x[unvoiced] = 0.0
    idx = np.round(x * (F0_BINS - 2)) + 1
    idx[unvoiced] = 0
    idx = np.nan_to_num(idx, nan=0.0)
    out = np.zeros((len(x), F0_BINS), dtype=np.float32)
    out[np.arange(len(x)), idx.astype(np.int32)] = 1.0
    return out


def autovc_features(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float64 samples (int16 / 32768, channel 0) -> (mel T x 80 float64, F0 one-hot T x 257, f0_norm)."""
    w = prepare_signal(x)
    mel = mel_from_signal(w)
    f0_norm, onehot = f0_from_signal(w)
    n = min(len(mel), len(onehot))
    return mel[:n], onehot[:n], f0_norm[:n]
