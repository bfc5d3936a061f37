#!/usr/bin/env python3
"""Set up MakeItTalk for Blender from a clean clone. Needs Python 3.11, 3.12 or 3.13 and the package index.

    python3 install.py                  server + `makeittalk` command + bpy (headless `makeittalk animate`)
    python3 install.py --dev            also the test tools, bpy 4.5 in .venv-bpy45 for the 4.5 LTS tests and
                                        the API stubs of Blender 4.2-5.2 in .stubs/ (tools/check_bpy_stubs.py)
    python3 install.py --blender PATH   also install the extension into that Blender and point it at this server

What goes in depends on the Python it runs with (it says what it chose): Blender as a module exists as
bpy 5.0 for Python 3.11 and bpy 5.2 for 3.13; on 3.12 the server and the command line are installed
without it (`makeittalk animate` then needs a 3.11 or 3.13 install). Works the same on Linux, macOS and
Windows (the virtual environment's layout differs; see venv_bin). Idempotent: a second run checks a
stamp and the imports, and does nothing more when all is in place. No root, no system packages.
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
SUPPORTED = ((3, 11), (3, 12), (3, 13))
# Two dependencies come only as source (pysptk: pitch for both engines; webrtcvad, for resemblyzer), so
# they are compiled at install time; every other one has wheels for Linux x86-64, macOS arm64 and
# Windows x64 on Python 3.11-3.13 (tools/check_wheels.py, results in tools/wheels.json).
COMPILER_HINT = {
    "linux": "pysptk and webrtcvad are compiled from source: a C compiler is needed (e.g. gcc).",
    "darwin": "pysptk and webrtcvad are compiled from source: install Apple's command line tools "
              "(xcode-select --install) and run install.py again.",
    "win32": "pysptk and webrtcvad are compiled from source: install the Microsoft C++ Build Tools "
             "(the 'Desktop development with C++' workload) and run install.py again.",
}
# Blender as a module for each Python (the same as pyproject.toml's `blender` extra); none for 3.12.
BPY_FOR = {(3, 11): "bpy 5.0", (3, 13): "bpy 5.2"}
STUBS = ROOT / ".stubs"
STUB_VERSIONS = ("4.2", "4.5", "5.0", "5.1", "5.2")
STUB_RELEASE = "20260730"        # fake-bpy-module-X-Y release, the same for every version
FACE_ALIGNMENT = "face-alignment==1.5.0"   # optional detector; used only when its weights are on disk
# Imports that prove the environment works (each must succeed after install).
CHECK_IMPORTS = ["torch", "numpy", "scipy", "librosa", "soundfile", "soxr", "resemblyzer", "pocketsphinx",
                 "dlib", "cv2", "fastapi", "uvicorn", "av", "face_alignment", "makeittalk_server"]


def log(msg: str) -> None:
    print(f"[install] {msg}", flush=True)


def venv_bin(path: Path, name: str) -> Path:
    """A program of a virtual environment: Scripts\\NAME.exe on Windows, bin/NAME elsewhere."""
    return path / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def venv_python(path: Path) -> Path:
    return venv_bin(path, "python")


def python_version(py: Path) -> tuple[int, int]:
    out = subprocess.run([str(py), "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[1])


def plan_for(version: tuple[int, int], no_bpy: bool, dev: bool) -> dict:
    """What to install for a Python version, and the sentence that says so."""
    bpy = None if no_bpy else BPY_FOR.get(version)
    v = f"{version[0]}.{version[1]}"
    if bpy:
        what = f"Python {v}: the server, the makeittalk command and {bpy} (Blender as a module, for makeittalk animate)"
    elif no_bpy:
        what = f"Python {v}: the server and the makeittalk command (--no-bpy: no headless Blender)"
    else:
        what = (f"Python {v}: the server and the makeittalk command; no Blender-as-a-module is built for Python "
                f"{v} ({', '.join(f'{b} for {x[0]}.{x[1]}' for x, b in BPY_FOR.items())}), so `makeittalk animate` "
                "is left out: use the add-on inside Blender, or install with python3.11 or python3.13 for it")
    bpy45 = dev and version == (3, 11)
    if dev:
        what += "; test tools and Blender API stubs" + ("; bpy 4.5 in .venv-bpy45" if bpy45 else
                                                         " (bpy 4.5 for the 4.5 LTS tests needs Python 3.11: skipped)")
    return {"with_bpy": bool(bpy), "bpy45": bpy45, "say": what}


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


def setup_main(py: Path, dev: bool, with_bpy: bool) -> Path:
    extras = [e for e, on in (("blender", with_bpy), ("dev", dev)) if on]
    stamp_file = VENV / ".makeittalk-stamp"
    want = stamp_of("main", *extras, sys.version)
    modules = CHECK_IMPORTS + (["bpy"] if with_bpy else []) + (["pytest", "hypothesis", "schemathesis"] if dev else [])
    if stamp_file.exists() and stamp_file.read_text() == want and imports_ok(py, modules):
        log(f"{VENV.name} is up to date")
        return py
    pip(py, TORCH)  # first, so nothing later pulls a CUDA build
    spec = "." + (f"[{','.join(extras)}]" if extras else "")
    try:
        pip(py, "-e", spec, cwd=ROOT)
    except subprocess.CalledProcessError:
        sys.exit("[install] installing the server's packages failed (see above). " + COMPILER_HINT.get(
            sys.platform, COMPILER_HINT["linux"]))
    # face-alignment's declared deps would pull numpy 2 and opencv-python, which bpy (numpy<2) can't take;
    # what it really imports (torch, cv2, skimage, numba, tqdm) is already in the dependencies.
    pip(py, "--no-deps", FACE_ALIGNMENT)
    if not imports_ok(py, modules):
        sys.exit("[install] the environment was installed but some modules fail to import; see above")
    warm_caches(py)
    stamp_file.write_text(want)
    return py


def warm_caches(py: Path) -> None:
    """Compile once now what the first run would (numba's librosa functions: ~20 s; the bytecode)."""
    log("filling the compile caches (once, so the first run starts quickly)")
    subprocess.run([str(py), "-m", "makeittalk_server.warm_caches"], cwd=ROOT, check=False)


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


def setup_stubs(py: Path) -> None:
    """The API stubs of each Blender version in its own folder (.stubs/X.Y), for tools/check_bpy_stubs.py."""
    for ver in STUB_VERSIONS:
        dest = STUBS / ver
        dist = f"fake_bpy_module_{ver.replace('.', '_')}-{STUB_RELEASE}.dist-info"
        if (dest / dist).is_dir() and (dest / "bpy-stubs").is_dir():
            continue
        shutil.rmtree(dest, ignore_errors=True)
        pip(py, "--no-deps", "--target", str(dest), f"fake-bpy-module-{ver.replace('.', '-')}=={STUB_RELEASE}")
    log(f"Blender API stubs {', '.join(STUB_VERSIONS)} are in {STUBS.name}/")


def record_server(py: Path) -> None:
    """Leave the server's Python where an extension installed from its zip alone looks for it."""
    sys.path.insert(0, str(ROOT))
    from makeittalk_blender.core import server_locate

    if server_locate.read_record() != os.path.abspath(py):
        path = server_locate.write_record(str(py), "0.1.0")
        log(f"recorded the server's Python in {path} (the add-on's Start server finds it there)")


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
    if sys.version_info[:2] not in SUPPORTED:
        sys.exit(f"[install] Python 3.11, 3.12 or 3.13 is needed; this is {sys.version.split()[0]}. "
                 "Run it as python3.11 install.py (or python3.13)")
    py = ensure_venv(VENV)
    version = python_version(py)
    if version != sys.version_info[:2]:
        log(f"{VENV.name} was made with Python {version[0]}.{version[1]}; keeping it (delete it to switch)")
    plan = plan_for(version, args.no_bpy, args.dev)
    log("installing for " + plan["say"])
    setup_main(py, dev=args.dev, with_bpy=plan["with_bpy"])
    if plan["bpy45"]:
        setup_bpy45()
    if args.dev:
        setup_stubs(py)
    record_server(venv_python(VENV))
    blender = args.blender or shutil.which("blender")
    build_extension(py, blender)
    log("done: " + plan["say"])
    log(f"start the server with: {venv_bin(VENV, 'makeittalk')} serve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
