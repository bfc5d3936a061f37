"""Resume: each line's key (its inputs' content and its params) and the state file a finished line leaves.

OUT/<id>/line.json is written last, after every output of the line, and only for a finished line; a
line is skipped when that file has the same key and all its outputs still exist. A changed input file
(by content, not date), a changed param or a changed list of outputs changes the key: the line is redone.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .manifest import Line

STATE = "line.json"


class Hasher:
    """sha256 of files, computed once per (path, size, mtime) in this process."""

    def __init__(self):
        self._memo: dict[tuple, str] = {}

    def file(self, path: str) -> str:
        st = os.stat(path)
        k = (path, st.st_size, st.st_mtime_ns)
        if k not in self._memo:
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            self._memo[k] = h.hexdigest()
        return self._memo[k]


def line_key(line: Line, hasher: Hasher) -> str:
    from .. import __version__

    params = dict(line.params)
    rest = params.pop("rest_landmarks_file", None)
    what = {"version": __version__, "portrait": hasher.file(line.portrait), "audio": hasher.file(line.audio),
            "rest_landmarks": hasher.file(rest) if rest else None, "params": params,
            "render": line.render, "blend": line.blend, "exports": line.exports}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def read_state(out_dir: Path, line_id: str) -> dict | None:
    try:
        with open(Path(out_dir) / line_id / STATE, encoding="utf-8") as f:
            state = json.load(f)
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def is_done(out_dir: Path, line_id: str, key: str) -> dict | None:
    """The earlier result when this line is finished with this key and its outputs are all there."""
    state = read_state(out_dir, line_id)
    if not state or state.get("status") != "done" or state.get("key") != key:
        return None
    outputs = state.get("outputs") or {}
    files = [p for v in outputs.values() for p in (v if isinstance(v, list) else [v])]
    if not all((Path(out_dir) / p).is_file() for p in files):
        return None
    return state


def write_state(out_dir: Path, result: dict) -> None:
    """Atomically (write + rename), so a kill never leaves a half-written state."""
    d = Path(out_dir) / result["id"]
    d.mkdir(parents=True, exist_ok=True)
    tmp = d / (STATE + ".part")
    tmp.write_text(json.dumps(result, indent=1), encoding="utf-8")
    tmp.replace(d / STATE)


def clear_state(out_dir: Path, line_id: str) -> None:
    try:
        (Path(out_dir) / line_id / STATE).unlink()
    except FileNotFoundError:
        pass


def plan(lines: list[Line], out_dir: Path, redo: bool = False) -> tuple[list[tuple[Line, str]], dict]:
    """(lines to run with their keys, {id: earlier result} for lines already done)."""
    hasher = Hasher()
    todo, done = [], {}
    for line in lines:
        if line.error:
            continue
        try:
            key = line_key(line, hasher)
        except OSError as e:
            line.error = f"could not read an input file: {e.strerror}"
            continue
        earlier = None if redo else is_done(out_dir, line.id, key)
        if earlier:
            done[line.id] = earlier
        else:
            clear_state(out_dir, line.id)
            todo.append((line, key))
    return todo, done
