"""Speed and memory of the default engine on a warm engine (as in a running server).

    python bench/bench_default_engine.py [--lengths 5 10 60 600] [--fps 30]

Audio: examples/speech.wav tiled with short pauses to each length. Prints seconds, x real time, the
process's peak resident memory after each length (peak RSS only grows, so run lengths ascending), the
phone workers' peak memory, seconds per engine stage, and the machine's load (figures taken on a
shared machine are only comparable at similar load).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def clip_of(seconds: float):
    from makeittalk_server import audio

    base = audio.decode(str(ROOT / "examples" / "speech.wav")).samples
    gap = np.zeros(int(0.4 * audio.SR), np.float32)
    unit = np.r_[base, gap]
    n = int(seconds * audio.SR)
    x = np.tile(unit, int(np.ceil(n / len(unit))))[:n].astype(np.float32)
    return audio.AudioClip(samples=x, raw=x[:, None], source_sr=audio.SR)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def workers_peak_mb(engine) -> float:
    """Peak resident memory of the phone-decoding worker processes (they are separate processes)."""
    total = 0.0
    idle = getattr(getattr(engine, "pool", None), "_idle", None)
    for w in list(idle.queue) if idle is not None else []:
        try:
            for line in open(f"/proc/{w.proc.pid}/status"):
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024.0
        except OSError:
            pass
    return total


def cpu_seconds(engine) -> float:
    """CPU time (user + system) of this process and of the phone workers so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    total = r.ru_utime + r.ru_stime
    idle = getattr(getattr(engine, "pool", None), "_idle", None)
    tick = os.sysconf("SC_CLK_TCK")
    for w in list(idle.queue) if idle is not None else []:
        try:
            fields = open(f"/proc/{w.proc.pid}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--lengths", type=float, nargs="+", default=[5, 10, 60, 600])
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=2, help="runs per length; the best is reported")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/results alone")
    a = ap.parse_args(argv)

    from makeittalk_server import engines, image, landmarks, pipeline
    from makeittalk_server.config import Settings
    from makeittalk_server.params import JobParams

    settings = Settings()
    rest = landmarks.detect(image.decode((ROOT / "examples" / "monalisa.jpg").read_bytes()), settings).landmarks
    t0 = time.perf_counter()
    engine = engines.get("default", settings)
    engine.warm()
    print(f"warm-up: {time.perf_counter() - t0:.2f} s, peak RSS {peak_rss_mb():.0f} MB")
    rows = []
    for length in sorted(a.lengths):
        clip = clip_of(length)
        params = JobParams(fps=a.fps, rest_landmarks=rest[:, :2].tolist())
        best, cpu = float("inf"), float("inf")
        for _ in range(a.repeat if length <= 60 else 1):
            t, c = time.perf_counter(), cpu_seconds(engine)
            track = pipeline.make_track(clip, None, params, settings, width=512, height=512)
            best = min(best, time.perf_counter() - t)
            cpu = min(cpu, cpu_seconds(engine) - c)
        row = {"audio_s": length, "seconds": round(best, 3), "cpu_seconds": round(cpu, 3),
               "x_realtime": round(length / best, 1),
               "stages_s": track.params["info"].get("seconds"), "load_avg_1min": round(os.getloadavg()[0], 2),
               "frames": track.n_frames, "peak_rss_mb": round(peak_rss_mb()),
               "workers_peak_rss_mb": round(workers_peak_mb(engine))}
        rows.append(row)
        print(f"{length:7.1f} s audio -> {best:7.3f} s, {cpu:.2f} CPU-s  ({length / best:6.1f}x real time)  "
              f"{track.n_frames} frames  peak RSS {row['peak_rss_mb']} MB "
              f"(+ phone workers {row['workers_peak_rss_mb']} MB)  load {row['load_avg_1min']}  "
              f"stages {row['stages_s']}", flush=True)
    print(json.dumps(rows))
    if not a.no_write:
        sys.path.insert(0, str(ROOT / "bench"))
        import benchlib

        benchlib.write_result("default_engine_speed", {"command": "python bench/bench_default_engine.py "
                              + " ".join(argv if argv is not None else sys.argv[1:]), "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
