"""`makeittalk animate PORTRAIT AUDIO -o talk.mp4`: the whole job, rendered by Blender without its UI.

A thin entry point: the options are checked here, then the headless job (makeittalk_blender/headless.py,
on the add-on's side, driving Blender as a module) runs in its own process, so this package imports
nothing of Blender or the add-on.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from makeittalk_blender.core import animate_args

from .errors import BadInput

HEADLESS = "makeittalk_blender.headless"
JOB_ENV = "MAKEITTALK_ANIMATE_JOB"        # the same name as headless.JOB_ENV: the options as JSON


def add_parser(sub) -> None:
    p = sub.add_parser("animate", help="portrait + speech -> talking-head mp4 and .blend, rendered by Blender")
    animate_args.add_arguments(p)
    p.set_defaults(func=run)


def _child_env(args) -> dict:
    options = {k: v for k, v in vars(args).items() if k not in ("func", "command")}
    env = dict(os.environ, **{JOB_ENV: json.dumps(options)})
    # The job runs the same copy of the add-on whose options module this process imported.
    root = str(Path(animate_args.__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def run(args) -> int:
    bad = animate_args.problem(args)
    if bad:
        raise BadInput(*bad)
    proc = subprocess.Popen([sys.executable, "-m", HEADLESS], env=_child_env(args))
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: proc.send_signal(signum))  # it cleans up itself
    try:
        return proc.wait()
    except KeyboardInterrupt:        # Ctrl-C reached the job too: let it stop its server and exit
        proc.wait()
        raise
