"""One BLAS thread for a stretch of work, where threadpoolctl is installed.

Why: OpenBLAS splits a matrix-vector product's sum over its threads, so the last digit of a result
depends on how many threads it had. One thread keeps a batch line's track the same whether it ran in a
local worker or a Ray actor (each sets its own thread count), and small products run faster on one."""

from __future__ import annotations

import contextlib
import threading

_lock = threading.Lock()
_controller: list = []


def one_thread():
    try:
        import threadpoolctl
    except ImportError:
        return contextlib.nullcontext()
    with _lock:
        if not _controller:
            _controller.append(threadpoolctl.ThreadpoolController())
    return _controller[0].limit(limits=1, user_api="blas")
