"""The extension zip carries the whole add-on, shared core modules included, and needs nothing that
Blender's own Python lacks (so the zip alone works)."""

from support.paths import ROOT
import sys
from pathlib import Path

sys.path.insert(0, str(ROOT / "tools"))

import build_extension  # noqa: E402


def test_the_staged_extension_is_self_contained(tmp_path):
    dest = Path(build_extension.stage(str(tmp_path / "makeittalk")))
    for rel in ("__init__.py", "headless.py", "core/constants.py", "core/server_locate.py", "core/client.py",
                "blender/compat.py", "blender_manifest.toml"):
        assert (dest / rel).is_file(), rel
    assert not list(dest.rglob("__pycache__"))


def test_an_import_blender_cannot_satisfy_is_refused(tmp_path):
    pkg = tmp_path / "ext"
    (pkg / "core").mkdir(parents=True)
    (pkg / "core" / "ok.py").write_text("import json, numpy\nfrom . import x\nimport bpy, mathutils\n")
    (pkg / "core" / "bad.py").write_text("import torch\nfrom makeittalk_server import track\n")
    assert build_extension.imports_outside(str(pkg)) == ["core/bad.py: torch", "core/bad.py: makeittalk_server"]
