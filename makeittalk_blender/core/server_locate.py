"""Find the Python of an installed MakeItTalk server, or say exactly what to run (pure: stdlib only).

An extension installed from its zip alone knows no server. `install.py` leaves a small record of the
server's Python in the user's config folder (RECORD_NAME, see record_path); the add-on looks there,
then at its preference, MAKEITTALK_SERVER_PYTHON and a `makeittalk` command on PATH, and checks that
the Python found really imports the server. When nothing fits, `Located.advice` is the text for the panel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

RECORD_NAME = "server.json"
ENV_PYTHON = "MAKEITTALK_SERVER_PYTHON"


@dataclass
class Located:
    python: str | None      # a Python that imports makeittalk_server, or None
    source: str             # where it was found: preferences, environment, install record, PATH
    advice: str = ""        # when none was found: what to run, in plain words


def record_path(platform: str | None = None, env: dict | None = None, home: str | None = None) -> str:
    """The per-user file install.py writes: XDG config on Linux, Application Support on macOS, APPDATA
    on Windows."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    home = home or os.path.expanduser("~")
    if platform.startswith("win"):
        base = env.get("APPDATA") or os.path.join(home, "AppData", "Roaming")
    elif platform == "darwin":
        base = os.path.join(home, "Library", "Application Support")
    else:
        base = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    return os.path.join(base, "makeittalk", RECORD_NAME)


def write_record(python: str, version: str, path: str | None = None) -> str:
    """Called by install.py: remember where the server's Python is."""
    path = path or record_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"python": os.path.abspath(python), "version": version}, f)
    return path


def read_record(path: str | None = None) -> str | None:
    try:
        with open(path or record_path(), encoding="utf-8") as f:
            value = json.load(f).get("python")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def _python_of_command(cmd: str | None) -> str | None:
    """The interpreter of an installed `makeittalk` script (its #! line; on Windows the venv's python.exe)."""
    if not cmd:
        return None
    if cmd.lower().endswith(".exe"):
        py = os.path.join(os.path.dirname(cmd), "python.exe")
        return py if os.path.isfile(py) else None
    try:
        with open(cmd, "rb") as f:
            first = f.readline(4096).decode("utf-8", "replace").strip()
    except OSError:
        return None
    return first[2:].strip().split()[0] if first.startswith("#!") and len(first) > 2 else None


def candidates(preference: str = "", env: dict | None = None, record: str | None = None) -> list[tuple[str, str]]:
    """(python, source) in the order they are tried, without duplicates."""
    env = os.environ if env is None else env
    found = [(preference, "preferences"), (env.get(ENV_PYTHON, ""), ENV_PYTHON),
             (read_record(record) or "", "install record " + (record or record_path())),
             (_python_of_command(shutil.which("makeittalk", path=env.get("PATH"))) or "", "makeittalk on PATH")]
    out, seen = [], set()
    for py, source in found:
        if py and py not in seen:
            seen.add(py)
            out.append((py, source))
    return out


def imports_server(python: str, timeout: float = 20.0) -> bool:
    """Whether that Python can import the server (a few seconds at most: torch is not imported)."""
    if not os.path.isfile(python):
        return False
    try:
        r = subprocess.run([python, "-c", "import makeittalk_server"], capture_output=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


def advice(blender: str = "", platform: str | None = None) -> str:
    """What to run when no server was found."""
    platform = platform or sys.platform
    py = "py -3.11" if platform.startswith("win") else "python3"
    target = f' --blender "{blender}"' if blender else ""
    return ("No MakeItTalk server is installed for this add-on. In a terminal, in the folder of the "
            f"MakeItTalk for Blender sources, run:  {py} install.py{target}  (Python 3.11, 3.12 or 3.13), "
            "then press Start server again. Or set Server Python in the add-on's preferences to the "
            "python of a virtual environment where makeittalk-blender-server is installed.")


def locate(preference: str = "", env: dict | None = None, record: str | None = None, blender: str = "",
           check=imports_server) -> Located:
    """The first candidate Python that imports the server, or None with the advice to show."""
    tried = []
    for py, source in candidates(preference, env, record):
        if check(py):
            return Located(py, source)
        tried.append(f"{source}: {py}")
    note = (" Tried, without a working server: " + "; ".join(tried) + ".") if tried else ""
    return Located(None, "", advice(blender) + note)
