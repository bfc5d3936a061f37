"""The extension as Blender sees it: Blender's validator builds the zip, Blender installs and enables it,
disabling removes everything; register/unregister in this process leaves nothing behind."""

from __future__ import annotations
from support.paths import ROOT

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest



@pytest.fixture(scope="module")
def built_zip(bpy_mod, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "build_extension.py"), "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    zips = list(out.glob("makeittalk-*.zip"))
    assert len(zips) == 1
    return zips[0]


def test_zip_holds_the_manifest_and_the_package_at_its_root(built_zip):
    names = zipfile.ZipFile(built_zip).namelist()
    assert "blender_manifest.toml" in names and "__init__.py" in names
    assert "core/client.py" in names and "blender/scene_builder.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


_CHECK = r"""
import json, sys, bpy, addon_utils
mod = "bl_ext.user_default.makeittalk"
bpy.ops.wm.read_userpref()          # what Blender does at start (the module does not)
out = {"enabled_at_start": mod in bpy.context.preferences.addons, "installed": mod in {m.__name__ for m in addon_utils.modules(refresh=True)}}
addon_utils.enable(mod, default_set=True, handle_error=None)
out["enabled_panel"] = hasattr(bpy.types, "VIEW3D_PT_makeittalk")
out["ops"] = hasattr(bpy.ops.makeittalk, "animate") and bpy.ops.makeittalk.animate.poll()
out["prefs_python"] = bpy.context.preferences.addons[mod].preferences.server_python
out["scene_prop"] = hasattr(bpy.context.scene, "makeittalk")
addon_utils.disable(mod, default_set=True, handle_error=None)
out["disabled_panel"] = hasattr(bpy.types, "VIEW3D_PT_makeittalk")
out["disabled_scene_prop"] = hasattr(bpy.types.Scene, "makeittalk")
addon_utils.enable(mod, default_set=True, handle_error=None)
out["reenabled"] = hasattr(bpy.types, "VIEW3D_PT_makeittalk")
addon_utils.disable(mod, default_set=True, handle_error=None)
print("RESULT " + json.dumps(out))
"""


def test_blender_installs_enables_and_disables_it(built_zip, tmp_path):
    env = dict(os.environ, BLENDER_USER_RESOURCES=str(tmp_path / "user"))
    fake_python = tmp_path / "venv" / "bin" / "python"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "build_extension.py"), "--out", str(tmp_path / "d"),
                        "--bpy-python", sys.executable, "--server-python", str(fake_python)],
                       capture_output=True, text=True, timeout=180, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "user" / "extensions" / "user_default" / "makeittalk" / "__init__.py").is_file()
    r = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, timeout=120, env=env)
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("RESULT ")]
    assert r.returncode == 0 and line, r.stdout + r.stderr
    out = json.loads(line[0][7:])
    assert out == {"enabled_at_start": True, "installed": True, "enabled_panel": True, "ops": True, "prefs_python": str(fake_python),
                   "scene_prop": True, "disabled_panel": False, "disabled_scene_prop": False, "reenabled": True}


def test_register_unregister_in_process_leaves_nothing(bpy_mod):
    import makeittalk_blender

    makeittalk_blender.register()
    assert hasattr(bpy_mod.types, "VIEW3D_PT_makeittalk") and hasattr(bpy_mod.types.Scene, "makeittalk")
    makeittalk_blender.unregister()
    assert not hasattr(bpy_mod.types, "VIEW3D_PT_makeittalk") and not hasattr(bpy_mod.types.Scene, "makeittalk")
    assert not hasattr(bpy_mod.types.WindowManager, "makeittalk_status")
