"""Start the local server with the installed virtual environment's Python (`makeittalk serve`).

Every launch has a token: the one set in the preferences, else a fresh random one. It goes to the server
in its environment (MAKEITTALK_TOKEN), never on the command line, where any user could read it in the
process list; clients of this process for that address pick it up (core/client.py LAUNCH_TOKENS), so a
web page or another local user cannot drive the server the add-on started.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import urllib.parse

from ..core import client as _client

_proc: dict = {"p": None, "token": ""}


def server_command(python: str, url: str, checkpoints: str = "") -> list:
    u = urllib.parse.urlparse(url if "://" in url else "http://" + url)
    cmd = [python, "-m", "makeittalk_server.cli", "serve", "--host", u.hostname or "127.0.0.1",
           "--port", str(u.port or 8765)]
    if checkpoints:
        cmd += ["--checkpoints", checkpoints]
    return cmd


def server_env(token: str) -> dict:
    env = dict(os.environ)
    env["MAKEITTALK_TOKEN"] = token
    return env


def launch_token() -> str:
    """The token of the server this add-on started ('' when none runs)."""
    return _proc["token"] if running() else ""


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the process that started it ends, even if that one is killed,
    so no orphan keeps the port."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start(python: str, url: str, token: str = "", checkpoints: str = "", log_path: str | None = None):
    """Popen of the server; raises ValueError with a plain message when it cannot be started."""
    if not python:
        raise ValueError("set 'Server Python' in the add-on preferences (install.py does it for you)")
    if not os.path.isfile(python):
        raise ValueError(f"the server's Python '{python}' does not exist: run install.py again")
    if running():
        return _proc["p"]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    # its own process group (Ctrl-C in a terminal goes to us; we stop it), tied to our lifetime
    flags = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if sys.platform == "win32" else \
        {"start_new_session": True}
    if sys.platform.startswith("linux"):
        flags["preexec_fn"] = _die_with_parent
    token = token or secrets.token_urlsafe(32)
    try:
        _proc["p"] = subprocess.Popen(server_command(python, url, checkpoints), stdout=log, env=server_env(token),
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **flags)
        _proc["token"], _proc["url"] = token, url
        _client.register_launch_token(url, token)
    finally:
        if log_path:
            log.close()          # the server has its own copy of the handle
    return _proc["p"]


def running() -> bool:
    p = _proc["p"]
    return p is not None and p.poll() is None


def exit_code():
    p = _proc["p"]
    return None if p is None else p.poll()


def stop(timeout: float = 10.0) -> None:
    """Stop the server this add-on started (never one it did not start)."""
    p = _proc["p"]
    if p is None:
        return
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
    _proc["p"] = None
    _client.LAUNCH_TOKENS.pop(_client.normalise_url(_proc.get("url") or ""), None)
    _proc["token"] = ""
