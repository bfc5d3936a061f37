"""Exports of a track to other pipelines, and imports of their files as tracks (pure: numpy + stdlib).

    export(track, "arkit-csv") -> bytes          write(track, path, fmt)
    import_file(path, fps=None, rest=None, width=512, height=512) -> Track  (Rhubarb .tsv/.json, ARKit .csv)

Formats (each module's docstring has its mapping and layout): arkit-csv (Live Link Face CSV),
arkit-json, visemes-json (Oculus 15 visemes, sparse keys), rhubarb-tsv, rhubarb-json, gltf (.glb),
srt (when the words or a transcript are known).
"""

from __future__ import annotations

from pathlib import Path

from . import arkit, cues, gltf, srt
from .build import ExportError

# name -> (writer, file extension)
FORMATS = {
    "arkit-csv": (arkit.live_link_csv, ".csv"),
    "arkit-json": (arkit.arkit_json, ".json"),
    "visemes-json": (cues.visemes_json, ".json"),
    "rhubarb-tsv": (cues.rhubarb_tsv, ".tsv"),
    "rhubarb-json": (cues.rhubarb_json, ".json"),
    "gltf": (gltf.glb, ".glb"),
    "srt": (srt.srt, ".srt"),
}

__all__ = ["FORMATS", "ExportError", "export", "write", "import_file", "import_bytes", "extension"]


def _check(fmt: str) -> str:
    fmt = str(fmt).strip().lower()
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt[:40]!r}: use one of {', '.join(FORMATS)}")
    return fmt


def extension(fmt: str) -> str:
    return FORMATS[_check(fmt)][1]


def export(track, fmt: str) -> bytes:
    return FORMATS[_check(fmt)][0](track)


def write(track, path, fmt: str) -> Path:
    data = export(track, fmt)
    path = Path(path)
    try:
        path.write_bytes(data)
    except OSError as e:
        raise ExportError(f"cannot write {path.name}: {e.strerror or e}") from None
    return path


def import_bytes(data: bytes, kind: str, fps: float | None = None, **rest_kw):
    """kind: 'rhubarb' (TSV or JSON) or 'arkit-csv'."""
    if kind == "rhubarb":
        return cues.import_rhubarb(data, fps=fps or 30.0, **rest_kw)
    if kind == "arkit-csv":
        return arkit.import_live_link(data, fps=fps, **rest_kw)
    raise ExportError(f"cannot import {kind[:40]!r}: use a Rhubarb cue file (.tsv, .json) or an ARKit CSV")


def kind_of(path, data: bytes) -> str:
    head = data[:200].decode("utf-8-sig", errors="replace").lstrip().lower()
    if head.startswith("timecode"):
        return "arkit-csv"
    if head.startswith("{") and "mouthcues" in data[:4000].decode("utf-8", errors="replace").lower():
        return "rhubarb"
    if Path(path).suffix.lower() in (".tsv", ".txt") or (head[:1].isdigit() and "\t" in head):
        return "rhubarb"
    raise ExportError("this file is neither a Rhubarb cue file nor a Live Link Face (ARKit) CSV")


def import_file(path, fps: float | None = None, **rest_kw):
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ExportError(f"cannot read {Path(path).name}: {e.strerror or e}") from None
    return import_bytes(data, kind_of(path, data), fps=fps, **rest_kw)
