"""Benchmark of the makeittalk engine: audio -> landmarks real-time factor, stage times, i2i frames/s,
and the ratio to the original implementation's timings (shared parity folder, timing_original_cpu.json).

    python bench/bench_makeittalk.py [--checkpoints DIR] [--threads 2] [--runs 3] [--i2i-frames 8]
                                     [--device cpu|cuda]

Without --checkpoints, the parity fixtures' make_weights.py writes same-shaped pseudo-random weights to a
temporary folder (speed does not depend on the values). The 20 s clip is built like the original's timing
clip: parity clip C (16.7 s) followed by the start of clip A, 320000 samples at 16 kHz.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def parity_dir() -> Path:
    env = os.environ.get("MAKEITTALK_PARITY_DIR")
    d = Path(env) if env else REPO.parent / "shared" / "reference" / "parity"
    if not (d / "make_weights.py").is_file():
        sys.exit(f"parity folder not found at {d} (set MAKEITTALK_PARITY_DIR)")
    return d


def clip_20s(par: Path) -> np.ndarray:
    import soundfile as sf

    c, _ = sf.read(par / "inputs/clipC_long_16k.wav", dtype="int16")
    a, _ = sf.read(par / "inputs/clipA_M6_04_16k.wav", dtype="int16")
    x = np.concatenate([c, a])[:320000]
    return x[:, None]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoints", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--i2i-frames", type=int, default=8)
    ap.add_argument("--i2i-batch", type=int, default=8)
    ap.add_argument("--device", default=None)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    par = parity_dir()
    tmp = None
    ckpt = args.checkpoints
    if ckpt is None:
        tmp = tempfile.TemporaryDirectory()
        ckpt = Path(tmp.name)
        subprocess.run([sys.executable, str(par / "make_weights.py"), "all", str(ckpt)], check=True,
                       capture_output=True)

    from makeittalk_server.engines.makeittalk import audio2landmark as A
    from makeittalk_server.engines.makeittalk import i2i

    pcm = clip_20s(par)
    seconds = pcm.shape[0] / 16000
    rest = np.load(par / "inputs/portrait_obama_landmarks_68x3.npy")
    t = time.perf_counter()
    models = A.Models.load(ckpt, device)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    A.animate(models, pcm[:32000], rest)        # warm-up: librosa/numba, resemblyzer, kernels
    t_warm = time.perf_counter() - t
    totals, stages, cpu = [], [], []
    for _ in range(args.runs):
        t, c = time.perf_counter(), time.process_time()
        res = A.animate(models, pcm, rest)
        totals.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        stages.append(res.timings)
    total = statistics.median(totals)
    best = min(totals)
    stage_med = {k: statistics.median(s[k] for s in stages) for k in stages[0]}
    cache = A.AudioCache()
    A.animate(models, pcm, rest, audio_cache=cache)
    t = time.perf_counter()
    A.animate(models, pcm, rest, audio_cache=cache, amp_pos=0.7)
    t_rerun = time.perf_counter() - t

    orig = json.loads((par / "timing_original_cpu.json").read_text())["stages"]
    o = lambda key: next(v for k, v in orig.items() if k.startswith(key))
    orig_a2l = sum(o(k) for k in ("ffmpeg", "audio features", "resemblyzer au_emb", "resemblyzer c_org",
                                  "AutoVC forward", "AutoVC model", "a2l init", "a2l content", "a2l speaker",
                                  "a2l post", "denormalise"))
    orig_compute = sum(o(k) for k in ("audio features", "resemblyzer c_org", "AutoVC forward", "a2l content",
                                      "a2l speaker", "a2l post", "denormalise")) + o("resemblyzer c_org")
    orig_with_vis = orig_a2l + o("a2l landmark preview")

    print(f"device {device}, torch threads {torch.get_num_threads()}, load average {os.getloadavg()[0]:.2f}")
    print(f"clip {seconds:.1f} s, {res.track.shape[0]} frames at 62.5 fps; model load {t_load:.2f} s; "
          f"first (warm-up) run on 2 s {t_warm:.2f} s")
    print(f"audio -> landmarks: median {total:.3f} s of {args.runs} runs ({', '.join(f'{v:.2f}' for v in totals)})"
          f" -> {seconds / total:.1f}x real time (RTF {total / seconds:.4f}); best {best:.3f} s -> "
          f"{seconds / best:.1f}x real time")
    print(f"  CPU time of this process per run: median {statistics.median(cpu):.2f} s (all its threads; the "
          f"forked RAPT child not included)")
    for k, v in stage_med.items():
        print(f"  {k:<32} {v:7.3f} s")
    print(f"re-animate the same clip (cached audio half, other amp_pos): {t_rerun:.3f} s "
          f"-> {seconds / t_rerun:.0f}x real time")
    print(f"original (parity README, same kind of 2-core CPU): audio->landmarks {orig_a2l:.2f} s without its "
          f"preview video, {orig_with_vis:.2f} s with it; warm compute only (2 x warm resemblyzer) {orig_compute:.2f} s")
    for label, v in (("median", total), ("best", best)):
        print(f"speed-up vs original ({label} run): {orig_a2l / v:.1f}x (vs {orig_a2l:.2f} s), "
              f"{orig_with_vis / v:.1f}x (vs {orig_with_vis:.2f} s), {orig_compute / v:.1f}x (vs warm compute "
              f"{orig_compute:.2f} s)")

    if args.i2i_frames > 0:
        import cv2

        gen = i2i.load_generator(ckpt / "ckpt_116_i2i_comb.pth", device)
        photo = cv2.imread(str(par / "inputs/portrait_obama.jpg"))
        frames = res.track[: args.i2i_frames]
        list(i2i.generate_frames(gen, frames[: min(2, len(frames))], photo, batch=args.i2i_batch))   # warm-up
        o_frame = o("i2i per frame: forward + sketch")
        for batch in sorted({1, args.i2i_batch}):
            if device == "cuda":
                torch.cuda.synchronize()
            t = time.perf_counter()
            n = sum(1 for _ in i2i.generate_frames(gen, frames, photo, batch=batch))
            if device == "cuda":
                torch.cuda.synchronize()
            dt = time.perf_counter() - t
            print(f"i2i: {n} frames in {dt:.2f} s = {n / dt:.2f} frames/s ({dt / n:.3f} s/frame, batch "
                  f"{batch}); original {1 / o_frame:.2f} frames/s ({o_frame:.3f} s/frame) -> "
                  f"{o_frame / (dt / n):.2f}x")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
