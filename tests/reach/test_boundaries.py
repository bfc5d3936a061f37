"""The server knows nothing about Blender: server/ imports only makeittalk_blender.core of the add-on,
and core/ is pure (stdlib, numpy and itself), so it runs in Blender's bundled Python and in the server."""

from support.paths import ROOT
import ast
import sys
from pathlib import Path

SERVER = ROOT / "server" / "makeittalk_server"
CORE = ROOT / "makeittalk_blender" / "core"


def imported_modules(path: Path, top: Path) -> list[str]:
    """Absolute module names a file imports; relative ones resolved against its package (top = the
    folder of the top-level package)."""
    package = [top.name, *path.parent.relative_to(top).parts]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            out.append(".".join(base + ([node.module] if node.module else [])))
    return out


def _files(folder: Path):
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def addon_imports_outside_core(top: Path) -> list[str]:
    return [f"{f.relative_to(top.parent).as_posix()}: {m}" for f in _files(top) for m in imported_modules(f, top)
            if m.split(".")[0] == "makeittalk_blender" and not (m + ".").startswith("makeittalk_blender.core.")]


def test_server_imports_only_the_addons_core():
    assert addon_imports_outside_core(SERVER) == []


def test_the_boundary_check_can_fail(tmp_path):
    top = tmp_path / "makeittalk_server"
    (top / "sub").mkdir(parents=True)
    (top / "ok.py").write_text("from makeittalk_blender.core import constants\nimport makeittalk_blender.core\n")
    (top / "sub" / "bad.py").write_text("import numpy\nfrom makeittalk_blender.blender import compat\n")
    (top / "worse.py").write_text("import makeittalk_blender.headless\n")
    assert addon_imports_outside_core(top) == ["makeittalk_server/sub/bad.py: makeittalk_blender.blender",
                                               "makeittalk_server/worse.py: makeittalk_blender.headless"]


def test_core_is_pure():
    allowed = set(sys.stdlib_module_names) | {"numpy"}
    bad = []
    for f in _files(CORE):
        for m in imported_modules(f, ROOT / "makeittalk_blender"):
            ok = m.split(".")[0] in allowed or (m + ".").startswith("makeittalk_blender.core.")
            if not ok:
                bad.append(f"{f.relative_to(ROOT)}: {m}")
    assert bad == []
