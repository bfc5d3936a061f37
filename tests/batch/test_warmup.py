"""Background warm-up: health answers at once while the models load, says what is done, and becomes the
full answer (with warm-up failures shown on their engine) once warm."""

from __future__ import annotations

import threading
import time

from makeittalk_server.config import Settings
from makeittalk_server.errors import EngineNotReady
from makeittalk_server.warmup import Warmup


class _Steps(Warmup):
    def __init__(self, gate):
        super().__init__(Settings())
        self.gate = gate

    def steps(self):
        def slow():
            assert self.gate.wait(30)

        def broken():
            raise EngineNotReady("bad_checkpoint", "no such checkpoint")

        def crashed():
            raise RuntimeError("internal detail /srv/secret.pth")

        return [("dlib", lambda: None), ("default", slow), ("makeittalk", broken), ("other", crashed)]


def test_health_while_warming_then_full():
    gate = threading.Event()
    wu = _Steps(gate).start()
    calls = []

    def collect():
        calls.append(1)
        return {"status": "ok", "engines": [{"name": "default", "ready": True, "reason": ""},
                                            {"name": "makeittalk", "ready": True, "reason": ""}]}

    deadline = time.monotonic() + 10
    while wu.status()["parts"].get("default") != "warming" and time.monotonic() < deadline:
        time.sleep(0.01)
    t = time.monotonic()
    early = wu.health(collect)
    assert time.monotonic() - t < 0.5 and not calls
    assert early["warm"] is False and early["status"] == "ok"
    assert early["warmup"]["parts"] == {"dlib": "ready", "default": "warming", "makeittalk": "waiting",
                                        "other": "waiting"}
    assert {e["name"]: e["ready"] for e in early["engines"]} == {"default": False, "makeittalk": False}
    assert "warming up" in early["engines"][0]["reason"]
    assert not wu.ready.is_set()

    gate.set()
    assert wu.ready.wait(10)
    full = wu.health(collect)
    assert calls and full["warm"] is True and full["warmup"]["parts"]["makeittalk"] == "failed"
    engs = {e["name"]: e for e in full["engines"]}
    assert engs["default"]["ready"] is True
    assert engs["makeittalk"]["ready"] is False and "no such checkpoint" in engs["makeittalk"]["reason"]
    # a failure that is not the user's: named in plain words, its exception text only in the server's log
    other = wu.errors["other"]
    assert full["warmup"]["parts"]["other"] == "failed" and "warm-up failed" in other and "log" in other
    assert "secret" not in other and "RuntimeError" not in other


def test_skip_is_ready_at_once():
    wu = Warmup(Settings())
    wu.skip()
    assert wu.ready.is_set() and wu.status()["warm"] is True
