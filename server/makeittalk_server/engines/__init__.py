"""Engine registry. Engines are imported lazily so one missing dependency never breaks the others."""

from __future__ import annotations

import importlib
import threading

from ..errors import BadInput, EngineNotReady

# name -> "module:factory"; factory(settings, checkpoints=None) returns an Engine (engines/base.py).
REGISTRY = {
    "default": "makeittalk_server.engines.default:create",
    "makeittalk": "makeittalk_server.engines.makeittalk:create",
}

_lock = threading.Lock()
_cache: dict[tuple, object] = {}


class _Missing:
    def __init__(self, name: str, reason: str):
        self.name, self._reason = name, reason

    def status(self):
        return False, self._reason

    def warm(self):
        pass

    def run(self, inp, progress):
        raise EngineNotReady("engine_not_ready", f"engine '{self.name}' is not ready: {self._reason}")


def get(name: str, settings, checkpoints: str | None = None):
    """The engine object for `name` (cached per settings and checkpoint folder)."""
    if name not in REGISTRY:
        raise BadInput("unknown_engine", f"unknown engine '{name}'; available: {', '.join(REGISTRY)}")
    key = (name, id(settings), checkpoints)
    with _lock:
        if key not in _cache:
            mod_name, factory = REGISTRY[name].split(":")
            try:
                mod = importlib.import_module(mod_name)
            except ModuleNotFoundError as e:
                if e.name and e.name.startswith(mod_name):
                    _cache[key] = _Missing(name, "this engine is not part of this build yet")
                else:
                    _cache[key] = _Missing(name, f"a library it needs is missing: {e.name}")
            except Exception as e:  # a broken engine must not take the server down
                _cache[key] = _Missing(name, f"failed to load: {type(e).__name__}: {e}")
            else:
                try:
                    _cache[key] = getattr(mod, factory)(settings, checkpoints=checkpoints)
                except Exception as e:
                    _cache[key] = _Missing(name, f"failed to start: {type(e).__name__}: {e}")
        return _cache[key]


def require_ready(engine) -> None:
    ready, reason = engine.status()
    if not ready:
        raise EngineNotReady("engine_not_ready", f"engine '{engine.name}' is not ready: {reason}")
