"""The headless main job: portrait + speech -> mp4 (with the speech) and .blend, rendered by Blender.

Drives Blender as a module (bpy): registers the "Animate Portrait" add-on, starts the server when none
answers, runs the add-on's own Animate operator and poll step, renders through Blender and saves the
.blend. `makeittalk animate` runs this module in its own process (the server package knows nothing of
Blender); it can also be run directly:

    python -m makeittalk_blender.headless PORTRAIT AUDIO -o talk.mp4 [options of makeittalk animate]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time

from .core import animate_args

JOB_ENV = "MAKEITTALK_ANIMATE_JOB"    # the options as JSON, from `makeittalk animate` (keeps the token off argv)


class HeadlessError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class _Term:
    stream = sys.stdout


_TERM = _Term()


def _say(msg: str) -> None:
    print(f"[animate] {msg}", file=_TERM.stream, flush=True)


@contextlib.contextmanager
def _blender_output_to(log_path: str):
    """Blender prints a line per frame on the C stdout: send those to a log, keep ours on the terminal."""
    sys.stdout.flush()
    saved = os.dup(1)
    term = os.fdopen(os.dup(saved), "w", buffering=1)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    old = _TERM.stream
    _TERM.stream = term
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(log)
        _TERM.stream = old
        term.close()


def _progress_bar(frac: float, width: int = 28) -> str:
    n = int(round(max(0.0, min(1.0, frac)) * width))
    return "[" + "#" * n + "." * (width - n) + f"] {100 * frac:5.1f}%"


def _load_blender():
    try:
        import bpy  # noqa: F401
    except ImportError:
        raise HeadlessError("no_bpy", "Blender as a Python module (bpy) is not installed for this Python: run "
                            "python3 install.py, which installs the bpy that fits this Python where one "
                            "exists (bpy 5.0 for Python 3.11, 5.2 for 3.13)") from None
    from . import register

    return register


def _ensure_server(url: str, token: str, log_path: str) -> bool:
    """The server at url, started as a subprocess when none answers. Returns True when we started it."""
    from .blender import operators, server_process
    from .core import jobs
    from .core.client import Client, ClientError

    client = Client(url, token)
    try:
        client.health()
        _say(f"using the server at {client.url}")
        return False
    except ClientError as e:
        if e.code != "server_down":
            raise HeadlessError(e.code, e.message) from None
    _say(f"starting the server on {client.url} (log: {log_path})")
    server_process.start(sys.executable, client.url, token, log_path=log_path)
    st = jobs.wait(operators.wait_for_server_task(client, server_process.running).start(), interval=0.2)
    if st.phase != "done":
        server_process.stop()
        raise HeadlessError(st.error_code or "server_failed", st.error or "the server did not start")
    return True


def _set_inputs(scene, args, url: str, token: str) -> None:
    from .blender import preferences, properties

    preferences._Defaults.server_url, preferences._Defaults.token = url, token
    s = scene.makeittalk
    s.image_path, s.audio_path = os.path.abspath(args.portrait), os.path.abspath(args.audio)
    properties.set_engines([args.engine])
    s.engine = args.engine
    s.use_scene_fps, s.fps = False, args.fps
    s.emotion, s.intensity, s.seed = args.emotion, args.intensity, args.seed
    s.transcript = args.transcript or ""


def _animate(bpy, args, url: str, token: str, t_start: float) -> None:
    """The add-on's own Animate operator and poll step, against a server (started when none answers)."""
    from .blender import properties, runtime, server_process

    started = False
    try:
        started = _ensure_server(url, token, os.path.join(tempfile.gettempdir(), "makeittalk-server.log"))
        _set_inputs(bpy.context.scene, args, url, token)
        try:
            ok = bpy.ops.makeittalk.animate() == {"FINISHED"}
        except RuntimeError:          # the operator's ERROR report, raised by bpy outside the UI
            ok = False
        if not ok:
            raise HeadlessError("animate_failed", properties.status().error or "Animate could not start")
        last = ""
        while runtime.step():
            st = properties.status()
            line = f"{_progress_bar(st.progress)} {st.stage or st.phase}"
            if line != last:
                _say(line)
                last = line
            time.sleep(0.2)
        st = properties.status()
        if st.error:
            raise HeadlessError("animate_failed", st.error)
        _say(f"scene built: {st.message} ({time.monotonic() - t_start:.1f} s so far)")
    finally:
        if started:
            server_process.stop()
            _say("server stopped")


def _setup_render(scene, args) -> str:
    from .blender import compat, scene_builder

    portrait_ob = scene_builder.find_role(scene, "portrait")
    w, h = portrait_ob["image_size"]
    scene_builder.ensure_camera(scene, int(w), int(h), args.resolution)
    engine_id = compat.set_render_engine(scene, args.render_engine)
    if args.render_engine == "cycles":
        scene.cycles.device = "CPU"
        scene.cycles.samples = args.samples
        scene.cycles.use_denoising = False
    elif args.render_engine == "eevee" and hasattr(scene, "eevee"):
        scene.eevee.taa_render_samples = args.samples
    if args.max_frames:
        scene.frame_end = min(scene.frame_end, scene.frame_start + args.max_frames - 1)
    return engine_id


def _widest_mouth_frame(scene) -> int:
    from .blender import track_export

    tr = track_export.track_from_scene(scene)
    gap = tr.frames[:, 66, 1] - tr.frames[:, 62, 1]
    return int(gap.argmax()) + scene.frame_start


def _render_still(bpy, scene, args, log: str) -> None:
    frame = args.still_frame or _widest_mouth_frame(scene)
    scene.frame_set(frame)
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = os.path.abspath(args.still)
    with _blender_output_to(log):
        bpy.ops.render.render(write_still=True)
    _say(f"still of frame {frame}: {args.still}")


def _render_video(bpy, scene, out: str, engine_id: str, log: str) -> float:
    from .blender import compat

    compat.use_video_output(scene)
    scene.render.filepath = out
    n = scene.frame_end - scene.frame_start + 1
    done = {"n": 0, "t0": time.monotonic()}

    def on_frame(_scene, *_a):
        done["n"] += 1
        rate = (time.monotonic() - done["t0"]) / done["n"]
        _say(f"{_progress_bar(done['n'] / n)} rendering frame {done['n']}/{n} ({rate:.2f} s/frame)")

    bpy.app.handlers.render_write.append(on_frame)
    try:
        _say(f"rendering {n} frames at {scene.render.resolution_x}x{scene.render.resolution_y} with {engine_id}")
        with _blender_output_to(log):
            bpy.ops.render.render(animation=True)
    finally:
        bpy.app.handlers.render_write.remove(on_frame)
    if not os.path.isfile(out):
        raise HeadlessError("render_failed", f"Blender did not write {out}; see {log}")
    secs = time.monotonic() - done["t0"]
    _say(f"wrote {out}: {n} frames in {secs:.1f} s ({secs / max(n, 1):.3f} s/frame)")
    return secs


def run(args) -> int:
    """The whole job for parsed `makeittalk animate` options; HeadlessError for what the user can fix."""
    bad = animate_args.problem(args)
    if bad:
        raise HeadlessError(*bad)
    out = os.path.abspath(args.output)
    blend = os.path.abspath(args.blend) if args.blend else os.path.splitext(out)[0] + ".blend"
    os.makedirs(os.path.dirname(out), exist_ok=True)
    os.makedirs(os.path.dirname(blend), exist_ok=True)
    url, token = animate_args.server_and_token(args)
    log = os.path.join(tempfile.gettempdir(), "makeittalk-blender.log")
    t_start = time.monotonic()
    _say("loading Blender")
    register = _load_blender()
    import bpy

    from . import unregister

    bpy.ops.wm.read_factory_settings(use_empty=True)
    register()
    bpy.context.scene["makeittalk_owned"] = True    # a scene made for this job: the add-on may set it up
    _animate(bpy, args, url, token, t_start)
    scene = bpy.context.scene
    engine_id = _setup_render(scene, args)
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    _say(f"saved {blend}")
    if args.still:
        _render_still(bpy, scene, args, log)
    _render_video(bpy, scene, out, engine_id, log)
    _say(f"total {time.monotonic() - t_start:.1f} s")
    unregister()
    return 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Options from JOB_ENV (set by `makeittalk animate`) or from the command line."""
    parser = argparse.ArgumentParser(prog="python -m makeittalk_blender.headless", description=__doc__.split("\n")[0])
    animate_args.add_arguments(parser)
    job = os.environ.pop(JOB_ENV, None)
    if job and not argv:
        options = json.loads(job)
        ns = parser.parse_args([options["portrait"], options["audio"]])   # the defaults, then the options
        vars(ns).update(options)
        return ns
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    def _terminate(signum, frame):       # a kill runs the clean-up (server stopped) like Ctrl-C
        raise KeyboardInterrupt()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    # The same words and exit codes as the makeittalk command, which runs this module.
    try:
        return run(parse(sys.argv[1:] if argv is None else argv))
    except HeadlessError as e:
        said, code = "error: " + e.message, 1
    except KeyboardInterrupt:
        said, code = "interrupted", 130
    print("makeittalk: " + said, file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
