"""Cold start: `makeittalk track` on a 3 s clip as a fresh process, and `makeittalk serve` until healthy.

    python bench/bench_coldstart.py [--runs 3] [--no-serve] [--quick]

The clip is the first 3.0 s of examples/speech.wav, the portrait examples/monalisa.jpg. Each figure is
a new process (imports, model loads, the job), after one untimed run so that caches on disk (bytecode,
the OS file cache, the landmark cache) are filled as on any machine after its first use. Cases:
track_3s (a portrait seen before: its landmarks come from the landmark cache), track_3s_new_portrait
(MAKEITTALK_LANDMARK_CACHE=0: dlib's model is loaded and run, as for a portrait never seen), the same
with --rest-landmarks, the first two without the helper child (MAKEITTALK_PREFETCH=0: one process), and
bare imports, so the parts can be told apart. Wall and CPU seconds (the
steadier figure on a shared machine) and the load average go to bench/results/coldstart.json.
--quick: the track cases only.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# the code measured: this checkout, or another one (e.g. main, for a before/after) with BENCH_CODE=PATH
CODE = Path(os.environ.get("BENCH_CODE") or REPO).resolve()
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import write_result  # noqa: E402

SPEECH = REPO / "examples" / "speech.wav"
REST = REPO / "tests" / "data" / "rest_68x2.json"
PORTRAIT = REPO / "examples" / "monalisa.jpg"


def env(extra: dict | None = None) -> dict:
    e = dict(os.environ)
    e.update(extra or {})
    e["PYTHONPATH"] = os.pathsep.join([str(CODE / "server"), str(CODE), e.get("PYTHONPATH", "")])
    return e


def clip3(d: Path) -> Path:
    import soundfile as sf

    x, sr = sf.read(SPEECH, dtype="float32")
    out = d / "c3.wav"
    sf.write(out, x[: 3 * sr], sr)
    return out


def timed(cmd: list[str], runs: int, extra_env: dict | None = None) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds of the child and its children) per run. On a shared machine the CPU
    time is the steadier figure: a cold start is mostly one thread, so on idle cores wall ~ CPU."""
    import resource

    subprocess.run(cmd, env=env(extra_env), check=True, capture_output=True)        # fills the disk caches
    wall, cpu = [], []
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.monotonic()
        subprocess.run(cmd, env=env(extra_env), check=True, capture_output=True)
        wall.append(time.monotonic() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    return wall, cpu


def serve_times(timeout: float = 180.0) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1/health"
    t0 = time.monotonic()
    p = subprocess.Popen([sys.executable, "-m", "makeittalk_server.cli", "serve", "--port", str(port)], env=env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    res = {"healthy_s": None, "warm_s": None, "health_request_s": []}
    try:
        while time.monotonic() - t0 < timeout and p.poll() is None:
            try:
                t = time.monotonic()
                with urllib.request.urlopen(url, timeout=60) as r:
                    h = json.load(r)
                res["health_request_s"].append(round(time.monotonic() - t, 3))
                if res["healthy_s"] is None:
                    res["healthy_s"] = time.monotonic() - t0
                if h.get("warm"):
                    res["warm_s"] = time.monotonic() - t0
                    break
            except OSError:
                pass
            time.sleep(0.05)
    finally:
        p.terminate()
        p.wait(timeout=30)
    res["health_request_s"] = res["health_request_s"][:5]
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-serve", action="store_true")
    ap.add_argument("--quick", action="store_true", help="only the track cases (no imports, no serve)")
    ap.add_argument("--out", default=None, help="result file (default: this bench's file in bench/results/)")
    args = ap.parse_args()
    py = sys.executable
    figures = {"clip_s": 3.0, "clip": "examples/speech.wav, first 3 s", "load_avg_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "t.json")
        cache = {"MAKEITTALK_CACHE_DIR": str(Path(tmp) / "cache")}      # its own landmark cache
        track = [py, "-m", "makeittalk_server.cli", "track", str(PORTRAIT), str(clip3(Path(tmp))), "-o", out,
                 "--quiet"]
        envs = {"track_3s_new_portrait": {"MAKEITTALK_LANDMARK_CACHE": "0"},
                "track_3s_one_process": {"MAKEITTALK_PREFETCH": "0"},
                "track_3s_new_portrait_one_process": {"MAKEITTALK_LANDMARK_CACHE": "0", "MAKEITTALK_PREFETCH": "0"}}
        cases = {
            "track_3s": track,
            "track_3s_new_portrait": track,
            "track_3s_one_process": track,          # without the helper child (prefetch.py), for comparison
            "track_3s_new_portrait_one_process": track,
            "track_3s_rest_given": track + ["--rest-landmarks", str(REST)],
            "python_only": [py, "-c", "pass"],
            "cli_help": [py, "-m", "makeittalk_server.cli", "--help"],
            "import_numpy_scipy_cv2": [py, "-c", "import numpy, scipy.signal, cv2"],
            "import_torch": [py, "-c", "import torch"],
            "import_resemblyzer_librosa": [py, "-c", "import resemblyzer, librosa.feature"],
            "import_default_engine": [py, "-c", "import sys; sys.path[:0]=%r; import makeittalk_server.engines."
                                      "default.engine" % [str(CODE / "server")]],
            "load_dlib_model": [py, "-c", "import sys; sys.path[:0]=%r; from makeittalk_server.landmarks import "
                                "dlib_detector as d; d.warm()" % [str(CODE / "server")]],
        }
        if args.quick:
            cases = {k: v for k, v in cases.items() if k.startswith("track_")}
        for name, cmd in cases.items():
            ts, cpu = timed(cmd, args.runs, {**cache, **envs.get(name, {})})
            figures[name] = {"median_s": statistics.median(ts), "min_s": min(ts), "runs_s": ts,
                             "cpu_median_s": statistics.median(cpu), "load_avg": os.getloadavg()[0]}
            print(f"{name:<28} wall median {statistics.median(ts):6.2f} s  min {min(ts):6.2f} s  CPU "
                  f"{statistics.median(cpu):6.2f} s  (load average {os.getloadavg()[0]:.1f})", flush=True)
    if not args.no_serve and not args.quick:
        s = serve_times()
        s["load_avg"] = os.getloadavg()[0]
        figures["serve"] = s
        print(f"serve: healthy after {s['healthy_s'] and round(s['healthy_s'], 2)} s, warm after "
              f"{s['warm_s'] and round(s['warm_s'], 2)} s; health requests {s['health_request_s']} s "
              f"(load average {s['load_avg']:.1f})")
    print("wrote", write_result("coldstart", {**figures, "code": str(CODE)}, args.out))


if __name__ == "__main__":
    main()
