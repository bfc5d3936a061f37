"""The API stubs of one Blender version (a fake-bpy-module-X-Y folder) as a small JSON index:
classes with their members' types, module members, operators. Used by check_bpy_stubs.py."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

INDEX_FORMAT = 3


def _parse_pyi(path: Path) -> ast.Module:
    """The stubs use Python 3.12 syntax (class X[T], `type X = ...`); drop it so any 3.11+ can parse."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^(\s*(?:class|def) \w+)\[[^\]]*\]", r"\1", text, flags=re.M)
    text = re.sub(r"^type (\w+)", r"\1", text, flags=re.M)
    return ast.parse(text)


def _type_of(ann) -> str | None:
    """'Object' for `Object | None`, 'coll:Object' for `bpy_prop_collection[Object]`, None when unknown."""
    if ann is None:
        return None
    if isinstance(ann, ast.BinOp):            # X | None is an X; X | Y | None is unknown
        if _is_none(ann.right):
            return _type_of(ann.left)
        return _type_of(ann.right) if _is_none(ann.left) else None
    if isinstance(ann, ast.Subscript):
        base = _type_of(ann.value)
        if base in ("bpy_prop_collection", "bpy_prop_collection_idprop"):
            inner = _type_of(ann.slice)
            return f"coll:{inner}" if inner else None
        return None
    if isinstance(ann, ast.Attribute):
        return "Self" if ann.attr == "Self" else (None if ann.attr == "Any" else ann.attr)
    if isinstance(ann, ast.Name):
        return ann.id if ann.id not in ("None", "Any") else None
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        return ann.value.split("[")[0].split(".")[-1] or None
    return None


def _is_none(ann) -> bool:
    return isinstance(ann, ast.Constant) and ann.value is None or isinstance(ann, ast.Name) and ann.id == "None"


def _class_entry(node: ast.ClassDef) -> dict:
    members: dict[str, str | None] = {}
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            members[item.target.id] = _type_of(item.annotation)
        elif isinstance(item, ast.Assign):
            members.update({t.id: None for t in item.targets if isinstance(t, ast.Name)})
        elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            is_prop = any(isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list)
            members[item.name] = ("" if is_prop else "call:") + (_type_of(item.returns) or "?")
    bases, element = [], None
    for b in node.bases:
        t = _type_of(b)
        if t and t.startswith("coll:"):
            element, t = t[5:], "bpy_prop_collection"
        if t:
            bases.append(t)
    return {"bases": bases, "members": members, "element": element}


def _module_names(path: Path) -> list[str]:
    if not path.exists():
        return []
    names = []
    for node in _parse_pyi(path).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.ImportFrom):
            names += [a.asname or a.name for a in node.names]
    return names


def build_index(stub_dir: Path) -> dict:
    bpy = stub_dir / "bpy-stubs"
    classes = {n.name: _class_entry(n) for n in _parse_pyi(bpy / "types" / "__init__.pyi").body
               if isinstance(n, ast.ClassDef)}
    modules = {"bpy.types": sorted(classes)}
    for mod in ("props", "app", "app/handlers", "app/timers", "utils", "path"):
        modules["bpy." + mod.replace("/", ".")] = _module_names(bpy / mod / "__init__.pyi")
    modules["mathutils.geometry"] = _module_names(stub_dir / "mathutils-stubs" / "geometry" / "__init__.pyi")
    ops = {d.name: _module_names(d / "__init__.pyi") for d in sorted((bpy / "ops").iterdir()) if d.is_dir()}
    return {"format": INDEX_FORMAT, "classes": classes, "modules": modules, "ops": ops}


def load_index(stub_dir: Path) -> dict:
    """The index of one stub folder, cached beside it (rebuilt when this tool's format changes)."""
    cache = stub_dir / "makeittalk-index.json"
    if cache.exists():
        idx = json.loads(cache.read_text())
        if idx.get("format") == INDEX_FORMAT:
            return idx
    idx = build_index(stub_dir)
    cache.write_text(json.dumps(idx))
    return idx
