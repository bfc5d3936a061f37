"""The API stubs of one Blender version (a fake-bpy-module-X-Y folder) as a small JSON index:
classes with their members' types, module members, operators. Used by check_bpy_stubs.py."""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

INDEX_FORMAT = 6


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


def _literals(ann, enums: dict) -> list[str] | None:
    """The strings of `typing.Literal["A", "B"]` or of a named rna enum (bpy.stub_internal.rna_enums.X)."""
    if isinstance(ann, ast.Subscript) and isinstance(ann.value, ast.Attribute) and ann.value.attr == "Literal":
        items = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
        if all(isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items):
            return [i.value for i in items]
        return _literals(items[0], enums) if len(items) == 1 else None
    if isinstance(ann, ast.Attribute) and ann.attr in enums:
        return enums[ann.attr]
    return None


def _params(fn: ast.FunctionDef) -> list[str] | None:
    """Keyword names a function takes; None when it takes any (**kwargs)."""
    if fn.args.kwarg is not None:
        return None
    return [a.arg for a in fn.args.args + fn.args.kwonlyargs if a.arg not in ("self", "cls")]


def _class_entry(node: ast.ClassDef, enums: dict) -> dict:
    members: dict[str, str | None] = {}
    literals: dict[str, list[str]] = {}
    params: dict[str, list[str] | None] = {}
    readonly: set[str] = set()
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            members[item.target.id] = _type_of(item.annotation)
            values = _literals(item.annotation, enums)
            if values:
                literals[item.target.id] = values
        elif isinstance(item, ast.Assign):
            members.update({t.id: None for t in item.targets if isinstance(t, ast.Name)})
        elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            is_prop = any(isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list)
            members[item.name] = ("" if is_prop else "call:") + (_type_of(item.returns) or "?")
            if not is_prop:
                params[item.name] = _params(item)
            elif not any(isinstance(d, ast.Attribute) and d.attr == "setter" for d in item.decorator_list):
                readonly.add(item.name)
    bases, element = [], None
    for b in node.bases:
        t = _type_of(b)
        if t and t.startswith("coll:"):
            element, t = t[5:], "bpy_prop_collection"
        if t:
            bases.append(t)
    return {"bases": bases, "members": members, "element": element, "literals": literals, "params": params,
            "readonly": sorted(readonly)}


def _operators(path: Path) -> dict[str, list[str] | None]:
    """An ops submodule: each operator (a class whose __new__ holds its keywords) -> its keyword names."""
    out = {}
    for node in _parse_pyi(path).body if path.exists() else []:
        if isinstance(node, ast.ClassDef):
            new = [f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__new__"]
            out[node.name] = _params(new[0]) if new else None
        elif isinstance(node, ast.FunctionDef):
            out[node.name] = _params(node)
    return out


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
    enums = {}
    rna_enums = bpy / "stub_internal" / "rna_enums" / "__init__.pyi"
    if rna_enums.exists():
        for n in _parse_pyi(rna_enums).body:
            if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name):
                values = _literals(n.value, {})
                if values:
                    enums[n.targets[0].id] = values
    classes = {n.name: _class_entry(n, enums) for n in _parse_pyi(bpy / "types" / "__init__.pyi").body
               if isinstance(n, ast.ClassDef)}
    modules = {"bpy.types": sorted(classes)}
    for mod in ("props", "app", "app/handlers", "app/timers", "utils", "path"):
        modules["bpy." + mod.replace("/", ".")] = _module_names(bpy / mod / "__init__.pyi")
    modules["mathutils.geometry"] = _module_names(stub_dir / "mathutils-stubs" / "geometry" / "__init__.pyi")
    ops = {d.name: _operators(d / "__init__.pyi") for d in sorted((bpy / "ops").iterdir()) if d.is_dir()}
    return {"format": INDEX_FORMAT, "classes": classes, "modules": modules, "ops": ops}


def load_index(stub_dir: Path) -> dict:
    """The index of one stub folder, cached beside it (rebuilt when this tool's format changes)."""
    cache = stub_dir / "makeittalk-index.json"
    if cache.exists():
        idx = json.loads(cache.read_text())
        if idx.get("format") == INDEX_FORMAT:
            return idx
    idx = build_index(stub_dir)
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")   # two test runs may build it at once
    tmp.write_text(json.dumps(idx))
    os.replace(tmp, cache)
    return idx


# enums whose items add-ons and engines register at run time: the stubs list only the built-in ones
DYNAMIC_ENUMS = {("RenderSettings", "engine"), ("ColorManagedViewSettings", "view_transform"),
                 ("ColorManagedViewSettings", "look"), ("ColorManagedDisplaySettings", "display_device")}

class Types:
    """Member lookup in one version's index, through base classes."""

    def __init__(self, index: dict, registered: dict[str, set[str]]):
        self.classes, self.registered = index["classes"], registered

    def lineage(self, cls: str | None):
        """(name, entry) of cls and each of its bases, nearest first, each once."""
        seen, todo = set(), [cls] if cls else []
        while todo:
            c = todo.pop(0)
            if c in seen or c not in self.classes:
                continue
            seen.add(c)
            yield c, self.classes[c]
            todo += self.classes[c]["bases"]

    def in_subclass(self, cls: str, name: str) -> str | None:
        """A subclass of cls that has the member: collections give the base class (Modifier, ActionStrip)
        of items that are really a subclass (HookModifier, ActionKeyframeStrip)."""
        if not hasattr(self, "_subclasses"):
            self._subclasses: dict[str, list[str]] = {}
            for c, entry in self.classes.items():
                for b in entry["bases"]:
                    self._subclasses.setdefault(b, []).append(c)
        todo, seen = list(self._subclasses.get(cls, ())), set()
        while todo:
            c = todo.pop(0)
            if c in seen:
                continue
            seen.add(c)
            if name in self.classes[c]["members"]:
                return c
            todo += self._subclasses.get(c, ())
        return None

    def _first(self, cls: str, table: str, name: str):
        return next((e[table][name] for _, e in self.lineage(cls) if name in e.get(table, {})), None)

    def member(self, cls: str, name: str) -> tuple[bool, str | None]:
        for c, entry in self.lineage(cls):
            if name in entry["members"]:
                t = entry["members"][name]
                return True, (cls if t in ("Self", "call:Self") else t.replace("call:Self", "call:" + cls) if t else t)
            if name in self.registered.get(c, ()):
                return True, None
        return False, None

    def readonly(self, cls: str, name: str) -> bool:
        """Whether the nearest class that has the member gives it as a read-only property."""
        for _c, entry in self.lineage(cls):
            if name in entry["members"]:
                return name in entry.get("readonly", ())
        return False

    def params(self, cls: str, name: str) -> list[str] | None:
        return self._first(cls, "params", name)

    def literals(self, cls: str, name: str) -> list[str] | None:
        """The enum values an attribute takes, when the stubs list them (RNA enums filled at run
        time, such as RenderSettings.engine, are not checked: see DYNAMIC_ENUMS)."""
        return None if (cls, name) in DYNAMIC_ENUMS else self._first(cls, "literals", name)

    def element(self, t: str | None) -> str | None:
        if t and t.startswith("coll:"):
            return t[5:]
        return next((e["element"] for _, e in self.lineage(t) if e["element"]), None)
