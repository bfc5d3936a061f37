"""A batch manifest (CSV with a header row, or JSON Lines) -> one Line per row.

Columns / keys: portrait, audio (required; paths relative to the manifest's folder), id (optional, a file
name), transcript, emotion, intensity, seed, fps, engine, amp_lip_x, amp_lip_y, amp_pos, blink,
precision, rest_landmarks (a .npy/.json file), render (warp | neural: also write an mp4), blend (true:
also write a .blend), exports (formats, separated by ';' or ',' in CSV; a list in JSONL), params (a JSON
object with any other job parameter). A bad row becomes a Line with `error` set; it never stops the others.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import BadInput, UserError

NUMBERS = {"fps": float, "seed": int, "intensity": float, "amp_lip_x": float, "amp_lip_y": float,
           "amp_pos": float}
TEXTS = ("engine", "transcript", "precision")
FLAGS = ("blink",)
KNOWN = {"id", "portrait", "audio", "emotion", "rest_landmarks", "render", "blend", "exports", "params",
         *NUMBERS, *TEXTS, *FLAGS}
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
TRUE, FALSE = {"1", "true", "yes", "y", "on"}, {"0", "false", "no", "n", "off", ""}


@dataclass
class Line:
    row: int                         # 1-based data row (JSONL: line number; CSV: row after the header)
    id: str
    portrait: str = ""               # absolute paths
    audio: str = ""
    params: dict = field(default_factory=dict)     # job params (validated), rest_landmarks a file path
    render: str | None = None        # renderer for an mp4, or None
    blend: bool = False
    exports: list[str] = field(default_factory=list)
    error: str | None = None         # why this line cannot run (then it is reported, never run)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Line":
        return cls(**d)


def read(path) -> list[Line]:
    """All lines of the manifest. UserError only when the file itself cannot be read at all."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise BadInput("unreadable_manifest", f"could not read the manifest {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise BadInput("unreadable_manifest", f"the manifest {path} is not UTF-8 text") from None
    base = path.resolve().parent
    rows = _jsonl_rows(text) if _is_jsonl(path, text) else _csv_rows(text, path)
    lines, seen = [], set()
    for row, data in rows:
        line = _line(row, data, base)
        if line.id in seen and not line.error:
            line.error = f"the id '{line.id}' is used by an earlier line"
        seen.add(line.id)
        lines.append(line)
    if not lines:
        raise BadInput("empty_manifest", f"the manifest {path} lists no lines")
    return lines


def _is_jsonl(path: Path, text: str) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return True
    if path.suffix.lower() in (".csv", ".tsv"):
        return False
    return text.lstrip().startswith("{")


def _jsonl_rows(text: str):
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            yield n, {"__error__": f"not valid JSON ({e.msg} at column {e.colno})"}
            continue
        yield n, data if isinstance(data, dict) else {"__error__": "each line must be a JSON object"}


def _csv_rows(text: str, path: Path):
    reader = csv.DictReader(io.StringIO(text), dialect=_dialect(text, path))
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h and h not in KNOWN]
    if unknown or "portrait" not in header or "audio" not in header:
        what = f"unknown column(s) {', '.join(unknown)}" if unknown else "no 'portrait' and 'audio' columns"
        raise UserError("bad_manifest", f"{path}: {what}; columns: {', '.join(sorted(KNOWN))}")
    for n, rec in enumerate(reader, start=1):
        data = {k.strip(): (v or "").strip() for k, v in rec.items() if k}
        if None in rec:
            data["__error__"] = "more values than columns"
        if any(data.values()):
            yield n, {k: v for k, v in data.items() if v != "" or k == "__error__"}


def _dialect(text: str, path: Path):
    return csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel


def _line(row: int, data: dict, base: Path) -> Line:
    line = Line(row=row, id=f"line-{row:04d}")
    try:
        if "__error__" in data:
            raise ValueError(data["__error__"])
        _fill(line, data, base)
    except (ValueError, TypeError) as e:
        line.error = str(e)
    except UserError as e:
        line.error = e.message
    return line


def _fill(line: Line, data: dict, base: Path) -> None:
    from ..params import parse_params

    unknown = sorted(set(data) - KNOWN)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    if "id" in data:
        line.id = str(data["id"])
        if not SAFE_ID.match(line.id):
            raise ValueError(f"id '{line.id[:40]}' must be letters, digits, '.', '_' or '-' (a folder name)")
    line.portrait = _existing(data, "portrait", base)
    line.audio = _existing(data, "audio", base)
    params = _params(data)
    if data.get("rest_landmarks"):
        params["rest_landmarks_file"] = _existing(data, "rest_landmarks", base)
    line.render = _text(data.get("render")) or None
    if line.render:
        given = params.get("render")
        params["render"] = {**(given if isinstance(given, dict) else {}), "renderer": line.render}
    line.blend = _flag(data.get("blend", False), "blend")
    line.exports = _exports(data.get("exports"))
    check = {k: v for k, v in params.items() if k != "rest_landmarks_file"}
    parse_params(check)                       # BadInput with the parameter's name when wrong
    line.params = params


def _existing(data: dict, key: str, base: Path) -> str:
    value = _text(data.get(key))
    if not value:
        raise ValueError(f"no {key} given")
    p = Path(value).expanduser()
    p = p if p.is_absolute() else base / p
    if not p.is_file():
        raise ValueError(f"{key} file not found: {value}")
    return str(p.resolve())


def _params(data: dict) -> dict:
    extra = data.get("params") or {}
    if isinstance(extra, str):
        try:
            extra = json.loads(extra)
        except json.JSONDecodeError:
            raise ValueError("params must be a JSON object") from None
    if not isinstance(extra, dict):
        raise ValueError("params must be a JSON object")
    p = dict(extra)
    for key, kind in NUMBERS.items():
        if key in data and key != "intensity":
            p[key] = _number(data[key], key, kind)
    for key in TEXTS:
        if key in data:
            p[key] = _text(data[key])
    for key in FLAGS:
        if key in data:
            p[key] = _flag(data[key], key)
    if "emotion" in data or "intensity" in data:
        emo = data.get("emotion", p.get("emotion", {}))
        emo = dict(emo) if isinstance(emo, dict) else {"name": _text(emo) or "neutral"}
        if "intensity" in data:
            emo["intensity"] = _number(data["intensity"], "intensity", float)
        p["emotion"] = emo
    return p


def _number(v, key: str, kind):
    if isinstance(v, bool) or (kind is int and isinstance(v, float) and not v.is_integer()):
        raise ValueError(f"{key}: {'a whole number' if kind is int else 'a number'} is needed, not {v!r}")
    try:
        return kind(v) if not (kind is int and isinstance(v, str)) else int(v.strip())
    except (TypeError, ValueError):
        raise ValueError(f"{key}: '{str(v)[:40]}' is not {'a whole number' if kind is int else 'a number'}") from None


def _text(v) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise ValueError(f"'{str(v)[:40]}' should be text")
    return v.strip()


def _flag(v, key: str) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise ValueError(f"{key}: '{str(v)[:40]}' is not true or false")


def _exports(v) -> list[str]:
    if not v:
        return []
    items = v if isinstance(v, list) else re.split(r"[;,\s]+", str(v))
    out = [str(x).strip().lower() for x in items if str(x).strip()]
    from .exports import unknown_formats

    bad = unknown_formats(out)
    if bad:
        raise ValueError(f"export format(s) {', '.join(bad)} not available")
    return sorted(set(out), key=out.index)
