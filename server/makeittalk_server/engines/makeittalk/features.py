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
    return f0_normalise(RaptJob(w, lo, hi).result())


def f0_normalise(lf0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


# The helper process: reads (n, lo, hi, n float32) requests on stdin; for each one it forks a child
# that runs RAPT once and writes (status, n, n float32) to stdout, and waits for it. The helper itself
# never calls RAPT and runs no threads, so every child starts from RAPT's initial state and forking
# is safe.
_HELPER = r"""
import os, struct, sys
import numpy as np
import pysptk
inp, out = sys.stdin.buffer, sys.stdout.buffer
def read(n):
    b = b""
    while len(b) < n:
        c = inp.read(n - len(b))
        if not c:
            sys.exit(0)
        b += c
    return b
while True:
    n, lo, hi = struct.unpack("<qdd", read(24))
    x = np.frombuffer(read(4 * n), dtype=np.float32)
    pid = os.fork()
    if pid == 0:
        try:
            y = np.ascontiguousarray(pysptk.rapt(x, %d, %d, min=lo, max=hi, otype=2), dtype=np.float32)
            out.write(struct.pack("<qq", 0, y.size) + y.tobytes())
        except Exception as e:
            msg = repr(e).encode()
            out.write(struct.pack("<qq", 1, len(msg)) + msg)
        out.flush()
        os._exit(0)
    os.waitpid(pid, 0)
""" % (SR, HOP)


class _RaptHelper:
    def __init__(self):
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, "-c", _HELPER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, x: np.ndarray, lo: float, hi: float) -> None:
        import struct

        self.proc.stdin.write(struct.pack("<qdd", x.size, lo, hi) + np.ascontiguousarray(x, np.float32).tobytes())
        self.proc.stdin.flush()

    def receive(self) -> np.ndarray:
        import struct

        head = self.proc.stdout.read(16)
        if len(head) < 16:
            raise RuntimeError("the F0 tracker (RAPT) helper process stopped")
        status, n = struct.unpack("<qq", head)
        if status != 0:
            raise RuntimeError("F0 tracking failed: " + self.proc.stdout.read(n).decode(errors="replace"))
        return np.frombuffer(self.proc.stdout.read(4 * n), dtype=np.float32).copy()   # RAPT gives float32


_helper_lock = __import__("threading").Lock()
_helper: _RaptHelper | None = None


class RaptJob:
    """RAPT on the prepared signal w, started at once in a fresh process; result() waits for it.

    SPTK's RAPT keeps static state between calls: after some inputs, later calls in the same process
    give different F0 tracks (checked: clip C after clip B differs in 382 frames). The original runs
    once per process, so every call here runs in a freshly forked child of a small helper process that
    never calls RAPT itself. It also runs in parallel with the caller. If the helper cannot run, RAPT
    runs in this process, and results may then depend on earlier calls.
    """

    def __init__(self, w: np.ndarray, lo: float = 100.0, hi: float = 600.0):
        global _helper
        x = (w.astype(np.float32) * 32768).astype(np.float32)
        self._value = None
        self._pending = False
        _helper_lock.acquire()          # one request at a time: released once its answer is read
        try:
            if _helper is None or not _helper.alive():
                _helper = _RaptHelper()
            _helper.send(x, lo, hi)
            self._pending = True
        except Exception:
            _discard_helper()
            _helper_lock.release()
            self._value = _rapt(x, lo, hi)

    def result(self) -> np.ndarray:
        if self._pending:
            self._pending = False
            try:
                self._value = _helper.receive()
            except Exception:
                _discard_helper()       # the answer stream may be out of step: start a new helper next time
                raise
            finally:
                _helper_lock.release()
        return self._value

    def close(self) -> None:
        """Collect (and drop) an answer nobody asked for, so the next request gets its own answer."""
        if self._pending:
            try:
                self.result()
            except Exception:
                pass

    def __del__(self):
        self.close()


def _discard_helper() -> None:
    global _helper
    if _helper is not None:
        try:
            _helper.proc.kill()
        except Exception:
            pass
    _helper = None


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
    job = RaptJob(w)                  # runs while the mel is computed
    try:
        mel = mel_from_signal(w)
        f0_norm, onehot = f0_normalise(job.result())
    finally:
        job.close()
    n = min(len(mel), len(onehot))
    return mel[:n], onehot[:n], f0_norm[:n]
