"""What every benchmark shares: the machine it ran on, and where its figures go (bench/results/NAME.json)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    """Enough to tell two runs' machines apart: cores, CPU model, memory, load, Python, git commit."""
    info = {"python": sys.version.split()[0], "platform": platform.platform(), "cores": os.cpu_count(),
            "cpu": platform.processor() or "", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        info["cpu"] = names[0] if names else info["cpu"]
        with open("/proc/meminfo") as f:
            info["mem_gb"] = round(int(f.readline().split()[1]) / 2**20, 1)
        info["load_avg_1m"] = round(os.getloadavg()[0], 2)
    except OSError:
        pass
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                        cwd=RESULTS.parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def write_result(name: str, figures: dict, path: str | os.PathLike | None = None) -> Path:
    """Write {"bench": name, "machine": ..., **figures} to bench/results/NAME.json (or path); returns it."""
    out = Path(path) if path else RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"bench": name, "machine": machine(), **figures}, indent=2, default=float) + "\n")
    return out
