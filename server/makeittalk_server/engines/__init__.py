"""Engine registry. Engines are imported lazily so one missing dependency never breaks the others.

Engine objects are cached: one per (engine, checkpoint folder, settings) for engines that read
checkpoints, one per (engine, settings) for the others. The cache holds at most `settings.max_engines`
of them; the least recently used one goes first (a job still running on it keeps its own reference).
"""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict

from ..errors import BadInput, EngineNotReady

# name -> "module:factory"; factory(settings, checkpoints=None) returns an Engine (engines/base.py).
REGISTRY = {
    "default": "makeittalk_server.engines.default:create",
    "makeittalk": "makeittalk_server.engines.makeittalk:create",
}
USES_CHECKPOINTS = {"makeittalk"}     # the others get the same object whatever folder a request names
DEFAULT_MAX = 3

_lock = threading.Lock()
_cache: "OrderedDict[tuple, tuple[object, object]]" = OrderedDict()   # key -> (settings, engine)


class _Missing:
    def __init__(self, name: str, reason: str):
        self.name, self._reason = name, reason

    def status(self):
        return False, self._reason

    def warm(self):
        pass

    def run(self, inp, progress):
        raise EngineNotReady("engine_not_ready", f"engine '{self.name}' is not ready: {self._reason}")


def _create(name: str, settings, checkpoints):
    mod_name, factory = REGISTRY[name].split(":")
    try:
        mod = importlib.import_module(mod_name)
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith(mod_name):
            return _Missing(name, "this engine is not part of this build yet")
        return _Missing(name, f"a library it needs is missing: {e.name}")
    except Exception as e:  # a broken engine must not take the server down
        from ..security import plain_failure

        return _Missing(name, plain_failure("it failed to load", e))
    try:
        return getattr(mod, factory)(settings, checkpoints=checkpoints)
    except Exception as e:
        from ..security import plain_failure

        return _Missing(name, plain_failure("it failed to start", e))


def get(name: str, settings, checkpoints: str | None = None):
    """The engine object for `name` (cached, see the module docstring)."""
    if name not in REGISTRY:
        raise BadInput("unknown_engine", f"unknown engine '{name[:64]}'; available: {', '.join(REGISTRY)}")
    if name not in USES_CHECKPOINTS:
        checkpoints = None
    # id(settings) alone could be reused by a new object once the old one is gone; the entry keeps the
    # settings object alive and is checked by identity.
    key = (name, checkpoints, id(settings))
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is settings:
            _cache.move_to_end(key)
            return hit[1]
        engine = _create(name, settings, checkpoints)
        _cache[key] = (settings, engine)
        limit = max(1, int(getattr(settings, "max_engines", DEFAULT_MAX) or DEFAULT_MAX))
        while len(_cache) > limit:
            _cache.popitem(last=False)
        return engine


def cached_count() -> int:
    with _lock:
        return len(_cache)


def require_ready(engine) -> None:
    ready, reason = engine.status()
    if not ready:
        raise EngineNotReady("engine_not_ready", f"engine '{engine.name}' is not ready: {reason}")
