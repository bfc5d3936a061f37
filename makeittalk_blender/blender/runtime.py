"""The one running task of the panel and the step that follows it on the main thread.

`step()` is what the UI timer calls; the command line and the tests call it directly (in Blender as a
module timers never fire). It copies the task's state into the panel status and applies a finished
result through the callback given to `start`.
"""

from __future__ import annotations

import bpy

from ..core import jobs
from . import properties

_active: dict = {"task": None, "on_done": None}
INTERVAL_S = 0.2


def active_task():
    return _active["task"]


def busy() -> bool:
    t = _active["task"]
    return t is not None and not t.state().finished


def _show(st: jobs.TaskState) -> None:
    s = properties.status()
    s.phase, s.stage = st.phase, st.stage
    s.progress = max(0.0, min(1.0, st.progress))
    s.busy = not st.finished
    if st.phase == "failed":
        s.error = st.error or "failed"
    elif st.phase == "cancelled":
        s.message = "Cancelled"
    _redraw()


def _redraw() -> None:
    wm = bpy.data.window_managers[0]
    for win in getattr(wm, "windows", []):
        for area in win.screen.areas:
            if area.type == "VIEW_3D":
                area.tag_redraw()


def step() -> bool:
    """One poll of the active task; True while it is still running."""
    task = _active["task"]
    if task is None:
        return False
    running = jobs.poll_step(task, _show, _active["on_done"])
    if not running:
        _active["task"] = None
        _active["on_done"] = None
    return running


def _timer():
    return INTERVAL_S if step() else None


def start(task: jobs.Task, on_done, label: str, use_timer: bool = True) -> jobs.Task:
    """Start a task (one at a time) and follow it with the timer."""
    if busy():
        raise RuntimeError("another MakeItTalk task is still running: wait for it or press Cancel")
    s = properties.status()
    s.error, s.message, s.task = "", "", label
    s.busy, s.phase, s.stage, s.progress = True, "starting", label, 0.0
    _active["task"], _active["on_done"] = task, on_done
    task.start()
    if use_timer and not bpy.app.timers.is_registered(_timer):
        bpy.app.timers.register(_timer, first_interval=INTERVAL_S)
    return task


def cancel() -> bool:
    task = _active["task"]
    if task is None:
        return False
    task.cancel()
    return True


def clear() -> None:
    """Forget the task (unregister): its thread ends on its own; nothing is applied."""
    if _active["task"] is not None:
        _active["task"].cancel()
    _active["task"] = _active["on_done"] = None
    if bpy.app.timers.is_registered(_timer):
        bpy.app.timers.unregister(_timer)
