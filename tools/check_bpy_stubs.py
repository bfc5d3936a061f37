#!/usr/bin/env python3
"""Check the add-on's bpy usage against the API stubs of each Blender version (fake-bpy-module-X-Y).

    python tools/check_bpy_stubs.py                 # every version under .stubs/ (install.py --dev puts them there)
    python tools/check_bpy_stubs.py --stubs .stubs/5.2 [FILES...]

What is checked, by walking the add-on's source (no bpy needed, no type checker):
* `bpy.types.X`, `bpy.ops.a.b`, `bpy.props.X`, `bpy.app.X`, `bpy.app.handlers.X`, `bpy.utils.X`,
  `bpy.context.X`, `bpy.data.X`, `bpy.path.X`, `mathutils.geometry.X`, and `from bpy.props import X`;
* attribute chains on values of known type: what those roots give (`bpy.data.objects.new(...)` is an
  Object), local names assigned from them, items of typed collections, and parameters by the add-on's
  naming habit (`scene` is a Scene, `obj` an Object, ...; see PARAM_TYPES);
* on those typed values: enum items assigned as string constants, keyword arguments of operators and
  methods, and assignments to read-only properties.
An access must exist in every version checked, except in blender/compat.py, where one inside an `if`
or `try` (a version-guarded branch) must exist in at least one. Names the add-on registers itself
(`bpy.types.Scene.makeittalk = ...`, operators with its `bl_idname`) count as present.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bpy_stub_index import Types, load_index  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STUBS = ROOT / ".stubs"
ADDON = ROOT / "makeittalk_blender"
COMPAT = "blender/compat.py"
VERSIONS = ("4.2", "4.5", "5.0", "5.1", "5.2")
# bpy module -> the stub class whose members it has
ROOTS = {"bpy.context": "Context", "bpy.data": "BlendData"}
# the add-on's parameter names -> the bpy type they always hold
PARAM_TYPES = {"scene": "Scene", "context": "Context", "obj": "Object", "ob": "Object", "material": "Material",
               "image": "Image", "fc": "FCurve", "mesh": "Mesh",
               "camera": "Camera", "action": "Action"}


# ---- the add-on's source -> accesses --------------------------------------------------------------
def _chain(node) -> list[str] | None:
    """['bpy', 'data', 'objects'] for bpy.data.objects; None when the root is not a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def registered_names(files: list[Path]) -> tuple[dict[str, set[str]], set[str]]:
    """What the add-on adds itself: `bpy.types.X.name = ...` members, and its operators' bl_idname."""
    members: dict[str, set[str]] = {}
    ops: set[str] = set()
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    c = _chain(t)
                    if c and len(c) == 4 and c[:2] == ["bpy", "types"]:
                        members.setdefault(c[2], set()).add(c[3])
                    if isinstance(t, ast.Name) and t.id == "bl_idname" and isinstance(node.value, ast.Constant):
                        ops.add(str(node.value.value))
    return members, ops


BPY_MODULES = ("types", "ops", "props", "app", "utils", "context", "data", "path", "msgbus")
SUBMODULES = {"bpy.app": ("handlers", "timers", "translations", "icons")}


def _returns_early(stmt) -> bool:
    """`if ...: ... return` (or raise) with no else: the rest of the function is a version branch."""
    return isinstance(stmt, ast.If) and not stmt.orelse and bool(stmt.body) and \
        isinstance(stmt.body[-1], (ast.Return, ast.Raise))


class Walker(ast.NodeVisitor):
    """Types what it can of one file's expressions and records each access that the stubs lack."""

    def __init__(self, index: dict, types: Types, ops: set[str], rel: str):
        self.index, self.types, self.ops, self.rel = index, types, ops, rel
        self.env: dict[str, tuple] = {}
        self.guard = 0                    # inside an if / try of compat.py
        self.problems: list[tuple[str, bool]] = []
        self.user_classes: dict[str, tuple] = {}

    checked = 0

    def miss(self, node, what: str) -> None:
        self.problems.append((f"{self.rel}:{node.lineno}: {what}", self.guard > 0 and self.rel == COMPAT))

    # ---- scopes and names ---------------------------------------------------------------------
    def visit_Import(self, node):
        for a in node.names:
            if a.name in ("bpy", "mathutils"):
                self.env[a.asname or a.name] = ("mod", a.name)
            elif a.name.startswith("bpy.") or a.name == "mathutils.geometry":
                self.env[a.asname or a.name.split(".")[0]] = ("mod", (a.asname and a.name) or a.name.split(".")[0])

    def visit_ImportFrom(self, node):
        mod = node.module or ""
        if mod not in ("bpy", "mathutils") and not mod.startswith("bpy."):
            return
        for a in node.names:
            full = f"{mod}.{a.name}"
            if mod == "bpy" or full == "mathutils.geometry":
                self.env[a.asname or a.name] = ("mod", full)
            elif mod in self.index["modules"] and a.name not in self.index["modules"][mod]:
                self.miss(node, f"{full} does not exist")

    def visit_ClassDef(self, node):
        base, own, unknown = None, set(), False
        for b in node.bases:
            c = _chain(b)
            if c and len(c) == 3 and c[:2] == ["bpy", "types"]:
                base = c[2]
            elif isinstance(b, ast.Name) and b.id in self.user_classes:
                base = base or self.user_classes[b.id][0]
                own |= self.user_classes[b.id][1]
            elif not (isinstance(b, ast.Name) and b.id == "object"):
                unknown = True                 # a base from elsewhere (ImportHelper): self is not checked
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                own.add(item.name)
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                own.add(item.target.id)
            elif isinstance(item, ast.Assign):
                own |= {t.id for t in item.targets if isinstance(t, ast.Name)}
        base = "?" if unknown else base
        self.user_classes[node.name] = (base, own)
        saved = self.env.get("self")
        self.env["self"] = ("self", base, own) if base and base != "?" else None
        self.generic_visit(node)
        self.env["self"] = saved

    def visit_FunctionDef(self, node):
        saved, guard = dict(self.env), self.guard
        for a in node.args.args + node.args.kwonlyargs:
            if a.arg in PARAM_TYPES:
                self.env[a.arg] = ("cls", PARAM_TYPES[a.arg])
            elif a.arg != "self":
                self.env.pop(a.arg, None)
        for d in node.decorator_list + node.args.defaults:
            self.type_of(d)
        for stmt in node.body:
            self.visit(stmt)
            if _returns_early(stmt):
                self.guard += 1     # what follows `if <version test>: return` runs on some versions only
        self.env, self.guard = saved, guard

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        t = self.type_of(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._bind(target.id, t)
            else:
                self.type_of(target)
                self._check_writable(target)
            if isinstance(target, ast.Attribute) and isinstance(node.value, ast.Constant) and \
                    isinstance(node.value.value, str):
                self._check_enum(target, node.value.value)

    def _check_writable(self, target) -> None:
        if not isinstance(target, ast.Attribute):
            return
        owner = self.type_of(target.value)
        if owner and owner[0] == "cls" and owner[1] in self.types.classes and \
                self.types.readonly(owner[1], target.attr):
            self.miss(target, f"{owner[1]}.{target.attr} is read-only")

    def visit_AugAssign(self, node):
        self.type_of(node.value)
        self.type_of(node.target)
        self._check_writable(node.target)

    def _check_enum(self, target: ast.Attribute, value: str) -> None:
        owner = self.type_of(target.value)
        if owner and owner[0] == "cls" and owner[1] in self.types.classes:
            values = self.types.literals(owner[1], target.attr)
            if values is not None and value not in values:
                self.miss(target, f"{owner[1]}.{target.attr} has no item '{value}'")

    def _bind(self, name: str, t) -> None:
        if t and t[0] == "cls":
            self.env[name] = t
        else:
            self.env.pop(name, None)

    def visit_For(self, node):
        t = self.type_of(node.iter)
        el = self.types.element(t[1]) if t and t[0] == "cls" else None
        if isinstance(node.target, ast.Name):
            self._bind(node.target.id, ("cls", el) if el else None)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    def _guarded(self, node):
        self.guard += 1
        self.generic_visit(node)
        self.guard -= 1

    visit_If = visit_Try = visit_IfExp = _guarded

    def visit_Expr(self, node):
        self.type_of(node.value)

    def generic_visit(self, node):
        if isinstance(node, ast.expr):
            self.type_of(node)
        else:
            super().generic_visit(node)

    # ---- expressions ------------------------------------------------------------------------
    def type_of(self, node):
        """('mod', 'bpy.data') | ('typeobj', 'Scene') | ('ops', 'wm') | ('cls', 'Scene') | ('meth', 'Object')
        | ('self', base, own) | None; checks each access on the way."""
        if isinstance(node, ast.Name):
            return self.env.get(node.id)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, self.type_of(node.value))
        if isinstance(node, ast.Call):
            t = self.type_of(node.func)
            for a in node.args + [k.value for k in node.keywords]:
                self.type_of(a)
            self._check_keywords(node)
            if t and t[0] == "meth":
                return ("cls", t[1]) if t[1] not in (None, "?") else None
            if t and t[0] == "elem":                 # collection.get(...)
                return ("cls", t[1])
            return None
        if isinstance(node, ast.Subscript):
            t = self.type_of(node.value)
            self.type_of(node.slice)
            el = self.types.element(t[1]) if t and t[0] == "cls" else None
            return ("cls", el) if el else None
        if isinstance(node, ast.IfExp):
            self.guard += 1
            for part in (node.test, node.body, node.orelse):
                self.type_of(part)
            self.guard -= 1
            return None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.type_of(child)
            else:
                self.generic_visit(child)
        return None

    def _check_keywords(self, call: ast.Call) -> None:
        """Keyword arguments of operators and methods of typed values must be in the signature."""
        f = call.func
        if not isinstance(f, ast.Attribute):
            return
        owner = self.type_of(f.value)
        if not owner:
            return
        if owner[0] == "ops":
            accepted, what = self.index["ops"].get(owner[1], {}).get(f.attr), f"bpy.ops.{owner[1]}.{f.attr}"
        elif owner[0] == "cls" and owner[1] in self.types.classes:
            accepted, what = self.types.params(owner[1], f.attr), f"{owner[1]}.{f.attr}"
        else:
            return
        for k in call.keywords:
            if accepted is not None and k.arg is not None and k.arg not in accepted:
                self.miss(call, f"{what}() takes no keyword '{k.arg}'")

    def _attribute(self, node, t):
        name = node.attr
        if t is None:
            return None
        kind = t[0]
        if kind == "mod":
            return self._module_member(node, t[1], name)
        if kind == "typeobj":
            found, _ = self.types.member(t[1], name)
            if not found:
                self.miss(node, f"bpy.types.{t[1]} has no '{name}'")
            return None
        if kind == "ops":
            if name not in self.index["ops"].get(t[1], ()) and f"{t[1]}.{name}" not in self.ops:
                self.miss(node, f"bpy.ops.{t[1]}.{name} does not exist")
            return None
        if kind == "self":
            if name in t[2]:
                return None
            return self._member(node, t[1], name)
        if kind == "cls":
            if name == "get" and self.types.element(t[1]):
                return ("elem", self.types.element(t[1]))
            return self._member(node, t[1], name)
        return None

    def _member(self, node, cls: str, name: str):
        if cls not in self.types.classes:
            return None
        found, mt = self.types.member(cls, name)
        Walker.checked += 1
        if not found:
            sub = self.types.in_subclass(cls, name)
            if sub is None:
                self.miss(node, f"{cls}.{name} does not exist")
                return None
            found, mt = self.types.member(sub, name)
        if mt and mt.startswith("call:"):
            return ("meth", mt[5:])
        return ("cls", mt) if mt and mt != "?" else None

    def _module_member(self, node, mod: str, name: str):
        if mod == "bpy":
            if name not in BPY_MODULES:
                self.miss(node, f"bpy.{name} does not exist")
                return None
            return ("mod", f"bpy.{name}")
        if mod == "mathutils":
            return ("mod", "mathutils.geometry") if name == "geometry" else None
        if mod in ROOTS:
            return self._member(node, ROOTS[mod], name)
        if mod == "bpy.types":
            if name not in self.types.classes:
                self.miss(node, f"bpy.types.{name} does not exist")
                return None
            return ("typeobj", name)
        if mod == "bpy.ops":
            if name not in self.index["ops"] and not any(o.startswith(name + ".") for o in self.ops):
                self.miss(node, f"bpy.ops.{name} does not exist")
                return None
            return ("ops", name)
        if name in SUBMODULES.get(mod, ()):
            return ("mod", f"{mod}.{name}")
        names = self.index["modules"].get(mod)
        if names is not None and name not in names:
            self.miss(node, f"{mod}.{name} does not exist")
        return None


# ---- running it -----------------------------------------------------------------------------------
def addon_files() -> list[Path]:
    """The add-on's bpy side (core/ imports no bpy)."""
    return sorted(p for p in ADDON.rglob("*.py") if "__pycache__" not in p.parts and "core" not in p.parts)


def problems_for(stub_dir: Path, files: list[Path], base: Path = ADDON) -> list[tuple[str, bool]]:
    index = load_index(stub_dir)
    members, ops = registered_names(files)
    types = Types(index, members)
    out = []
    for f in files:
        rel = f.relative_to(base).as_posix() if f.is_relative_to(base) else f.name
        w = Walker(index, types, ops, rel)
        w.visit(ast.parse(f.read_text(encoding="utf-8")))
        out += w.problems
    return out


def check(stub_dirs: dict[str, Path], files: list[Path], base: Path = ADDON) -> list[str]:
    """Each problem once, with the versions it holds for. A guarded (compat.py) access is a problem
    only when no version has it."""
    seen: dict[tuple[str, bool], list[str]] = {}
    for ver, d in stub_dirs.items():
        for p in problems_for(d, files, base):
            seen.setdefault(p, [])
            if ver not in seen[p]:
                seen[p].append(ver)
    return [f"{what} (Blender {', '.join(vers)})" for (what, guarded), vers in sorted(seen.items())
            if not guarded or len(vers) == len(stub_dirs)]


def stub_dirs(root: Path = STUBS, versions=VERSIONS) -> dict[str, Path]:
    return {v: root / v for v in versions if (root / v / "bpy-stubs").is_dir()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stubs", action="append", type=Path, help="a stub folder (default: each of .stubs/X.Y)")
    ap.add_argument("files", nargs="*", type=Path, help="files to check (default: the add-on's bpy side)")
    args = ap.parse_args(argv)
    dirs = {d.name: d for d in args.stubs} if args.stubs else stub_dirs()
    if not dirs:
        print("check_bpy_stubs: no stubs found: run python3 install.py --dev", file=sys.stderr)
        return 2
    found = check(dirs, [f.resolve() for f in args.files] or addon_files())
    for line in found:
        print(line)
    print(f"check_bpy_stubs: {len(found)} problem(s) against Blender {', '.join(dirs)} "
          f"({Walker.checked} typed member look-ups over all versions)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
