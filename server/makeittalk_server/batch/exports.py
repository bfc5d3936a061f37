"""Export formats for batch lines: the track's binary form here, everything else from the exports package.

Built in: `npz` (the binary track). The other formats (ARKit CSV/JSON, Oculus visemes, Rhubarb cues,
glTF, SRT: the same as `makeittalk export`) come from `makeittalk_blender.core.exports` when that
package is present: its `FORMATS` (name -> (writer, extension)) and `export(track, fmt) -> bytes`.
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
    for name, spec in (getattr(mod, "FORMATS", None) or {}).items():
        ext = spec[1] if isinstance(spec, tuple) and len(spec) > 1 else f".{name}"
        out[str(name).lower()] = ext if ext.startswith(".") else "." + ext
    return out


def unknown_formats(names: list[str]) -> list[str]:
    have = formats()
    return [n for n in names if n not in have]


def write(fmt: str, track, out_dir: Path, stem: str) -> Path:
    """Write one export of `track` (a track.Track) into out_dir as STEM.FMT.EXT; returns the file."""
    from ..errors import BadInput

    ext = formats()[fmt]
    path = Path(out_dir) / (f"{stem}{ext}" if ext == "." + fmt else f"{stem}.{fmt}{ext}")
    if fmt in BUILTIN:
        data = track.to_npz()
    else:
        try:
            data = _module().export(track, fmt)
        except ValueError as e:       # the package's ExportError (e.g. srt with no words known)
            raise BadInput("export_failed", f"{fmt}: {e}") from None
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
