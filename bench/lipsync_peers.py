"""The peers the lip-sync bench compares the default engine with, as lip-gap curves per video frame.

* **Rhubarb Lip Sync** (Daniel S. Wolf, MIT), the WebAssembly port `rhubarb-lip-sync-wasm` 0.1.8 from the
  npm registry, installed under bench/peers/ (`npm ci --prefix bench/peers`; bench only). Its mouth
  cues are Preston Blair shapes; each becomes an opening (fraction of a wide-open mouth) from Rhubarb's
  own description of the shape:
    X rest, lips closed 0.0 | A closed, p/b/m 0.0 | B slightly open, clenched teeth (k s t ee) 0.2 |
    C open (eh ae) 0.6 | D wide open (aa) 1.0 | E slightly rounded (ao er) 0.5 |
    F puckered (uw ow w) 0.3 | G f/v, upper teeth on lower lip 0.1 | H l, tongue up, open 0.45.
  The curve holds each cue's value from its start to the next cue's start (an animator's rig shows one
  drawing at a time). The port takes a dialog text but its output does not change with it (checked on
  real clips), so Rhubarb is run once per clip. Its cues are cached in bench/peers/rhubarb_cache.json
  (keyed by the audio's hash): it needs ~2-3 s of CPU per second of audio.
* **Loudness mouth**: the naive approach, opening = RMS (40 ms window) / its 95th percentile over the
  clip, clipped to 1, smoothed over 30 ms. No gate, no phones.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

PEERS = Path(__file__).resolve().parent / "peers"
CACHE = PEERS / "rhubarb_cache.json"
RHUBARB_VERSION = "0.1.8"
SHAPE_OPENING = {"X": 0.0, "A": 0.0, "B": 0.2, "C": 0.6, "D": 1.0, "E": 0.5, "F": 0.3, "G": 0.1, "H": 0.45}
SR = 16000


def loudness_gap(x: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
    from scipy.ndimage import gaussian_filter1d

    hop, win = 160, 640
    xp = np.pad(np.asarray(x, np.float64), (win // 2, win // 2))
    rms = np.sqrt(np.array([np.mean(xp[i:i + win] ** 2) for i in range(0, len(x), hop)]))
    o = np.clip(rms / (np.percentile(rms, 95) + 1e-12), 0, 1)
    o = gaussian_filter1d(o, 3)
    return np.interp(np.arange(n_frames) / fps, np.arange(len(o)) * hop / SR, o)


def cues_gap(cues: list[dict], fps: float, n_frames: int) -> np.ndarray:
    cues = sorted(cues, key=lambda c: c["start"])
    starts = np.array([c["start"] for c in cues])
    vals = np.array([SHAPE_OPENING.get(c["value"], 0.0) for c in cues])
    t = np.arange(n_frames) / fps
    k = np.searchsorted(starts, t, side="right") - 1
    return np.where(k >= 0, vals[np.clip(k, 0, None)], 0.0)


def _pcm(x: np.ndarray) -> bytes:
    return (np.clip(np.asarray(x, np.float32), -1, 1) * 32767).astype("<i2").tobytes()


def _key(pcm: bytes) -> str:
    return f"{RHUBARB_VERSION}:{hashlib.sha1(pcm).hexdigest()[:20]}"


def _save(new: dict) -> dict:
    """Merge into the cache file as it is now (another run may have added to it), atomically."""
    cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    cache.update(new)
    tmp = CACHE.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(cache, separators=(",", ":"), sort_keys=True) + "\n")
    os.replace(tmp, CACHE)
    return cache


def available() -> bool:
    return shutil.which("node") is not None and (PEERS / "node_modules" / "rhubarb-lip-sync-wasm").is_dir()


def rhubarb_cues(samples: list[np.ndarray], compute: bool = True) -> list:
    """Rhubarb's cues for each clip (None where it is not cached and cannot be computed here)."""
    cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    pcms = [_pcm(x) for x in samples]
    todo = [k for k, p in enumerate(pcms) if _key(p) not in cache]
    if todo and compute and available():
        with tempfile.TemporaryDirectory() as tmp:
            jobs = []
            for k in todo:
                f = Path(tmp) / f"{k}.s16"
                f.write_bytes(pcms[k])
                jobs.append({"pcm": str(f), "text": ""})
            (Path(tmp) / "jobs.json").write_text(json.dumps(jobs))
            # one node process for the batch (the wasm and its 37 MB model load once); each result is
            # saved as it arrives, so an interrupted run keeps what it did
            proc = subprocess.Popen(["node", str(PEERS / "rhubarb_cues.mjs"), str(Path(tmp) / "jobs.json")],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=PEERS)
            try:
                for line in proc.stdout:
                    if line.startswith('{"i"'):
                        d = json.loads(line)
                        if "cues" in d:
                            cache = _save({_key(pcms[todo[d["i"]]]): {"cues": d["cues"],
                                                                      "seconds": round(d["seconds"], 2)}})
            finally:
                proc.kill()
                proc.wait()
    return [cache.get(_key(p), {}).get("cues") for p in pcms]
