"""Repository paths and a real `makeittalk serve` process on 127.0.0.1, for any test folder."""

from __future__ import annotations
from support.paths import ROOT

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

EXAMPLES = ROOT / "examples"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_python() -> str:
    return os.environ.get("MAKEITTALK_SERVER_PYTHON") or str(ROOT / ".venv" / "bin" / "python")


class ServerProcess:
    """`makeittalk serve` in a subprocess; the real thing, over loopback HTTP."""

    def __init__(self, *extra: str, port: int | None = None, env: dict | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"makeittalk-server-{self.port}.log"
        self._log = open(self.log_path, "w")
        e = dict(os.environ)
        e.update(env or {})
        e.setdefault("OMP_NUM_THREADS", "2")
        self.proc = subprocess.Popen([server_python(), "-m", "makeittalk_server.cli", "serve", "--port",
                                      str(self.port), *extra], stdout=self._log, stderr=subprocess.STDOUT,
                                     env=e, cwd=str(ROOT))

    def wait_ready(self, timeout: float = 120.0, warm: bool = True) -> dict:
        import json

        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/v1/health", timeout=2) as r:
                    h = json.load(r)
                if h.get("warm") or not warm:
                    return h
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"server did not become ready: {self.log_path.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


