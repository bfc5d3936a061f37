#!/usr/bin/env python3
"""Do the server's dependencies have wheels for another OS / Python? One pip resolution per target,
nothing installed: `pip install --dry-run --only-binary=:all: --platform ... --python-version ...`.

    python tools/check_wheels.py                       # every target in TARGETS
    python tools/check_wheels.py --target win-cp313    # one

Prints, per target, OK with the resolved versions of the packages that matter, or the first package
pip could not find a wheel for. Results are written to tools/wheels.json by --write.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINUX = ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "linux_x86_64"]
MAC = ["macosx_14_0_arm64"]          # pip also accepts the older macOS tags of the same architecture
WIN = ["win_amd64"]
TARGETS = {
    "linux-cp311": (LINUX, "3.11"), "linux-cp312": (LINUX, "3.12"), "linux-cp313": (LINUX, "3.13"),
    "mac-cp311": (MAC, "3.11"), "mac-cp313": (MAC, "3.13"),
    "win-cp311": (WIN, "3.11"), "win-cp313": (WIN, "3.13"),
}
# sdist-only packages that hold no compiled code (they build anywhere): left out of the binary-only
# resolution, and named in its result.
PURE_SDISTS = {"face-recognition-models": "dlib's model files, no code to compile"}
# sdist-only packages with C code: they build where a C compiler is (Linux: gcc; macOS: the Xcode
# command line tools; Windows: the MSVC build tools). Left out of the resolution, named in its result.
COMPILED_SDISTS = {"pysptk": "pitch (RAPT) for both engines", "webrtcvad": "resemblyzer's voice activity"}
SHOW = ("torch", "bpy", "numpy", "dlib-bin", "pocketsphinx", "av", "pysptk", "webrtcvad", "webrtcvad-wheels",
        "opencv-python-headless", "scikit-image", "soxr", "librosa", "numba", "llvmlite")


def requirements(python: str) -> list[str]:
    """The runtime dependencies, plus the `blender` extra's bpy where one fits that Python."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"]) + list(project["optional-dependencies"].get("blender", []))
    return [r for r in reqs if _marker_ok(r, python)]


def _marker_ok(req: str, python: str) -> bool:
    if ";" not in req:
        return True
    marker = req.split(";", 1)[1].strip()
    env = {"python_version": python}
    try:
        from packaging.markers import Marker

        return Marker(marker).evaluate(env)
    except ImportError:
        return f"'{python}'" in marker
    

def _dry_run(platforms: list[str], python: str, reqs: list[str], *extra: str) -> tuple[dict | None, str]:
    """{name: version} pip would install, or None and pip's error."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", *extra,
               "--target", str(Path(tmp) / "t"), "--python-version", python, "--only-binary=:all:",
               "--report", str(report), *sum((["--platform", p] for p in platforms), []), *reqs]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            lines = [ln for ln in r.stderr.splitlines() if ln.startswith("ERROR") and "Ignored the" not in ln]
            return None, " ".join(lines)[:600] or r.stderr[-400:]
        installs = json.loads(report.read_text())["install"]
    return {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in installs}, ""


def resolve(platforms: list[str], python: str) -> dict:
    """The torch wheel on its own (its CUDA packages on Linux come from the CPU index or PyPI, and
    are not what is asked here), then everything else with its dependencies."""
    reqs = [r.split(";")[0].strip() for r in requirements(python)]
    torch = [r for r in reqs if r.startswith("torch")]
    got_torch, err = _dry_run(platforms, python, torch, "--no-deps")
    if got_torch is None:
        return {"ok": False, "error": err}
    reqs = [r for r in reqs if not r.startswith("torch")]
    reqs = [r for r in reqs if not any(r.startswith(p) for p in (*PURE_SDISTS, *COMPILED_SDISTS))]
    if "resemblyzer" in " ".join(reqs):              # its one compiled dependency, checked apart
        reqs = [r for r in reqs if not r.startswith("resemblyzer")] + ["librosa", "typing", "webrtcvad-wheels"]
    got, err = _dry_run(platforms, python, reqs)
    if got is None:
        return {"ok": False, "error": err}
    got.update(got_torch)
    return {"ok": True, "versions": {k: v for k, v in sorted(got.items()) if k in SHOW}, "packages": len(got),
            "sdists": sorted(PURE_SDISTS), "needs_compiler": sorted(COMPILED_SDISTS)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", action="append", choices=sorted(TARGETS))
    ap.add_argument("--write", action="store_true", help="save the results in tools/wheels.json")
    args = ap.parse_args(argv)
    results = {}
    for name in args.target or TARGETS:
        platforms, python = TARGETS[name]
        results[name] = resolve(platforms, python)
        print(name, json.dumps(results[name]), flush=True)
    if args.write:
        out = ROOT / "tools" / "wheels.json"
        old = json.loads(out.read_text()) if out.exists() else {}
        out.write_text(json.dumps({**old, **results}, indent=1) + "\n")
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
