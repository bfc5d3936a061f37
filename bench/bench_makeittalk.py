"""Benchmark of the makeittalk engine: audio -> landmarks real-time factor, stage times, i2i frames/s,
and the ratio to the original implementation's timings (shared parity folder, timing_original_cpu.json).

    python bench/bench_makeittalk.py [--checkpoints DIR] [--threads 2] [--runs 3] [--i2i-frames 8]
                                     [--device cpu|cuda] [--precision exact|fast] [--deviation]

--precision fast times the opt-in fast precision (engines/makeittalk/fast.py); --deviation measures
its distance from exact on the parity clips A, B and C. Figures go to bench/results/makeittalk_PRECISION.json.

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
    ap.add_argument("--precision", choices=("exact", "fast"), default="exact")
    ap.add_argument("--deviation", action="store_true", help="fast vs exact on the parity clips")
    ap.add_argument("--compare", action="store_true",
                    help="exact vs fast in CPU seconds (steady on a shared machine; use --threads 1), then exit")
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

    if args.compare:
        compare(args, ckpt, par, device)
        if tmp:
            tmp.cleanup()
        return
    pcm = clip_20s(par)
    seconds = pcm.shape[0] / 16000
    rest = np.load(par / "inputs/portrait_obama_landmarks_68x3.npy")
    t = time.perf_counter()
    models = A.Models.load(ckpt, device)
    exact_models = models
    if args.precision == "fast":
        from makeittalk_server.engines.makeittalk.fast import fast_models

        models = fast_models(models)
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

    i2i_figs = {}
    if args.i2i_frames > 0:
        import cv2

        gen = i2i.load_generator(ckpt / "ckpt_116_i2i_comb.pth", device)
        photo = cv2.imread(str(par / "inputs/portrait_obama.jpg"))
        frames = res.track[: args.i2i_frames]
        list(i2i.generate_frames(gen, frames[: min(4, len(frames))], photo, batch=args.i2i_batch, precision=args.precision))   # warm-up
        o_frame = o("i2i per frame: forward + sketch")
        for batch in sorted({1, args.i2i_batch}):
            if device == "cuda":
                torch.cuda.synchronize()
            t = time.perf_counter()
            n = sum(1 for _ in i2i.generate_frames(gen, frames, photo, batch=batch, precision=args.precision))
            if device == "cuda":
                torch.cuda.synchronize()
            dt = time.perf_counter() - t
            i2i_figs[f"batch{batch}_frames_per_s"] = n / dt
            i2i_figs["original_frames_per_s"] = 1 / o_frame
            print(f"i2i: {n} frames in {dt:.2f} s = {n / dt:.2f} frames/s ({dt / n:.3f} s/frame, batch "
                  f"{batch}); original {1 / o_frame:.2f} frames/s ({o_frame:.3f} s/frame) -> "
                  f"{o_frame / (dt / n):.2f}x")
    figures = {"precision": args.precision, "device": device, "threads": torch.get_num_threads(),
               "clip_s": seconds, "a2l_median_s": total, "a2l_best_s": best, "realtime_x": seconds / total,
               "original_a2l_s": orig_a2l, "speedup_vs_original_median": orig_a2l / total,
               "speedup_vs_original_best": orig_a2l / best, "stages_median_s": stage_med, "i2i": i2i_figs}
    if args.deviation:
        figures["deviation_px"] = deviation(exact_models, par)
    print("wrote", bench_result(f"makeittalk_{args.precision}", figures))
    if tmp:
        tmp.cleanup()


def compare(args, ckpt: Path, par: Path, device: str) -> None:
    """Exact vs fast on the 20 s clip and on i2i frames, in CPU seconds of this process (and wall)."""
    import cv2
    import torch

    from makeittalk_server.engines.makeittalk import audio2landmark as A
    from makeittalk_server.engines.makeittalk import i2i
    from makeittalk_server.engines.makeittalk.fast import fast_models

    pcm, rest = clip_20s(par), np.load(par / "inputs/portrait_obama_landmarks_68x3.npy")
    exact = A.Models.load(ckpt, device)
    models = {"exact": exact, "fast": fast_models(exact)}
    figs = {"threads": torch.get_num_threads(), "clip_s": pcm.shape[0] / 16000, "load_avg_start": os.getloadavg()[0]}
    for name, m in models.items():
        A.animate(m, pcm[:32000], rest)                      # warm-up
        cpu, wall, branch = [], [], []
        for _ in range(args.runs):
            c, t = time.process_time(), time.perf_counter()
            r = A.animate(m, pcm, rest)
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - t)
            branch.append(r.timings["landmark branches"])
        figs[name] = {"cpu_s": statistics.median(cpu), "wall_s": statistics.median(wall),
                      "branches_wall_s": statistics.median(branch), "load_avg": os.getloadavg()[0]}
        print(f"{name}: audio->landmarks CPU {statistics.median(cpu):.2f} s, wall {statistics.median(wall):.2f} s "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    figs["a2l_cpu_speedup_fast_over_exact"] = figs["exact"]["cpu_s"] / figs["fast"]["cpu_s"]
    gen = i2i.load_generator(ckpt / "ckpt_116_i2i_comb.pth", device)
    photo = cv2.imread(str(par / "inputs/portrait_obama.jpg"))
    frames = np.load(par / "clipA/track_final_px.npy")[: args.i2i_frames]
    for name in ("exact", "fast"):
        list(i2i.generate_frames(gen, frames[:4], photo, batch=4, precision=name))
        # CPU per batch; the fast path's first batch includes its calibration (once per job)
        stamps, c0 = [], time.process_time()
        t = time.perf_counter()
        for k, _ in enumerate(i2i.generate_frames(gen, frames, photo, batch=args.i2i_batch, precision=name), 1):
            if k % args.i2i_batch == 0:
                stamps.append(time.process_time())
        wall, n = time.perf_counter() - t, len(frames)
        first = stamps[0] - c0
        steady = (stamps[-1] - stamps[0]) / max(1, n - args.i2i_batch)
        figs[f"i2i_{name}"] = {"frames": n, "first_batch_cpu_s": first, "steady_cpu_s_per_frame": steady,
                               "wall_s_per_frame": wall / n, "load_avg": os.getloadavg()[0]}
        print(f"i2i {name}: {steady:.3f} CPU s/frame after the first batch ({first:.2f} CPU s for the first "
              f"{args.i2i_batch}, calibration included for fast); {wall / n:.3f} wall s/frame "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    figs["i2i_cpu_speedup_fast_over_exact"] = (figs["i2i_exact"]["steady_cpu_s_per_frame"]
                                               / figs["i2i_fast"]["steady_cpu_s_per_frame"])
    figs["deviation_px"] = deviation(exact, par)
    print(f"fast/exact CPU speed-up: audio->landmarks {figs['a2l_cpu_speedup_fast_over_exact']:.2f}x, "
          f"i2i {figs['i2i_cpu_speedup_fast_over_exact']:.2f}x")
    print("wrote", bench_result("makeittalk_compare", figs))


def deviation(exact_models, par: Path) -> dict:
    """Fast vs exact landmark tracks (x, y pixels at the 256-px parity portrait) on clips A, B and C."""
    import soundfile as sf

    from makeittalk_server.engines.makeittalk import audio2landmark as A
    from makeittalk_server.engines.makeittalk.fast import fast_models

    fast = fast_models(exact_models)
    rest = np.load(par / "inputs/portrait_obama_landmarks_68x3.npy")
    out = {}
    for name, wav in (("A", "clipA_M6_04_16k.wav"), ("B", "clipB_espeak_16k.wav"), ("C", "clipC_long_16k.wav")):
        pcm, _ = sf.read(par / "inputs" / wav, dtype="int16")
        a = A.animate(exact_models, pcm[:, None], rest).track[..., :2]
        b = A.animate(fast, pcm[:, None], rest).track[..., :2]
        d = np.abs(a - b)
        out[name] = {"mean": float(d.mean()), "p99": float(np.percentile(d, 99)), "max": float(d.max())}
        print(f"fast vs exact, clip {name}: mean {d.mean():.3f} px, p99 {np.percentile(d, 99):.3f} px, "
              f"max {d.max():.3f} px")
    return out


def bench_result(name, figures):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from benchlib import write_result

    return write_result(name, figures)


if __name__ == "__main__":
    main()
