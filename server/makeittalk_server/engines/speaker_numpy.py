"""resemblyzer's speaker embedding in plain numpy: no torch, no librosa, no numba.

The default engine only needs the voice's 256-d embedding for its head-motion style. Importing torch and
librosa for it cost ~2 s of every cold `makeittalk track`; this computes the same numbers (the same mel
spectrogram, the same 3-layer LSTM, the same weights) from the file resemblyzer ships in its wheel, read
here without torch. tests/engines/default/test_voice_numpy.py holds it to resemblyzer's own output.
The makeittalk engine keeps resemblyzer itself (its parity with the original is bit-exact).
"""

from __future__ import annotations

import importlib.util
import pickle
import struct
import threading
from pathlib import Path

import numpy as np

from .. import blas

SR, N_FFT, HOP, N_MELS = 16000, 400, 160, 40     # resemblyzer's hparams: 25 ms windows, 10 ms steps
PARTIAL_FRAMES = 160                             # 1.6 s per partial utterance
RATE, MIN_COVERAGE = 1.3, 0.75                   # embed_utterance's defaults
LAYERS = 3


def weights_path() -> Path | None:
    """resemblyzer's pretrained.pt, found without importing resemblyzer (its __init__ imports torch)."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "pretrained.pt"
    return p if p.is_file() else None


# ---- the weights: torch's legacy (non-zip) pickle format, read without torch ----------------------------
class _Storage:
    def __init__(self, dtype, numel):
        self.dtype, self.numel, self.data = dtype, numel, None


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self) -> np.ndarray:
        item = self.storage.data.itemsize
        return np.lib.stride_tricks.as_strided(self.storage.data[self.offset:], self.size,
                                               [s * item for s in self.stride]).copy()


_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64,
           "IntStorage": np.int32, "HalfStorage": np.float16, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


class _Unpickler(pickle.Unpickler):
    def __init__(self, f):
        super().__init__(f)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module, name):
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return lambda storage, offset, size, stride, *rest: _Tensor(storage, offset, size, stride)
        if module == "torch" and name in _DTYPES:
            return name
        if module == "collections" and name == "OrderedDict":
            import collections

            return collections.OrderedDict
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} in the voice weights")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, numel = pid[0], pid[1], pid[2], pid[3], pid[4]
        if kind != "storage" or storage_type not in _DTYPES:
            raise pickle.UnpicklingError("unexpected storage in the voice weights")
        if key not in self.storages:
            self.storages[key] = _Storage(_DTYPES[storage_type], numel)
        return self.storages[key]


def read_state(path: Path) -> dict[str, np.ndarray]:
    """model_state of a file written by torch.save in the legacy format (resemblyzer's pretrained.pt)."""
    with open(path, "rb") as f:
        for _ in range(3):                        # magic number, protocol version, system info
            pickle.load(f)
        up = _Unpickler(f)
        obj = up.load()
        keys = pickle.load(f)
        for key in keys:                          # each storage: int64 element count, then its bytes
            st = up.storages[key]
            (n,) = struct.unpack("<q", f.read(8))
            st.data = np.frombuffer(f.read(n * np.dtype(st.dtype).itemsize), dtype=st.dtype)
    state = obj["model_state"] if "model_state" in obj else obj
    return {k: v.array() for k, v in state.items() if isinstance(v, _Tensor)}


# ---- the mel spectrogram (librosa.feature.melspectrogram with resemblyzer's arguments) ----------------
def _hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0     # Slaney's scale
    m = f / f_sp
    return np.where(f >= min_log_hz, min_log_hz / f_sp + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, m)


def _mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_basis() -> np.ndarray:
    """40 x 201 Slaney-normalised triangular filters from 0 Hz to 8 kHz."""
    fft_f = np.linspace(0, SR / 2, 1 + N_FFT // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SR / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_f[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    w = np.maximum(0.0, np.minimum(lower, upper))
    w *= (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]
    return w.astype(np.float32)


def mel_spectrogram(wav: np.ndarray) -> np.ndarray:
    """frames x 40 power mel spectrogram: centred frames, zero padding, periodic Hann window."""
    y = np.pad(np.asarray(wav, dtype=np.float32), N_FFT // 2)
    n = 1 + (len(y) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(y, (n, N_FFT), (HOP * 4, 4))
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    spec = np.fft.rfft(frames * window, axis=1).astype(np.complex64)
    power = (spec.real ** 2 + spec.imag ** 2).astype(np.float32)
    return power @ _basis().T


_basis_cache: list = []


def _basis() -> np.ndarray:
    if not _basis_cache:
        _basis_cache.append(mel_basis())
    return _basis_cache[0]


# ---- the network --------------------------------------------------------------------------------------
def partial_slices(n_samples: int) -> list[slice]:
    """Mel-frame ranges of the 1.6 s partials (resemblyzer's compute_partial_slices)."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    step = int(np.round((SR / RATE) / HOP))
    starts = range(0, max(1, n_frames - PARTIAL_FRAMES + step + 1), step)
    slices = [slice(i, i + PARTIAL_FRAMES) for i in starts]
    last = slices[-1]
    coverage = (n_samples - last.start * HOP) / (PARTIAL_FRAMES * HOP)
    if coverage < MIN_COVERAGE and len(slices) > 1:
        slices = slices[:-1]
    return slices


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)        # = 1/(1+e^-x), without overflow warnings


class NumpyVoiceEncoder:
    """The VoiceEncoder's embed_utterance, in numpy (float32, like resemblyzer on the CPU)."""

    def __init__(self, path: Path | None = None):
        path = path or weights_path()
        if path is None:
            raise FileNotFoundError("resemblyzer's voice weights (pretrained.pt) are not installed")
        s = read_state(path)
        # torch's gate order is input, forget, cell, output; stored here as input, forget, output, cell so
        # the three sigmoid gates are one contiguous block (one call per step instead of three)
        order = np.r_[0:256, 256:512, 768:1024, 512:768]
        # The sigmoid gates' rows are halved (exact in floating point): sigmoid(x) = (tanh(x/2) + 1) / 2.
        # The recurrent weights are kept as four 256 x 256 blocks (one per gate): each fits a core's L2
        # cache, and four small products measured ~1.4x faster than one 1024-row product here.
        half = np.where(np.arange(1024) < 768, 0.5, 1.0).astype(np.float32)[:, None]
        self.layers = [(np.ascontiguousarray((s[f"lstm.weight_ih_l{k}"][order] * half).T),
                        [np.ascontiguousarray(blk) for blk in np.split(s[f"lstm.weight_hh_l{k}"][order] * half, 4)],
                        (s[f"lstm.bias_ih_l{k}"] + s[f"lstm.bias_hh_l{k}"])[order] * half[:, 0])
                       for k in range(LAYERS)]
        self.linear_w, self.linear_b = s["linear.weight"].T.copy(), s["linear.bias"]

    def forward(self, mels: np.ndarray) -> np.ndarray:
        """batch x frames x 40 -> batch x 256, L2-normed (VoiceEncoder.forward)."""
        with blas.one_thread():    # small products: a second thread only waits
            return self._forward(np.ascontiguousarray(mels, dtype=np.float32))

    def _forward(self, x: np.ndarray) -> np.ndarray:
        b, t, _ = x.shape
        for w_ih, w_hh, bias in self.layers:
            n = w_hh[0].shape[1]
            # The inputs' share of every step at once. The state is kept units x batch: the recurrent
            # products are then W (n x n) @ h (n x batch), which OpenBLAS does faster than h @ W.T.
            xp = np.ascontiguousarray((x.reshape(b * t, -1) @ w_ih + bias).reshape(b, t, 4 * n).transpose(1, 2, 0))
            h = np.zeros((n, b), np.float32)
            c = np.zeros((n, b), np.float32)
            g = np.empty((4 * n, b), np.float32)
            tmp = np.empty((n, b), np.float32)
            out = np.empty((b, t, n), np.float32)
            sig, cell = g[:3 * n], g[3 * n:]
            blocks = [(w, g[j * n:(j + 1) * n]) for j, w in enumerate(w_hh)]
            for i in range(t):
                for w, gj in blocks:
                    np.matmul(w, h, out=gj)
                g += xp[i]
                np.tanh(sig, out=sig)            # sigmoid, from the halved rows (in place)
                sig *= 0.5
                sig += 0.5
                np.tanh(cell, out=cell)
                c *= g[n:2 * n]                  # c = f * c + i * g
                np.multiply(g[:n], cell, out=tmp)
                c += tmp
                np.tanh(c, out=h)                # h = o * tanh(c)
                h *= g[2 * n:3 * n]
                out[:, i] = h.T
            x = out
        e = np.maximum(h.T @ self.linear_w + self.linear_b, 0.0)
        return e / np.linalg.norm(e, axis=1, keepdims=True)

    def embed_utterance(self, wav: np.ndarray) -> np.ndarray:
        wav = np.asarray(wav, dtype=np.float32)
        slices = partial_slices(len(wav))
        need = slices[-1].stop * HOP
        if need >= len(wav):
            wav = np.pad(wav, (0, need - len(wav)))
        mel = mel_spectrogram(wav)
        partial = self.forward(np.stack([mel[s] for s in slices]))
        raw = partial.mean(axis=0)
        return (raw / np.linalg.norm(raw)).astype(np.float32)


_lock = threading.Lock()
_encoder: list = []


def encoder() -> NumpyVoiceEncoder:
    """The process's numpy encoder (weights read once, ~30 ms)."""
    with _lock:
        if not _encoder:
            _encoder.append(NumpyVoiceEncoder())
        return _encoder[0]
