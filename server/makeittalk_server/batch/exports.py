"""Export formats for batch lines: the track's own forms here, everything else from the exports module.

Built in: `npz` (the binary track). The other formats (ARKit CSV/JSON, visemes, cues, glTF, SRT ...) come
from `makeittalk_blender.core.exports` when that module is present. It is used through a small contract:
`FORMATS` (a mapping or list of format names; a mapping's values are file extensions) and
`write(fmt, track_dict, path)` (or `export(track_dict, fmt, path)`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

EXPORTS_MODULE = "makeittalk_blender.core.exports"
BUILTIN = {"npz": ".npz"}


def _module():
    try:
        return importlib.import_module(EXPORTS_MODULE)
    except ImportError:
        return None


def formats() -> dict[str, str]:
    """name -> file extension (with the dot) of every format this build can write."""
    out = dict(BUILTIN)
    mod = _module()
    names = getattr(mod, "FORMATS", None) if mod is not None else None
    if isinstance(names, dict):
        out.update({str(k).lower(): _ext(v, k) for k, v in names.items()})
    elif names:
        out.update({str(k).lower(): "." + str(k).lower() for k in names})
    return out


def _ext(v, name) -> str:
    s = v if isinstance(v, str) else getattr(v, "extension", None) or getattr(v, "ext", None) or str(name)
    return s if s.startswith(".") else "." + s


def unknown_formats(names: list[str]) -> list[str]:
    have = formats()
    return [n for n in names if n not in have]


def write(fmt: str, track, out_dir: Path, stem: str) -> Path:
    """Write one export of `track` (a track.Track) into out_dir; returns the file written."""
    ext = formats()[fmt]
    path = Path(out_dir) / f"{stem}.{fmt}{ext}" if fmt != ext.lstrip(".") else Path(out_dir) / f"{stem}{ext}"
    tmp = path.with_name(path.name + ".part")
    if fmt in BUILTIN:
        tmp.write_bytes(track.to_npz())
    else:
        mod = _module()
        fn = getattr(mod, "write", None)
        if fn is not None:
            fn(fmt, track.to_dict(), str(tmp))
        else:
            mod.export(track.to_dict(), fmt, str(tmp))
    tmp.replace(path)
    return path
