#!/usr/bin/env python3
"""Set up MakeItTalk for Blender from a clean clone. Needs Python 3.11 and the package index only.

    python3 install.py                  server + `makeittalk` command + bpy (headless `makeittalk animate`)
    python3 install.py --dev            also the test tools, and bpy 4.5 in .venv-bpy45 for the 4.5 LTS tests
    python3 install.py --blender PATH   also install the extension into that Blender and point it at this server

Idempotent: a second run checks a stamp and the imports, and does nothing more when all is in place.
No root, no Debian packages.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_BPY45 = ROOT / ".venv-bpy45"
TORCH = "torch==2.13.0"          # the CPU build; a plain "torch" would pull several GB of CUDA packages
BPY45 = "bpy==4.5.*"
FACE_ALIGNMENT = "face-alignment==1.5.0"   # optional detector; used only when its weights are on disk
# Imports that prove the environment works (each must succeed after install).
CHECK_IMPORTS = ["torch", "numpy", "scipy", "librosa", "soundfile", "soxr", "resemblyzer", "pocketsphinx",
                 "dlib", "cv2", "fastapi", "uvicorn", "av", "face_alignment", "makeittalk_server"]


def log(msg: str) -> None:
    print(f"[install] {msg}", flush=True)


def venv_python(path: Path) -> Path:
    return path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(cmd: list, **kw) -> None:
    log("$ " + " ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def pip(py: Path, *args: str, **kw) -> None:
    run([py, "-m", "pip", "install", "--disable-pip-version-check", "-q", *args], **kw)


def stamp_of(*parts: str) -> str:
    h = hashlib.sha256()
    for p in ("pyproject.toml", "install.py"):
        h.update((ROOT / p).read_bytes())
    for p in parts:
        h.update(p.encode())
    return h.hexdigest()


def imports_ok(py: Path, modules: list[str]) -> bool:
    code = "import warnings; warnings.simplefilter('ignore')\n" + "\n".join(f"import {m}" for m in modules)
    return subprocess.run([str(py), "-c", code], capture_output=True).returncode == 0


def ensure_venv(path: Path) -> Path:
    py = venv_python(path)
    if not py.exists():
        log(f"creating virtual environment {path.name}")
        venv.EnvBuilder(with_pip=True, clear=False).create(path)
        pip(py, "--upgrade", "pip", "wheel", "setuptools<81")
    return py


def setup_main(dev: bool, with_bpy: bool) -> Path:
    py = ensure_venv(VENV)
    extras = [e for e, on in (("blender", with_bpy), ("dev", dev)) if on]
    stamp_file = VENV / ".makeittalk-stamp"
    want = stamp_of("main", *extras)
    modules = CHECK_IMPORTS + (["bpy"] if with_bpy else []) + (["pytest", "hypothesis", "schemathesis"] if dev else [])
    if stamp_file.exists() and stamp_file.read_text() == want and imports_ok(py, modules):
        log(f"{VENV.name} is up to date")
        return py
    pip(py, TORCH)  # first, so nothing later pulls a CUDA build
    spec = "." + (f"[{','.join(extras)}]" if extras else "")
    pip(py, "-e", spec, cwd=ROOT)
    # face-alignment's declared deps would pull numpy 2 and opencv-python, which bpy (numpy<2) can't take;
    # what it really imports (torch, cv2, skimage, numba, tqdm) is already in the dependencies.
    pip(py, "--no-deps", FACE_ALIGNMENT)
    if not imports_ok(py, modules):
        sys.exit("[install] the environment was installed but some modules fail to import; see above")
    stamp_file.write_text(want)
    return py


def setup_bpy45() -> Path:
    """A small second venv with Blender 4.5 LTS as a module, so the add-on is tested on 4.5 and 5.0."""
    py = ensure_venv(VENV_BPY45)
    stamp_file = VENV_BPY45 / ".makeittalk-stamp"
    want = stamp_of("bpy45")
    if stamp_file.exists() and stamp_file.read_text() == want and imports_ok(py, ["bpy", "pytest"]):
        log(f"{VENV_BPY45.name} is up to date")
        return py
    pip(py, BPY45, "pytest", "pytest-timeout")
    stamp_file.write_text(want)
    return py


def build_extension(py: Path, blender: str | None) -> None:
    tool = ROOT / "tools" / "build_extension.py"
    if not tool.exists():
        log("tools/build_extension.py not found; skipping the extension zip")
        return
    cmd = [py, tool, "--out", ROOT / "dist", "--server-python", venv_python(VENV)]
    if blender:
        cmd += ["--blender", blender]
    run(cmd, cwd=ROOT)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", action="store_true", help="test dependencies and the bpy 4.5 test environment")
    ap.add_argument("--no-bpy", action="store_true", help="server only: skip Blender-as-a-module (~370 MB)")
    ap.add_argument("--blender", default=None,
                    help="Blender executable to install the extension into (default: 'blender' on PATH, if any)")
    args = ap.parse_args()
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"[install] Python 3.11 is needed (bpy and the pinned torch build are cp311); this is "
                 f"{sys.version.split()[0]}. Run it as python3.11 install.py")
    py = setup_main(dev=args.dev, with_bpy=not args.no_bpy)
    if args.dev:
        setup_bpy45()
    blender = args.blender or shutil.which("blender")
    build_extension(py, blender)
    log("done. Start the server with: " + str(VENV / "bin" / "makeittalk") + " serve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
