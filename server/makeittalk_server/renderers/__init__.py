"""Renderer registry: a track + the portrait -> RGB frames. Lazily imported like engines."""

from __future__ import annotations

import importlib

from ..errors import BadInput, EngineNotReady

# name -> "module:factory"; factory(settings) returns a Renderer (renderers/base.py).
REGISTRY = {
    "warp": "makeittalk_server.renderers.warp:create",
    "neural": "makeittalk_server.renderers.neural:create",
}


def get(name: str, settings):
    if name not in REGISTRY:
        raise BadInput("unknown_renderer", f"unknown renderer '{name}'; available: {', '.join(REGISTRY)}")
    mod_name, factory = REGISTRY[name].split(":")
    try:
        mod = importlib.import_module(mod_name)
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith(mod_name):
            raise EngineNotReady("renderer_not_ready", f"renderer '{name}' is not part of this build yet") from None
        raise EngineNotReady("renderer_not_ready", f"renderer '{name}' needs the missing library {e.name}") from None
    renderer = getattr(mod, factory)(settings)
    ready, reason = renderer.status()
    if not ready:
        raise EngineNotReady("renderer_not_ready", f"renderer '{name}' is not ready: {reason}")
    return renderer


def available(settings) -> list[dict]:
    out = []
    for name in REGISTRY:
        try:
            get(name, settings)
            out.append({"name": name, "ready": True, "reason": ""})
        except Exception as e:  # report, never fail health
            out.append({"name": name, "ready": False, "reason": getattr(e, "message", str(e))})
    return out
