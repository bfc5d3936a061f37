"""Operators of the panel. Network work goes to a background Task; results are applied on the main
thread by runtime.step()."""

from __future__ import annotations

import os
import tempfile
import uuid

import bpy
from bpy.props import StringProperty
from bpy_extras.io_utils import ExportHelper, ImportHelper

from ..core import frames, jobs, trackfile
from ..core.client import Client, ClientError
from ..core.template_face import template_landmarks
from ..core.wording import plain
from . import (compat, frames_strip, preferences, properties, runtime, scene_builder, scene_settings,
               server_process, settings_ops, sound_source, track_export)
from .server_start import wait_for_server_task
from .landmark_edit import leave_edit_mode


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
    engines = [e for e in health.get("engines") or [] if isinstance(e, dict) and e.get("name")]
    properties.set_engines([e["name"] for e in engines if e.get("ready")])
    s.engines_note = "; ".join(f"{properties.engine_title(e['name'])} is not ready: {plain(str(e.get('reason') or 'no reason given'))}"
                               for e in engines if not e.get("ready"))
    renderers = health.get("renderers") or []
    names = [r.get("name") if isinstance(r, dict) else str(r) for r in renderers
             if not isinstance(r, dict) or r.get("ready", True)]
    s.renderers = ",".join(n for n in names if n)
    ready = [e["name"] for e in engines if e.get("ready")]
    device = "the graphics card" if str(health.get("device", "")).startswith("cuda") else "the processor"
    return (f"The server runs on {device}; engines ready: {', '.join(properties.engine_title(n) for n in ready) or 'none'}")


def _health_done(health: dict) -> None:
    properties.status().message = record_health(health)


def _fail(op, message: str):
    message = plain(message)
    properties.status().error = message
    op.report({"ERROR"}, message)
    return {"CANCELLED"}


def _start(op, task, on_done, label):
    try:
        runtime.start(task, on_done, label)
    except RuntimeError as e:
        return _fail(op, str(e))
    return {"FINISHED"}


SCENE_TAG = "makeittalk_job"
GONE = "the file or scene that started it is no longer open, so nothing was changed"


def _scene_ref(context):
    """The scene that starts a task, found again when it ends, in whatever file is open then: a tag on the
    scene (a name would find the same-named scene of another file). None when it is gone."""
    token = uuid.uuid4().hex
    context.scene[SCENE_TAG] = token
    return lambda: next((sc for sc in bpy.data.scenes if sc.get(SCENE_TAG) == token), None)


def _keep_track(track, job_id: str) -> str:
    """A result whose scene is gone is saved, so the work is not lost."""
    path = os.path.join(tempfile.gettempdir(), f"makeittalk-take-{job_id}.json")
    trackfile.save(track, path)
    return path


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


def _apply_rest(scene, image_path: str, rest, width: int, height: int) -> str:
    """Landmarks to correct; the portrait at rest only while it has no take (a take is never removed)."""
    scene_builder.place_landmarks(scene, rest, width, height, image_path)
    ob = scene_builder.find_role(scene, "portrait")
    if ob is not None and ob.get("takes"):
        return "; the portrait keeps its takes (press Animate to use the new landmarks)"
    scene_builder.build_rest(scene, image_path, rest, width, height)
    return ""


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
            scene = get_scene()
            if scene is None:
                properties.status().error = f"The landmarks were not placed: {GONE}"
                return
            rest = [p[:3] if len(p) >= 3 else list(p) + [0.0] for p in result["landmarks"]]
            note = _apply_rest(scene, image, rest, int(result["width"]), int(result["height"]))
            properties.status().message = "68 landmarks found; correct them in Edit Mode if needed" + note
        return _start(self, jobs.landmarks_task(make_client(context), image), done, "Detecting landmarks")


class MAKEITTALK_OT_place_template(_NotBusy, bpy.types.Operator):
    bl_idname = "makeittalk.place_template"
    bl_label = "Place template landmarks"
    bl_description = "Put a standard 68-point face over the portrait to adjust by hand (cartoons, sketches)"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        image = _abs(context.scene.makeittalk.image_path)
        try:
            img = scene_builder.load_image(image)
        except ValueError as e:
            return _fail(self, str(e))
        w, h = int(img.size[0]), int(img.size[1])
        note = _apply_rest(context.scene, image, template_landmarks(w, h), w, h)
        properties.status().error = ""
        properties.status().message = "Template placed: move its points onto the face in Edit Mode" + note
        return {"FINISHED"}


def _build(scene, track, image: str, audio: str | None, start: int = 1, source: str = "", strip=None):
    ob = scene_builder.build_scene(scene, track, image, audio, start_frame=start, source=source,
                                   add_sound=strip is None, tol_px=scene.makeittalk.key_tolerance)
    if strip is not None:
        for id_block in (ob.data.shape_keys, scene_builder.find_role(scene, "head")):
            sound_source.trim_take(id_block, ob["take"], strip)
    return ob


def _strip_items(scene):
    strips = sound_source.sound_strips(scene, selected_only=True)
    if not strips:
        raise ValueError("there is no sound strip in the Video Sequencer to animate")
    return [(st.name, sound_source.strip_audio_path(st)) for st in strips]


def _job_operator(op, context, render: dict | None):
    settings = context.scene.makeittalk
    image, audio = _abs(settings.image_path), _abs(settings.audio_path)
    if not os.path.isfile(image):
        return _fail(op, "choose a portrait image first")
    from_strips = settings.audio_source == "STRIPS" and render is None
    try:
        items = _strip_items(context.scene) if from_strips else None
    except ValueError as e:
        return _fail(op, str(e))
    if not from_strips and not os.path.isfile(audio):
        return _fail(op, "choose an audio file first")
    leave_edit_mode(scene_builder.find_role(context.scene, "landmarks"))     # keeps the corrections
    rest = scene_builder.read_landmarks(context.scene, image)
    params = job_params(settings, context.scene, rest, render, preferences.get(context).checkpoints_dir)
    if from_strips:          # the strips are laid out in this scene's frames: a take must not change its fps
        params["fps"] = compat.scene_fps(context.scene)
    get_scene = _scene_ref(context)

    def done(result):
        scene = get_scene()
        results = result if isinstance(result, list) else [result]
        if scene is None:
            kept = [_keep_track(r["track"], r["job_id"]) for r in results]
            properties.status().error = (f"The take was not built: {GONE}. The track is saved as "
                                         f"{', '.join(kept)} (Import track builds it).")
            return
        msgs = []
        for r in results:
            strip = None
            if "label" in r:
                strip = next((s for s in sound_source.sound_strips(scene) if s.name == r["label"]), None)
                if strip is None:
                    msgs.append(f"the sound strip '{r['label']}' is gone; its take was left out")
                    continue
            start = sound_source.content_start(strip) if strip is not None else 1
            ob = _build(scene, r["track"], image, None if strip is not None else audio, start,
                        r.get("label", ""), strip)
            msgs.append(f"{ob['take']}: {r['track'].n_frames} frames" + (f" ({r['label']})" if strip else ""))
            if r.get("frames") is not None:
                msgs.append(apply_frames(scene, r["frames"], r["job_id"]))
            if ob.get("warning"):
                msgs.append(ob["warning"])
        properties.status().message = "; ".join(msgs)
    client = make_client(context)
    if from_strips:
        task = jobs.jobs_task(client, items, image, params)
    else:
        task = jobs.job_task(client, audio, image, params, want_frames=render is not None)
    return _start(op, task, done, "Rendering frames" if render else "Animating")


def apply_frames(scene, data: bytes, job_id: str) -> str:
    """Unpack the server's frames next to the .blend (or in a temp folder) as an image strip."""
    base = bpy.path.abspath("//") if bpy.data.filepath else tempfile.gettempdir()
    dest = os.path.join(base, "makeittalk_frames", job_id)
    frames.unpack_zip(data, dest)
    frames_strip.add_frames_strip(scene, dest, frame_start=1, match_resolution=scene_settings.owned(scene))
    return "F12 now shows the server's frames (switch back under 'F12 shows')"


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
            ob = _build(context.scene, track, _abs(settings.image_path), audio if os.path.isfile(audio) else None)
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
            return _fail(self, f"cannot export the track: {plain(e)}")
        properties.status().message = f"Track written: {track.n_frames} frames"
        return {"FINISHED"}


CLASSES = settings_ops.CLASSES + (MAKEITTALK_OT_test_server, MAKEITTALK_OT_start_server, MAKEITTALK_OT_detect_landmarks,
           MAKEITTALK_OT_place_template, MAKEITTALK_OT_animate, MAKEITTALK_OT_render_frames,
           MAKEITTALK_OT_cancel, MAKEITTALK_OT_import_track, MAKEITTALK_OT_export_track)
