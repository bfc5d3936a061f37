"""Audio -> landmark track, the original's inference path end to end (spec 3 - 7), with stage timings.

    models = Models.load(folder, device)
    result = animate(models, pcm16, rest_px, ...)   # result.track: N' x 68 x 3 pixels at 62.5 fps

Windows are batched across the whole clip for both LSTMs (they are independent per window); only the
transformer, the smoothing and the calibration work per 512-window segment, as in the original.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from . import autovc, combine, constants, content_branch, face, features, speaker_branch
from . import speaker_embedding
from .checkpoints import FILES

BATCH_WINDOWS = 512         # windows per LSTM batch: as fast as larger batches on CPU, bounded memory


@dataclass
class Models:
    autovc: torch.nn.Module
    content: torch.nn.Module
    speaker: torch.nn.Module
    device: str
    folder: str | None
    precision: str = "exact"     # "fast": see fast.py (quantised LSTM stacks, every other window)
    window_stride: int = 1       # run the landmark LSTMs on every k-th window, interpolate between

    @classmethod
    def load(cls, folder, device="cpu") -> "Models":
        f = Path(folder)
        return cls(autovc=autovc.load(f / FILES["autovc"][0], device),
                   content=content_branch.load(f / FILES["content"][0], device),
                   speaker=speaker_branch.load(f / FILES["speaker"][0], device),
                   device=str(device), folder=str(folder))


@dataclass
class Result:
    track: np.ndarray                      # N' x 68 x 3 pixels at 62.5 fps (z converted to pixels)
    pred: np.ndarray                       # N' x 204 normalised prediction (float32, before read-back)
    blink_frames: list[int]
    n_windows: int
    segments: list[tuple[int, int]]
    timings: dict = field(default_factory=dict)
    scale: float = 0.0
    shift: tuple = (0.0, 0.0)


class AudioCache:
    """A few recent clips' speaker embedding and AutoVC output, keyed by the samples' hash."""

    def __init__(self, size: int = 4):
        import collections
        import threading

        self.size, self._d, self._lock = size, collections.OrderedDict(), threading.Lock()

    @staticmethod
    def key(pcm16: np.ndarray, models: Models) -> str:
        import hashlib

        h = hashlib.sha1(np.ascontiguousarray(pcm16).tobytes())
        h.update(f"{pcm16.shape}{id(models.autovc)}".encode())
        return h.hexdigest()

    def get(self, key):
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
        return None

    def put(self, key, value):
        with self._lock:
            self._d[key] = value
            while len(self._d) > self.size:
                self._d.popitem(last=False)


class TooShort(ValueError):
    pass


def windows_of(mel_norm: torch.Tensor) -> torch.Tensor:
    """N x 18 x 80 windows (a strided view: rows i .. i+17 for i = 0 .. T-19)."""
    n = combine.n_windows(mel_norm.shape[0])
    return mel_norm.unfold(0, combine.WINDOW, 1)[:n].transpose(1, 2)


def _embed(pcm16, device, threads):
    torch.set_num_threads(threads)      # per calling thread: this worker only
    return speaker_embedding.embed(pcm16, device)


def _per_batch(fn, win: torch.Tensor, used: int, check, threads: int | None = None, stride: int = 1) -> torch.Tensor:
    """fn over the windows in batches; with `threads`, this (worker) thread uses that many torch
    threads (torch's thread count is per calling thread, so the rest of the process is unaffected).
    stride > 1 (fast precision): only windows 0, k, 2k, ... and the last run; the rows between are
    interpolated linearly (the outputs are smoothed over 5-31 frames afterwards anyway)."""
    if threads:
        torch.set_num_threads(threads)
    idx = _window_index(used, stride)
    out = []
    with torch.inference_mode():
        for s in range(0, len(idx), BATCH_WINDOWS):
            part = idx[s:s + BATCH_WINDOWS]
            out.append(fn(win[part].contiguous() if stride > 1 else win[part[0]:part[-1] + 1].contiguous()))
            check()                  # long clips: let a cancel stop between batches
        got = torch.cat(out)
        return got if stride <= 1 else _interpolate_rows(got, idx, used)


def _window_index(used: int, stride: int) -> torch.Tensor:
    idx = torch.arange(0, used, max(1, stride))
    if len(idx) and int(idx[-1]) != used - 1:
        idx = torch.cat([idx, torch.tensor([used - 1])])
    return idx


def _interpolate_rows(rows: torch.Tensor, idx: torch.Tensor, used: int) -> torch.Tensor:
    """rows computed at the (increasing) window indices idx -> all `used` windows, linear in the index."""
    if len(idx) == 1:
        return rows[:1].expand(used, -1).clone()
    idx = idx.to(rows.device)
    pos = torch.arange(used, device=rows.device)
    lo = (torch.searchsorted(idx, pos, right=True) - 1).clamp(0, len(idx) - 2)
    t = ((pos - idx[lo]).float() / (idx[lo + 1] - idx[lo]).float())[:, None].to(rows.dtype)
    return rows[lo] * (1 - t) + rows[lo + 1] * t


@torch.inference_mode()
def branches(models: Models, mel_norm: np.ndarray, face_id: np.ndarray, emb: np.ndarray,
             segs: list[tuple[int, int]], check=lambda: None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Raw content and speaker outputs per segment.

    On a CPU with several cores the two LSTM stacks run side by side, each on its share of the
    threads: measured here, that is 2x faster than one after the other on 2 threads when the machine
    is busy (OpenMP teams degrade badly under contention), and never slower.
    """
    dev = models.device
    x = torch.from_numpy(np.ascontiguousarray(mel_norm, dtype=np.float32)).to(dev)
    win = windows_of(x)
    used = segs[-1][1] if segs else 0
    face_t = torch.from_numpy(face_id.astype(np.float32)).to(dev)
    content = lambda w: models.content(w, face_t.expand(w.shape[0], -1))
    n_threads = torch.get_num_threads()
    k = max(1, int(getattr(models, "window_stride", 1)))
    if str(dev).startswith("cpu") and n_threads >= 2:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2, thread_name_prefix="a2l") as pool:
            f_con = pool.submit(_per_batch, content, win, used, check, n_threads // 2, k)
            f_code = pool.submit(_per_batch, models.speaker.encode_windows, win, used, check,
                                 n_threads - n_threads // 2, k)
            con_all, code_all = f_con.result(), f_code.result()
    else:
        con_all = _per_batch(content, win, used, check, stride=k)
        code_all = _per_batch(models.speaker.encode_windows, win, used, check, stride=k)
    emb_t = torch.from_numpy(np.asarray(emb, np.float32)).to(dev) * speaker_branch.EMB_COEF
    spk_out, con_out = [], []
    for a, b in segs:
        check()
        spk_out.append(models.speaker.head(code_all[a:b], emb_t[None].expand(b - a, -1)).float().cpu().numpy())
        con_out.append(con_all[a:b].float().cpu().numpy())
    return con_out, spk_out


def _audio_half(models: Models, pcm16: np.ndarray, report, lap):
    """(au_emb, AutoVC content) of the clip: the part of animate() that depends on the audio alone."""
    # Independent jobs overlap: both speaker embeddings (au_emb of the file before loudness
    # normalisation, for the speaker branch; c_org after it, for AutoVC) in two threads, RAPT in a
    # helper process, and the mel on this thread. AutoVC then needs c_org, mel and F0.
    from concurrent.futures import ThreadPoolExecutor

    report("speaker embedding", 0.05)
    nt = torch.get_num_threads()
    with ThreadPoolExecutor(2, thread_name_prefix="embed") as pool:
        au_fut = pool.submit(_embed, pcm16, models.device, max(1, nt // 2))
        loud, _gain = features.loudness_normalise(pcm16)
        c_fut = pool.submit(_embed, loud, models.device, max(1, nt - nt // 2))   # AutoVC's source speaker
        w = features.prepare_signal(loud[:, 0].astype(np.float64) / 32768.0)
        f0_job = features.RaptJob(w)
        try:
            report("audio features", 0.2)
            mel = features.mel_from_signal(w)
            _, f0_onehot = features.f0_normalise(f0_job.result())
        finally:
            f0_job.close()          # on errors/cancel: keep the helper's answers in step
        lap("audio features (mel + F0)")
        c_org = c_fut.result()
        lap("speaker embedding (c_org, waited)")
        n = min(len(mel), len(f0_onehot))
        mel, f0_onehot = mel[:n], f0_onehot[:n]
        report("content conversion (AutoVC)", 0.3)
        conv = autovc.convert(models.autovc, mel, f0_onehot, c_org, constants.obama_emb(models.folder))
        lap("AutoVC")
        au_emb = au_fut.result()
        lap("speaker embedding (au_emb, waited)")
    return au_emb, conv


def animate(models: Models, pcm16: np.ndarray, rest_px: np.ndarray, image_size=(256, 256),
            amp_lip_x=2.0, amp_lip_y=2.0, amp_pos=0.5, blink=True, seed=0, check=lambda: None,
            report=lambda name, frac: None, puppet=None, audio_cache=None) -> Result:
    """pcm16: frames x channels int16 at 16 kHz; rest_px: 68 x 2/3 pixel landmarks of the portrait.
    puppet: a puppet.Puppet for the cartoon path (its close-mouth face, scale/shift; no blinks).
    audio_cache: optional AudioCache; the audio half (embeddings, AutoVC) is reused for the same samples,
    so re-animating a clip with other amplitudes, fps, seed or face costs only the landmark half."""
    tm = {}
    t0 = time.perf_counter()

    def lap(name):
        nonlocal t0
        t = time.perf_counter()
        tm[name] = tm.get(name, 0.0) + t - t0
        t0 = t
        check()

    pcm16 = np.asarray(pcm16, dtype=np.int16)
    if pcm16.ndim == 1:
        pcm16 = pcm16[:, None]
    T = pcm16.shape[0] // features.HOP + 1
    if combine.n_windows(T) < combine.MIN_SEGMENT:
        raise TooShort(f"the audio gives {combine.n_windows(T)} landmark windows; at least "
                       f"{combine.MIN_SEGMENT} are needed (about 0.45 s of audio)")
    key = audio_cache.key(pcm16, models) if audio_cache is not None else None
    hit = audio_cache.get(key) if key is not None else None
    if hit is not None:
        au_emb, conv = hit
        lap("audio half (cached)")
    else:
        au_emb, conv = _audio_half(models, pcm16, report, lap)
        if key is not None:
            audio_cache.put(key, (au_emb, conv))
    mean, std = constants.mel_mean_std(models.folder)
    mel_norm = combine.normalise_mel(conv, mean, std)
    if puppet is not None:
        ff = face.FaceFrame(face_id=puppet.face_id, scale=puppet.scale, shift=puppet.shift)
    else:
        k = max(image_size) / 256.0
        ff = face.normalise(rest_px, constants.std_face(models.folder), k)
    n = combine.n_windows(mel_norm.shape[0])
    segs = combine.segments(n)
    report("landmark networks", 0.5)
    con, spk = branches(models, mel_norm, ff.face_id, au_emb, segs, check)
    lap("landmark branches")
    parts = [combine.combine_segment(s, c, ff.face_id, amp_pos, amp_lip_x, amp_lip_y) for s, c in zip(spk, con)]
    pred = combine.finish(np.concatenate(parts, axis=0))
    back = combine.text_round_trip(pred)
    frames: list[int] = []
    if puppet is not None:
        from .puppet import track_from_prediction

        px = track_from_prediction(back, puppet)
    else:
        px = face.denormalise(back, ff.scale, ff.shift)
        if blink:
            px, frames = face.add_blinks(px, np.random.RandomState(seed))
        px = face.smooth(px)
    px[:, :, 2] /= abs(float(ff.scale))        # z: normalised units -> pixels, like x and y
    lap("post-processing")
    return Result(track=px, pred=pred, blink_frames=frames, n_windows=n, segments=segs, timings=tm,
                  scale=float(ff.scale), shift=tuple(float(v) for v in ff.shift))
