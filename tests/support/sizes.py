"""Module and function sizes of the shipped packages (server/ and makeittalk_blender/)."""

from __future__ import annotations
from support.paths import ROOT

import ast
from pathlib import Path

PACKAGES = (ROOT / "server" / "makeittalk_server", ROOT / "makeittalk_blender")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def python_files(packages=PACKAGES):
    for pkg in packages:
        yield from sorted(p for p in Path(pkg).rglob("*.py") if "__pycache__" not in p.parts)


def oversized(packages=PACKAGES, root=ROOT) -> list[str]:
    """'path' for a module over the limit, 'path:function' for a function over it (paths from root)."""
    out = []
    for path in python_files(packages):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            out.append(rel)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    out.append(f"{rel}:{node.name}")
    return out


if __name__ == "__main__":
    print("\n".join(oversized()) or "none")
