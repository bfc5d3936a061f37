"""Background warm-up, so `makeittalk serve` answers /v1/health within seconds of starting.

Loading the models (torch, resemblyzer, dlib's 68-point model, the engines' first runs) takes 10-20 s
on two busy cores. That happens in a thread; meanwhile health answers from what is known so far
without importing anything heavy (`warm: false`, each engine "warming up", and which parts are done),
and jobs wait for `ready` (JobManager's ready_event). Once warm, health is the full answer, computed by
the app's own collect function.

Wiring in app.py (one object in place of its inline warm-up):
    wu = warmup.Warmup(settings)           # wu.ready is the Event for JobManager(ready_event=...)
    wu.start()                             # in lifespan, when settings.warm (else wu.skip())
    return await run_in_threadpool(wu.health, collect)      # in /v1/health
"""

from __future__ import annotations

import threading
import time
from typing import Callable

# The models' loading holds the GIL for long stretches (dlib's ~1.2 s, torch's import, pocketsphinx), and
# a health request that arrives meanwhile waits for it. So the warm-up starts once the first health
# request has been answered (a client polls it right after starting the server), or after this long.
START_AFTER_S = 1.0


class Warmup:
    def __init__(self, settings):
        self.settings = settings
        self.ready = threading.Event()
        self.errors: dict[str, str] = {}        # part -> reason (shown by health)
        self.parts: dict[str, str] = {}         # part -> "waiting" | "warming" | "ready" | "failed"
        self.started = self.finished = None
        self._lock = threading.Lock()
        self._go = threading.Event()            # set by the first health answer

    # ---- running ---------------------------------------------------------------------------------
    def start(self) -> "Warmup":
        self.started = time.monotonic()
        threading.Thread(target=self.run, name="warm-up", daemon=True).start()
        return self

    def skip(self) -> None:
        """Warm-up disabled (--no-warm): ready at once, models load on first use."""
        self.started = self.finished = time.monotonic()
        self.ready.set()

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        from . import engines, pipeline

        def dlib():
            from .landmarks import dlib_detector

            dlib_detector.warm()

        def engine(name):
            def go():
                eng = engines.get(name, self.settings, pipeline.checkpoint_dir(self.settings))
                if eng.status()[0]:
                    eng.warm()
            return go

        # dlib last: the landmark cache answers portraits seen before without it, and jobs need an engine
        return [(name, engine(name)) for name in engines.REGISTRY] + [("dlib", dlib)]

    def run(self) -> None:
        """Each part in turn; a failing part is recorded (health shows it) and the others go on."""
        self._go.wait(START_AFTER_S)
        try:
            steps = self.steps()
            with self._lock:
                self.parts = {name: "waiting" for name, _ in steps}
            for name, fn in steps:
                self._set(name, "warming")
                try:
                    fn()
                    self._set(name, "ready")
                except Exception as e:    # reported by /v1/health, never fatal
                    from .errors import UserError
                    from .security import plain_failure    # the details go to the log, not to health

                    self.errors[name] = (f"warm-up failed: {e.message}" if isinstance(e, UserError)
                                         else plain_failure(f"{name} warm-up failed", e))
                    self._set(name, "failed")
        finally:
            self.finished = time.monotonic()
            self.ready.set()

    def _set(self, name: str, state: str) -> None:
        with self._lock:
            self.parts[name] = state

    # ---- reporting -------------------------------------------------------------------------------
    def status(self) -> dict:
        with self._lock:
            parts = dict(self.parts)
        now = self.finished or time.monotonic()
        return {"warm": self.ready.is_set(), "parts": parts,
                "seconds": round(now - self.started, 2) if self.started else 0.0}

    def health(self, collect: Callable[[], dict]) -> dict:
        """The /v1/health body: collect() once warm (with the warm-up's errors laid over the engines);
        before that, a quick answer that imports nothing heavy."""
        st = self.status()
        if st["warm"]:
            h = collect()
            for e in h.get("engines", []):
                if e.get("name") in self.errors:
                    e["ready"], e["reason"] = False, self.errors[e["name"]]
        else:
            h = self._early(st)
        h["warm"] = st["warm"]
        h["warmup"] = st
        self._go.set()
        return h

    def _early(self, st: dict) -> dict:
        from . import __version__
        from .engines import REGISTRY

        parts = st["parts"]
        engs = [{"name": n, "ready": False,
                 "reason": self.errors.get(n) or "warming up; jobs wait until it is done"} for n in REGISTRY]
        dev = self.settings.device if self.settings.device != "auto" else "auto (known once warm)"
        return {"status": "ok", "version": __version__, "device": dev, "engines": engs,
                "detectors": [{"name": "dlib", "ready": parts.get("dlib") == "ready",
                               "reason": self.errors.get("dlib", "" if parts.get("dlib") == "ready" else "warming up")}],
                "renderers": []}
