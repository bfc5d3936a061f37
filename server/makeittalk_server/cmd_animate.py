"""`makeittalk animate PORTRAIT AUDIO -o talk.mp4`: the whole job without Blender's UI.

Drives Blender as a module (bpy): registers the "Animate Portrait" add-on, starts the server when none
answers, runs the add-on's own Animate operator and poll step, renders through Blender to an mp4 with
the speech, and saves the .blend.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

from .errors import BadInput, UserError

RENDER_ENGINES = ("workbench", "eevee", "cycles")


def add_parser(sub) -> None:
    p = sub.add_parser("animate", help="portrait + speech -> talking-head mp4 and .blend, rendered by Blender")
    p.add_argument("portrait", help="portrait image (photo, painting, drawing)")
    p.add_argument("audio", help="speech recording (wav, mp3, flac, ogg)")
    p.add_argument("-o", "--output", default="talk.mp4", help="mp4 to write (default talk.mp4)")
    p.add_argument("--blend", default=None, help=".blend to save (default: next to the mp4)")
    p.add_argument("--engine", default="default", help="server engine (default: default)")
    p.add_argument("--fps", type=float, default=25.0, help="frames per second (default 25)")
    p.add_argument("--resolution", type=int, default=512, help="pixels of the video's larger side (default 512)")
    p.add_argument("--render-engine", choices=RENDER_ENGINES, default="workbench",
                   help="Blender render engine (default workbench; eevee is slow without a GPU)")
    p.add_argument("--samples", type=int, default=16, help="Cycles/EEVEE samples (the scene is unlit: few suffice)")
    p.add_argument("--server", default=None, help="server address (default http://127.0.0.1:8765)")
    p.add_argument("--token", default=None, help="server token (env MAKEITTALK_TOKEN)")
    p.add_argument("--transcript", default=None, help="what is said (optional; improves lip timing)")
    p.add_argument("--emotion", default="neutral", choices=("neutral", "happy", "sad", "surprised", "angry"))
    p.add_argument("--intensity", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-frames", type=int, default=None, help="render only the first N frames (previews)")
    p.add_argument("--still", default=None, help="also write this frame (PNG path) of the result; see --still-frame")
    p.add_argument("--still-frame", type=int, default=None, help="frame for --still (default: the widest mouth)")
    p.set_defaults(func=run)


def _say(msg: str) -> None:
    print(f"[animate] {msg}", file=_TERM.stream, flush=True)


class _Term:
    stream = sys.stdout


_TERM = _Term()


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


def _import_addon():
    try:
        import bpy  # noqa: F401
    except ImportError:
        raise UserError("no_bpy", "Blender as a Python module is needed: pip install 'bpy==5.0.*' "
                        "(or: pip install -e '.[blender]')") from None
    try:
        import makeittalk_blender
    except ImportError:  # running from a source tree that was not installed
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        import makeittalk_blender
    return makeittalk_blender


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _progress_bar(frac: float, width: int = 28) -> str:
    n = int(round(max(0.0, min(1.0, frac)) * width))
    return "[" + "#" * n + "." * (width - n) + f"] {100 * frac:5.1f}%"


def _ensure_server(url: str, token: str, log_path: str):
    """The server at url, started as a subprocess when none answers. Returns True when we started it."""
    from makeittalk_blender.blender import operators, server_process
    from makeittalk_blender.core import jobs
    from makeittalk_blender.core.client import Client, ClientError

    client = Client(url, token)
    try:
        client.health()
        _say(f"using the server at {client.url}")
        return False
    except ClientError as e:
        if e.code != "server_down":
            raise UserError(e.code, e.message) from None
    _say(f"starting the server on {client.url} (log: {log_path})")
    server_process.start(sys.executable, client.url, token, log_path=log_path)
    st = jobs.wait(operators.wait_for_server_task(client, server_process.running).start(), interval=0.2)
    if st.phase != "done":
        server_process.stop()
        raise UserError(st.error_code or "server_failed", st.error or "the server did not start")
    return True


def _widest_mouth_frame(scene) -> int:
    from makeittalk_blender.blender import track_export

    tr = track_export.track_from_scene(scene)
    gap = tr.frames[:, 66, 1] - tr.frames[:, 62, 1]
    return int(gap.argmax()) + scene.frame_start


def run(args) -> int:
    portrait, audio = os.path.abspath(args.portrait), os.path.abspath(args.audio)
    for path, what in ((portrait, "portrait"), (audio, "audio file")):
        if not os.path.isfile(path):
            raise BadInput("missing_file", f"the {what} '{path}' does not exist")
    if not (args.fps > 0 and args.fps <= 240):
        raise BadInput("bad_fps", "--fps must be between 0 and 240")
    if not 16 <= args.resolution <= 8192:
        raise BadInput("bad_resolution", "--resolution must be between 16 and 8192 pixels")
    if args.max_frames is not None and args.max_frames < 1:
        raise BadInput("bad_max_frames", "--max-frames must be at least 1")
    out = os.path.abspath(args.output)
    blend = os.path.abspath(args.blend) if args.blend else os.path.splitext(out)[0] + ".blend"
    os.makedirs(os.path.dirname(out), exist_ok=True)
    os.makedirs(os.path.dirname(blend), exist_ok=True)
    logs = tempfile.gettempdir()
    token = args.token if args.token is not None else os.environ.get("MAKEITTALK_TOKEN", "")
    url = args.server or os.environ.get("MAKEITTALK_SERVER", "http://127.0.0.1:8765")

    import signal

    def _terminate(signum, frame):       # a kill runs the clean-up below (server stopped) like Ctrl-C
        raise KeyboardInterrupt()
    if threading_main():
        signal.signal(signal.SIGTERM, _terminate)

    t_start = time.monotonic()
    _say("loading Blender")
    addon = _import_addon()
    import bpy

    from makeittalk_blender.blender import (compat, preferences, properties, runtime, scene_builder,
                                            server_process)

    bpy.ops.wm.read_factory_settings(use_empty=True)
    addon.register()
    started = False
    try:
        started = _ensure_server(url, token, os.path.join(logs, "makeittalk-server.log"))
        preferences._Defaults.server_url, preferences._Defaults.token = url, token
        scene = bpy.context.scene
        s = scene.makeittalk
        s.image_path, s.audio_path = portrait, audio
        properties.set_engines([args.engine])
        s.engine = args.engine
        s.use_scene_fps, s.fps = False, args.fps
        s.emotion, s.intensity, s.seed = args.emotion, args.intensity, args.seed
        s.transcript = args.transcript or ""

        # the add-on's own Animate operator and poll step
        try:
            ok = bpy.ops.makeittalk.animate() == {"FINISHED"}
        except RuntimeError:          # the operator's ERROR report, raised by bpy outside the UI
            ok = False
        if not ok:
            raise UserError("animate_failed", properties.status().error or "Animate could not start")
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
            raise UserError("animate_failed", st.error)
        _say(f"scene built: {st.message} ({time.monotonic() - t_start:.1f} s so far)")
    finally:
        if started:
            server_process.stop()
            _say("server stopped")

    scene = bpy.context.scene
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

    bpy.ops.wm.save_as_mainfile(filepath=blend)
    _say(f"saved {blend}")

    if args.still:
        frame = args.still_frame or _widest_mouth_frame(scene)
        scene.frame_set(frame)
        scene.render.image_settings.file_format = "PNG"
        scene.render.filepath = os.path.abspath(args.still)
        with _blender_output_to(os.path.join(logs, "makeittalk-blender.log")):
            bpy.ops.render.render(write_still=True)
        _say(f"still of frame {frame}: {args.still}")

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
        with _blender_output_to(os.path.join(logs, "makeittalk-blender.log")):
            bpy.ops.render.render(animation=True)
    finally:
        bpy.app.handlers.render_write.remove(on_frame)
    if not os.path.isfile(out):
        raise UserError("render_failed", f"Blender did not write {out}; see {logs}/makeittalk-blender.log")
    secs = time.monotonic() - done["t0"]
    _say(f"wrote {out}: {n} frames in {secs:.1f} s ({secs / max(n, 1):.3f} s/frame), total "
         f"{time.monotonic() - t_start:.1f} s")
    addon.unregister()
    return 0
