"""Batch throughput: N lines of 3-8 s speech (tracks only) through `makeittalk batch`, against single runs.

    python bench/bench_batch.py [--lines 100] [--workers N] [--singles 5] [--ray] [--voice-check]

The speech is espeak-ng sentences when espeak-ng is installed (each line its own sentence and voice),
else cuts of examples/speech.wav and the default engine's fixtures. One portrait for all lines (as a
character's dialogue would be). The whole `makeittalk batch` command is timed from its start (imports,
workers, warm-up included). Single runs are `makeittalk track` from a cold start; --singles of them
are timed and their mean stands for every line, so `batch / sum of singles` = batch wall /
(N x mean single). Figures go to bench/results/batch.json with the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
# the code measured: this checkout, or another one (e.g. main, for a before/after) with BENCH_CODE=PATH
CODE = Path(os.environ.get("BENCH_CODE") or REPO).resolve()
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import write_result  # noqa: E402

WORDS = ("the quick brown fox jumps over a lazy dog while seven pilots fly north in a bright morning "
         "sky and a busy market fills with voices as bakers sell warm bread to people walking home").split()


def env() -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(CODE / "server"), str(CODE), e.get("PYTHONPATH", "")])
    return e


def make_audio(d: Path, n: int, seed: int = 0) -> list[tuple[Path, float]]:
    import soundfile as sf

    rng = random.Random(seed)
    out = []
    espeak = shutil.which("espeak-ng")
    src, sr = sf.read(REPO / "examples" / "speech.wav", dtype="float32")
    src = src.mean(axis=1) if src.ndim == 2 else src
    for i in range(n):
        target = rng.uniform(3.0, 8.0)
        path = d / f"line{i:03d}.wav"
        if espeak:
            words = " ".join(rng.choice(WORDS) for _ in range(int(target * 2.6)))
            voice = rng.choice(["en-us", "en", "en-us+f2", "en+m3", "en-us+f4"])
            subprocess.run([espeak, "-v", voice, "-s", str(rng.randint(140, 185)), "-w", str(path), words],
                           check=True, capture_output=True)
            x, r = sf.read(path, dtype="float32")
            x = x[: int(8.0 * r)]
            sf.write(path, x, r)
            out.append((path, len(x) / r))
        else:
            start = rng.uniform(0, max(0.0, len(src) / sr - target))
            x = src[int(start * sr): int((start + target) * sr)]
            sf.write(path, x, sr)
            out.append((path, len(x) / sr))
    return out


def _child_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _tree_cpu(root: int, seen: dict) -> None:
    """CPU seconds of root and every process under it, from /proc (the workers are grandchildren, forked
    by the fork server, so the batch's own rusage never sees them); the largest value per pid is kept."""
    tick = os.sysconf("SC_CLK_TCK")
    procs = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read().rsplit(")", 1)[1].split()
                procs[int(d)] = (int(st[1]), (int(st[11]) + int(st[12])) / tick)
            except (OSError, IndexError, ValueError):
                pass
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _) in procs.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    for pid in tree:
        if pid in procs:
            seen[pid] = max(seen.get(pid, 0.0), procs[pid][1])


def run_tree(cmd: list[str]):
    """Run cmd; (completed process, CPU seconds of it and all its descendants, sampled every 0.1 s: a
    process that ends between samples loses at most its last 0.1 s)."""
    seen: dict = {}
    p = subprocess.Popen(cmd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    import threading

    done = threading.Event()

    def sample():
        while not done.is_set():
            _tree_cpu(p.pid, seen)
            done.wait(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = p.communicate()
    done.set()
    th.join()
    return subprocess.CompletedProcess(cmd, p.returncode, out, err), sum(seen.values())


def line_parts(out: Path) -> dict:
    """Mean seconds per line: the whole line (report.json) and the engine's own stages (track info)."""
    import json

    rep = json.loads((out / "report.json").read_text())
    sums: dict = {"line": 0.0, "line_cpu": 0.0}
    n = 0
    for ln in rep["lines"]:
        if ln.get("status") != "done":
            continue
        n += 1
        sums["line"] += ln.get("seconds", 0.0)
        sums["line_cpu"] += ln.get("cpu_s", 0.0)
        info = json.loads((out / ln["id"] / "track.json").read_text()).get("params", {}).get("info", {})
        for k, v in (info.get("seconds") or {}).items():
            sums["engine." + k] = sums.get("engine." + k, 0.0) + v
    n = max(1, n)
    res = {k: v / n for k, v in sums.items()}
    res["outside_engine"] = res["line"] - sum(v for k, v in res.items() if k.startswith("engine."))
    return res


def voice_check(clips) -> dict:
    """The voice embedding as the engine takes it now (the speech at its own length, up to 8 s) against
    the earlier rule (the speech tiled up to a fixed 8 s): CPU seconds of each, their cosine, and how far
    the head style and the head pose move (the embedding sets only the head's style)."""
    import numpy as np

    for p in (str(CODE / "server"), str(CODE)):
        if p not in sys.path:
            sys.path.insert(0, p)
    from makeittalk_server import audio
    from makeittalk_server.engines.default import head_motion, segments, voice

    v = voice.Voice()
    v.load()
    enc, n8 = v._encoder, int(8.0 * segments.SR)
    cos, style, pose, cpu_new, cpu_old = [], [], [], [], []
    for path, _ in clips:
        x = np.asarray(audio.decode(str(path), name="x.wav").samples, dtype=np.float32)
        db = segments.frame_db(x)
        mask = segments.speech_mask(db)
        t = time.process_time()
        new = v.embedding(x, mask)
        cpu_new.append(time.process_time() - t)
        if new is None:          # too little speech for a voice, then and now
            continue
        t = time.process_time()
        frames = np.flatnonzero(mask)[: n8 // segments.HOP]
        idx = (frames[:, None] * segments.HOP + np.arange(segments.HOP)).ravel()
        sp = x[idx[idx < len(x)]]
        sp = np.tile(sp, int(np.ceil(n8 / len(sp))))[:n8]
        old = enc.embed_utterance((sp / np.abs(sp).max() * 0.5).astype(np.float32))
        cpu_old.append(time.process_time() - t)
        cos.append(float(new @ old))
        s_new, s_old = head_motion.style_from_embedding(new), head_motion.style_from_embedding(old)
        style.append(max(abs(s_new[k] - s_old[k]) for k in s_new))
        times = np.arange(int(len(x) / segments.SR * 30)) / 30.0
        pros = head_motion.prosody_100hz(db, mask, None)
        a, b = (head_motion.head_pose(times, pros, [], st, 1, 1.0, 60.0) for st in (s_new, s_old))
        pose.append(max(float(np.abs(a[k] - b[k]).mean()) for k in ("yaw_deg", "roll_deg", "pitch_deg")))
    out = {"clips": len(cos), "cpu_s_now": float(np.mean(cpu_new)), "cpu_s_tiled_8s": float(np.mean(cpu_old)),
           "cosine_mean": float(np.mean(cos)), "cosine_min": float(np.min(cos)),
           "style_max_abs_diff_mean": float(np.mean(style)), "style_max_abs_diff_max": float(np.max(style)),
           "head_pose_mean_abs_diff_deg_mean": float(np.mean(pose)), "head_pose_mean_abs_diff_deg_max": float(np.max(pose))}
    print(f"voice embedding, {out['clips']} lines: {out['cpu_s_now']:.3f} CPU s now vs {out['cpu_s_tiled_8s']:.3f} "
          f"tiled to 8 s; cosine mean {out['cosine_mean']:.4f} min {out['cosine_min']:.4f}; head style max |diff| "
          f"mean {out['style_max_abs_diff_mean']:.3f} max {out['style_max_abs_diff_max']:.3f}; head pose mean |diff| "
          f"mean {out['head_pose_mean_abs_diff_deg_mean']:.2f} deg, max {out['head_pose_mean_abs_diff_deg_max']:.2f} deg")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--singles", type=int, default=5)
    ap.add_argument("--ray", action="store_true", help="also through --ray (a local Ray instance)")
    ap.add_argument("--voice-check", action="store_true",
                    help="also compare the voice embedding now with the earlier 8 s-tiled one on these lines")
    ap.add_argument("--out", default=None, help="result file (default: this bench's file in bench/results/)")
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        shutil.copy(REPO / "examples" / "monalisa.jpg", d / "face.jpg")
        clips = make_audio(d, args.lines)
        audio_s = sum(s for _, s in clips)
        rows = [f"l{i:03d},face.jpg,{p.name},{i}" for i, (p, _) in enumerate(clips)]
        (d / "m.csv").write_text("id,portrait,audio,seed\n" + "\n".join(rows) + "\n")
        load0 = os.getloadavg()[0]
        cmd = [py, "-m", "makeittalk_server.cli", "batch", str(d / "m.csv"), "-o", str(d / "out"), "--quiet"]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        t = time.monotonic()
        p, cpu = run_tree(cmd)
        wall = time.monotonic() - t
        load1 = os.getloadavg()[0]
        if p.returncode != 0:
            sys.exit(f"batch failed: {p.stderr[-2000:]}")
        parts = line_parts(d / "out")
        print(f"batch: {args.lines} lines, {audio_s:.1f} s of audio in {wall:.1f} s -> {audio_s / wall:.1f}x "
              f"real time, {cpu:.1f} CPU s ({cpu / args.lines:.3f} CPU s per line; {audio_s / cpu * 2:.1f}x real "
              f"time if 2 cores were all ours) (load average {load0:.1f} before, {load1:.1f} after)")
        print("per line (seconds, mean over lines, in the workers): " +
              ", ".join(f"{k} {v:.3f}" for k, v in parts.items()))
        figures = {"lines": args.lines, "audio_s": audio_s, "batch_wall_s": wall, "batch_realtime_x": audio_s / wall,
                   "batch_cpu_s": cpu, "cpu_s_per_line": cpu / args.lines, "realtime_x_per_2_cpu_s": audio_s / cpu * 2,
                   "per_line_mean_s": parts,
                   "workers": args.workers or "one per core", "load_avg_before": load0, "load_avg_after": load1,
                   "audio_source": "espeak-ng" if shutil.which("espeak-ng") else "examples/speech.wav cuts"}
        singles, singles_cpu = [], []
        for i in range(min(args.singles, len(clips))):
            path, _ = clips[i * len(clips) // max(1, args.singles)]
            t, r0 = time.monotonic(), _child_cpu()
            subprocess.run([py, "-m", "makeittalk_server.cli", "track", str(d / "face.jpg"), str(path), "-o",
                            str(d / "single.json"), "--quiet"], env=env(), check=True, capture_output=True)
            singles.append(time.monotonic() - t)
            singles_cpu.append(_child_cpu() - r0)
        if singles:
            mean = statistics.mean(singles)
            total = mean * args.lines
            print(f"single cold `makeittalk track` runs: {', '.join(f'{s:.1f}' for s in singles)} s; mean {mean:.2f} s "
                  f"-> {args.lines} lines one by one ~ {total:.0f} s; batch / sum of singles = {wall / total:.3f} "
                  f"({total / wall:.1f}x faster) (load average {os.getloadavg()[0]:.1f})")
            figures.update({"single_cold_s": singles, "single_cold_mean_s": mean, "single_cold_cpu_s": singles_cpu,
                            "batch_over_sum_of_singles": wall / total,
                            "batch_cpu_over_sum_of_singles_cpu": cpu / (statistics.mean(singles_cpu) * args.lines)})
        if args.voice_check:
            figures["voice_embedding"] = voice_check(clips)
        if args.ray:
            t = time.monotonic()
            p = subprocess.run(cmd[:-1] + ["--ray", "--quiet", "-o", str(d / "out_ray")], env=env(),
                               capture_output=True, text=True)
            rwall = time.monotonic() - t
            print(f"ray (local instance): {audio_s / rwall:.1f}x real time ({rwall:.1f} s), rc {p.returncode}")
            figures.update({"ray_wall_s": rwall, "ray_realtime_x": audio_s / rwall})
        figures["load_avg_end"] = os.getloadavg()[0]
        print("wrote", write_result("batch", {**figures, "code": str(CODE)}, args.out))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
