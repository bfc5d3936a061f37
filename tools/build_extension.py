#!/usr/bin/env python3
"""Validate and build the "Animate Portrait" extension zip; optionally install it into Blender.

    python tools/build_extension.py --out dist/
    python tools/build_extension.py --out dist/ --blender /path/to/blender --server-python .venv/bin/python
    python tools/build_extension.py --out dist/ --bpy-python .venv/bin/python   # Blender as a module

The zip holds blender_manifest.toml and the contents of makeittalk_blender/ at its root. Blender's own
validator (blender_ext.py from the bpy wheel, run under plain Python) checks and builds it. Installing
enables the add-on and sets its preferences so "Start server" works with no typing.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXT_ID = "makeittalk"
REPO = "user_default"
MODULE = f"bl_ext.{REPO}.{EXT_ID}"


def find_blender_ext(explicit: str | None = None) -> str | None:
    """blender_ext.py: given, from the bpy of this Python, or from the repository's .venv."""
    if explicit:
        return explicit
    roots = []
    spec = importlib.util.find_spec("bpy")
    if spec and spec.origin:
        roots.append(os.path.dirname(spec.origin))
    roots += glob.glob(os.path.join(ROOT, ".venv*", "lib", "python3*", "site-packages", "bpy"))
    for r in roots:
        hits = sorted(glob.glob(os.path.join(r, "*", "scripts", "addons_core", "bl_pkg", "cli", "blender_ext.py")))
        if hits:
            return hits[-1]
    return None


def stage(dest: str) -> str:
    """Copy manifest + package contents into dest (what the zip's root will hold): the whole package,
    so the shared pure modules in core/ (track format, constants, server_locate, ...) travel with it."""
    src = os.path.join(ROOT, "makeittalk_blender")
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(os.path.join(ROOT, "blender_manifest.toml"), os.path.join(dest, "blender_manifest.toml"))
    outside = imports_outside(dest)
    if outside:
        raise SystemExit("build_extension: the extension must be self-contained (Blender's Python has only "
                         "the standard library, numpy and bpy); these imports would fail there:\n  "
                         + "\n  ".join(outside))
    return dest


# What Blender's own Python offers an extension besides the standard library.
BLENDER_MODULES = {"bpy", "bpy_extras", "mathutils", "bmesh", "aud", "gpu", "gpu_extras", "blf", "bl_math",
                   "addon_utils", "numpy", "idprop", "imbuf", "freestyle"}


def imports_outside(folder: str) -> list[str]:
    """'file: module' for each absolute import of a staged module that Blender could not satisfy
    (the package itself is imported relatively, as bl_ext.<repo>.makeittalk)."""
    import ast

    allowed = set(sys.stdlib_module_names) | BLENDER_MODULES
    bad = []
    for base, _dirs, files in os.walk(folder):
        for name in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(base, name)
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and not node.level and node.module else []
                bad += [f"{os.path.relpath(path, folder)}: {m}" for m in mods if m.split(".")[0] not in allowed]
    return bad


def build(out_dir: str, blender_ext: str | None = None, blender: str | None = None) -> str:
    """Blender's validator and builder: blender_ext.py under this Python, else `blender --command extension`."""
    tool = find_blender_ext(blender_ext)
    if tool:
        cli = [sys.executable, tool]
    elif blender:
        cli = [blender, "--command", "extension"]
    else:
        raise SystemExit("build_extension: Blender's extension tool was not found: install bpy in this Python, "
                         "or pass --blender-ext PATH or --blender PATH")
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = stage(os.path.join(tmp, EXT_ID))
        subprocess.run(cli + ["validate", src], check=True)
        subprocess.run(cli + ["build", "--source-dir", src, "--output-dir", os.path.abspath(out_dir)], check=True)
    zips = sorted(glob.glob(os.path.join(out_dir, f"{EXT_ID}-*.zip")), key=os.path.getmtime)
    subprocess.run(cli + ["validate", zips[-1]], check=True)
    return os.path.abspath(zips[-1])


def prefs_script(zip_path: str | None, prefs: dict) -> str:
    """Python run inside Blender: (install,) enable, set preferences, save them."""
    return "\n".join([
        "import bpy, addon_utils",
        f"zip_path, prefs, module = {zip_path!r}, {json.dumps(prefs)!r}, {MODULE!r}",
        "import json; prefs = json.loads(prefs)",
        "if zip_path:",
        f"    bpy.ops.extensions.package_install_files(filepath=zip_path, repo={REPO!r}, enable_on_install=True)",
        "addon_utils.enable(module, default_set=True, handle_error=None)",
        "p = bpy.context.preferences.addons[module].preferences",
        "for k, v in prefs.items(): setattr(p, k, v)",
        "bpy.ops.wm.save_userpref()",
        "print('makeittalk extension installed:', module, dict(prefs))",
    ])


def install_blender(blender: str, zip_path: str, prefs: dict) -> None:
    subprocess.run([blender, "--command", "extension", "install-file", "-r", REPO, "-e", zip_path], check=True)
    subprocess.run([blender, "-b", "--python-exit-code", "1", "--python-expr", prefs_script(None, prefs)], check=True)


def install_bpy(python: str, zip_path: str, prefs: dict) -> None:
    """Blender as a module (bpy wheel): the same steps through the extensions operator."""
    subprocess.run([python, "-c", prefs_script(zip_path, prefs)], check=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "dist"), help="folder for the zip (default dist/)")
    ap.add_argument("--blender-ext", help="path of Blender's blender_ext.py (found in the bpy wheel otherwise)")
    ap.add_argument("--blender", help="Blender executable to install into ('PATH' = the one on PATH)")
    ap.add_argument("--bpy-python", help="a Python with bpy to install into (Blender as a module)")
    ap.add_argument("--server-python", help="Python of the server's venv, set as the add-on's preference")
    ap.add_argument("--server-url", default=None, help="server address preference")
    ap.add_argument("--token", default=None, help="token preference")
    ap.add_argument("--checkpoints", default=None, help="folder of the official MakeItTalk checkpoints")
    args = ap.parse_args(argv)

    blender = None
    if args.blender:
        blender = shutil.which("blender") if args.blender == "PATH" else args.blender
        if not blender:
            raise SystemExit("build_extension: no 'blender' on PATH")
    zip_path = build(args.out, args.blender_ext, blender)
    print(f"built {zip_path}")
    prefs = {k: v for k, v in (("server_python", args.server_python and os.path.abspath(args.server_python)),
                                ("server_url", args.server_url), ("token", args.token),
                                ("checkpoints_dir", args.checkpoints and os.path.abspath(args.checkpoints)))
             if v is not None}
    if blender:
        install_blender(blender, zip_path, prefs)
    if args.bpy_python:
        install_bpy(args.bpy_python, zip_path, prefs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
