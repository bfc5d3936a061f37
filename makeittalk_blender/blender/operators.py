"""Operators of the panel. Network work goes to a background Task; results are applied on the main
thread by runtime.step()."""

from __future__ import annotations

import os
import tempfile
import time

import bpy
from bpy.props import StringProperty
from bpy_extras.io_utils import ExportHelper, ImportHelper

from ..core import frames, jobs, trackfile
from ..core.client import Client, ClientError
from ..core.template_face import template_landmarks
from . import (compat, frames_strip, preferences, properties, runtime, scene_builder, server_process,
               track_export)


def _abs(path: str) -> str:
    return os.path.abspath(bpy.path.abspath(path)) if path else ""


def make_client(context=None) -> Client:
    p = preferences.get(context)
    return Client(p.server_url, p.token)


def job_params(settings, scene, rest=None, render: dict | None = None, checkpoints: str = "") -> dict:
    """The `params` of POST /v1/jobs from the panel's settings."""
    params = {
        "engine": settings.engine or "default",
        "fps": compat.scene_fps(scene) if settings.use_scene_fps else float(settings.fps),
        "amp_lip_x": settings.amp_lip_x, "amp_lip_y": settings.amp_lip_y, "amp_pos": settings.amp_pos,
        "blink": bool(settings.blink),
        "emotion": {"name": settings.emotion, "intensity": float(settings.intensity)},
        "seed": int(settings.seed),
    }
    if settings.transcript.strip():
        params["transcript"] = settings.transcript.strip()
    if rest is not None:
        params["rest_landmarks"] = [[float(v) for v in p[:2]] for p in rest]
    if checkpoints:
        params["checkpoints"] = checkpoints
    if render:
        params["render"] = render
    return params


def record_health(health: dict) -> str:
    """Keep what the panel needs from /v1/health; returns a one-line summary."""
    s = properties.status()
    s.server_ok = True
    engines = health.get("engines") or []
    properties.set_engines([e.get("name") for e in engines if isinstance(e, dict)])
    renderers = health.get("renderers") or []
    names = [r.get("name") if isinstance(r, dict) else str(r) for r in renderers
             if not isinstance(r, dict) or r.get("ready", True)]
    s.renderers = ",".join(n for n in names if n)
    ready = [e.get("name") for e in engines if isinstance(e, dict) and e.get("ready")]
    return (f"Server {health.get('version', '?')} on {health.get('device', '?')}: engines "
            f"{', '.join(ready) or 'none ready'}")


def _health_done(health: dict) -> None:
    properties.status().message = record_health(health)


def _fail(op, message: str):
    properties.status().error = message
    op.report({"ERROR"}, message)
    return {"CANCELLED"}


def _start(op, task, on_done, label):
    try:
        runtime.start(task, on_done, label)
    except RuntimeError as e:
        return _fail(op, str(e))
    return {"FINISHED"}


def _scene_ref(context):
    name = context.scene.name
    return lambda: bpy.data.scenes.get(name)


class _NotBusy:
    @classmethod
    def poll(cls, context):
        return not runtime.busy()


class MAKEITTALK_OT_test_server(_NotBusy, bpy.types.Operator):
    bl_idname = "makeittalk.test_server"
    bl_label = "Test server"
    bl_description = "Ask the server whether it runs and which engines it has"

    def execute(self, context):
        properties.status().server_ok = False
        return _start(self, jobs.health_task(make_client(context)), _health_done, "Testing server")


def wait_for_server_task(client: Client, proc_alive, timeout_s: float = 180.0) -> jobs.Task:
    """Health until the freshly started server answers (its first start imports torch: slow)."""
    def fn(task):
        task.report(phase="starting", stage="starting the server")
        t0 = time.monotonic()
        while True:
            task.check()
            try:
                return client.health()
            except ClientError as e:
                if e.code != "server_down" and e.code != "timeout":
                    raise
            if not proc_alive():
                raise ClientError("server_exited", f"the server stopped while starting (exit code "
                                  f"{server_process.exit_code()}); see the log in the temporary folder "
                                  "(makeittalk-server.log)")
            if time.monotonic() - t0 > timeout_s:
                raise ClientError("timeout", f"the server did not answer within {timeout_s:.0f} s")
            task.report(progress=min(0.9, (time.monotonic() - t0) / timeout_s))
            time.sleep(0.5)
    return jobs.Task("start-server", fn)


class MAKEITTALK_OT_start_server(_NotBusy, bpy.types.Operator):
    bl_idname = "makeittalk.start_server"
    bl_label = "Start server"
    bl_description = "Start the local MakeItTalk server installed by install.py"

    def execute(self, context):
        p = preferences.get(context)
        client = make_client(context)
        try:
            # on the main thread, so only a one-second look (a refused localhost port answers at once);
            # the process must be started from here so that it ends with Blender
            Client(p.server_url, p.token, timeout=1.0).health()
            properties.status().message = "The server is already running"
            return {"FINISHED"}
        except ClientError:
            pass
        try:
            server_process.start(p.server_python, p.server_url, p.token, p.checkpoints_dir,
                                 log_path=os.path.join(tempfile.gettempdir(), "makeittalk-server.log"))
        except (ValueError, OSError) as e:
            return _fail(self, f"cannot start the server: {e}")
        return _start(self, wait_for_server_task(client, server_process.running), _health_done,
                      "Starting server")


def _apply_rest(scene, image_path: str, rest, width: int, height: int) -> None:
    scene_builder.place_landmarks(scene, rest, width, height, image_path)
    scene_builder.build_rest(scene, image_path, rest, width, height)


class MAKEITTALK_OT_detect_landmarks(_NotBusy, bpy.types.Operator):
    bl_idname = "makeittalk.detect_landmarks"
    bl_label = "Detect landmarks"
    bl_description = "Find the 68 face landmarks on the portrait (correct them in Edit Mode before animating)"

    def execute(self, context):
        image = _abs(context.scene.makeittalk.image_path)
        if not os.path.isfile(image):
            return _fail(self, "choose a portrait image first")
        get_scene = _scene_ref(context)

        def done(result):
            rest = [p[:3] if len(p) >= 3 else list(p) + [0.0] for p in result["landmarks"]]
            _apply_rest(get_scene(), image, rest, int(result["width"]), int(result["height"]))
            properties.status().message = f"68 landmarks found ({result.get('detector', 'detector')}); " \
                "correct them in Edit Mode if needed"
        return _start(self, jobs.landmarks_task(make_client(context), image), done, "Detecting landmarks")


class MAKEITTALK_OT_place_template(_NotBusy, bpy.types.Operator):
    bl_idname = "makeittalk.place_template"
    bl_label = "Place template landmarks"
    bl_description = "Put a standard 68-point face over the portrait to adjust by hand (cartoons, sketches)"

    def execute(self, context):
        image = _abs(context.scene.makeittalk.image_path)
        try:
            img = scene_builder.load_image(image)
        except ValueError as e:
            return _fail(self, str(e))
        w, h = int(img.size[0]), int(img.size[1])
        _apply_rest(context.scene, image, template_landmarks(w, h), w, h)
        properties.status().error = ""
        properties.status().message = "Template placed: move its points onto the face in Edit Mode"
        return {"FINISHED"}


def _job_operator(op, context, render: dict | None):
    settings = context.scene.makeittalk
    image, audio = _abs(settings.image_path), _abs(settings.audio_path)
    if not os.path.isfile(image):
        return _fail(op, "choose a portrait image first")
    if not os.path.isfile(audio):
        return _fail(op, "choose an audio file first")
    rest = scene_builder.read_landmarks(context.scene, image)
    params = job_params(settings, context.scene, rest, render, preferences.get(context).checkpoints_dir)
    get_scene = _scene_ref(context)

    def done(result):
        scene = get_scene()
        ob = scene_builder.build_scene(scene, result["track"], image, audio)
        msg = f"{ob['take']}: {result['track'].n_frames} frames"
        if result.get("frames") is not None:
            msg += "; " + apply_frames(scene, result["frames"], result["job_id"])
        if ob.get("warning"):
            msg += "; " + ob["warning"]
        properties.status().message = msg
    task = jobs.job_task(make_client(context), audio, image, params, want_frames=render is not None)
    return _start(op, task, done, "Rendering frames" if render else "Animating")


def apply_frames(scene, data: bytes, job_id: str) -> str:
    """Unpack the server's frames next to the .blend (or in a temp folder) as an image strip."""
    base = bpy.path.abspath("//") if bpy.data.filepath else tempfile.gettempdir()
    dest = os.path.join(base, "makeittalk_frames", job_id)
    frames.unpack_zip(data, dest)
    frames_strip.add_frames_strip(scene, dest, frame_start=1)
    return f"rendered frames in {dest}"


class MAKEITTALK_OT_animate(_NotBusy, bpy.types.Operator):
    bl_idname = "makeittalk.animate"
    bl_label = "Animate"
    bl_description = "Send portrait and audio to the server and build a new take from its landmark track"

    def execute(self, context):
        return _job_operator(self, context, None)


class MAKEITTALK_OT_render_frames(_NotBusy, bpy.types.Operator):
    bl_idname = "makeittalk.render_frames"
    bl_label = "Render frames"
    bl_description = "Animate and let the server render the frames too (shown as an image strip)"

    @classmethod
    def poll(cls, context):
        return not runtime.busy() and bool(properties.status().renderers)

    def execute(self, context):
        s = context.scene.makeittalk
        return _job_operator(self, context, {"renderer": s.renderer})


class MAKEITTALK_OT_cancel(bpy.types.Operator):
    bl_idname = "makeittalk.cancel"
    bl_label = "Cancel"
    bl_description = "Stop the running task (the server frees the job)"

    @classmethod
    def poll(cls, context):
        return runtime.busy()

    def execute(self, context):
        runtime.cancel()
        properties.status().message = "Cancelling..."
        return {"FINISHED"}


class MAKEITTALK_OT_import_track(bpy.types.Operator, ImportHelper):
    bl_idname = "makeittalk.import_track"
    bl_label = "Import track"
    bl_description = "Build a take from a MakeItTalk track file (.json); needs no server"
    filename_ext = ".json"
    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})

    def execute(self, context):
        settings = context.scene.makeittalk
        try:
            track = trackfile.load(self.filepath)
            audio = _abs(settings.audio_path)
            ob = scene_builder.build_scene(context.scene, track, _abs(settings.image_path),
                                           audio if os.path.isfile(audio) else None)
        except (trackfile.TrackFileError, ValueError) as e:
            return _fail(self, str(e))
        properties.status().error = ""
        properties.status().message = f"{ob['take']} imported: {track.n_frames} frames" + \
            (f"; {ob['warning']}" if ob.get("warning") else "")
        return {"FINISHED"}


class MAKEITTALK_OT_export_track(bpy.types.Operator, ExportHelper):
    bl_idname = "makeittalk.export_track"
    bl_label = "Export track"
    bl_description = "Write the current take (with your edits) as a MakeItTalk track file (.json)"
    filename_ext = ".json"
    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})

    @classmethod
    def poll(cls, context):
        return scene_builder.find_role(context.scene, "portrait") is not None

    def execute(self, context):
        try:
            track = track_export.track_from_scene(context.scene)
            trackfile.save(track, self.filepath)
        except (ValueError, OSError) as e:
            return _fail(self, f"cannot export the track: {e}")
        properties.status().message = f"Track written: {track.n_frames} frames"
        return {"FINISHED"}


CLASSES = (MAKEITTALK_OT_test_server, MAKEITTALK_OT_start_server, MAKEITTALK_OT_detect_landmarks,
           MAKEITTALK_OT_place_template, MAKEITTALK_OT_animate, MAKEITTALK_OT_render_frames,
           MAKEITTALK_OT_cancel, MAKEITTALK_OT_import_track, MAKEITTALK_OT_export_track)
