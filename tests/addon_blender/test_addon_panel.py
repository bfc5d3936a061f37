"""The panel's operators and poll step against a stopped server and against the real one."""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest

from support.blender_synth import PORTRAIT, SPEECH, monalisa_rest
from support.panel_layout import _Layout


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _run_to_end(timeout: float = 180.0) -> None:
    from makeittalk_blender.blender import runtime

    t0 = time.monotonic()
    while runtime.step():
        assert time.monotonic() - t0 < timeout, "task did not finish"
        time.sleep(0.05)


def _use(url: str) -> None:
    from makeittalk_blender.blender import preferences

    preferences._Defaults.server_url = url


def test_stopped_server_reaches_the_panel(bpy_mod, scene):
    from makeittalk_blender.blender import properties

    _use(_closed_url())
    assert bpy_mod.ops.makeittalk.test_server() == {"FINISHED"}
    _run_to_end(30)
    st = properties.status()
    assert not st.busy and not st.server_ok
    assert "not running" in st.error and "Start server" in st.error

    st.error = ""
    s = scene.makeittalk
    s.image_path, s.audio_path = str(PORTRAIT), str(SPEECH)
    assert bpy_mod.ops.makeittalk.animate() == {"FINISHED"}
    _run_to_end(30)
    assert st.phase == "failed" and "not running" in st.error


def test_missing_inputs_are_named(bpy_mod, scene):
    from makeittalk_blender.blender import properties

    scene.makeittalk.image_path = str(PORTRAIT)
    with pytest.raises(RuntimeError):
        bpy_mod.ops.makeittalk.animate()
    assert properties.status().error == "choose an audio file first"


def test_start_server_without_a_python_says_what_to_do(bpy_mod, scene):
    from makeittalk_blender.blender import properties

    _use(_closed_url())
    with pytest.raises(RuntimeError):
        bpy_mod.ops.makeittalk.start_server()
    assert "Server Python" in properties.status().error


def test_poll_step_applies_a_finished_job_on_the_main_thread(bpy_mod, scene, server, short_speech):
    from makeittalk_blender.blender import properties, runtime, scene_builder

    _use(server.url)
    s = scene.makeittalk
    s.image_path, s.audio_path = str(PORTRAIT), str(short_speech)
    s.use_scene_fps = False
    s.fps = 25.0
    assert bpy_mod.ops.makeittalk.animate() == {"FINISHED"}
    task = runtime.active_task()
    seen = set()
    t0 = time.monotonic()
    while not task.state().finished:                 # the worker runs on; nothing touches the scene yet
        seen.add(task.state().phase)
        assert time.monotonic() - t0 < 180
        time.sleep(0.05)
    assert task.state().phase == "done", task.state().error
    assert scene_builder.find_role(scene, "portrait") is None
    assert runtime.step() is False                   # one step applies the result
    st = properties.status()
    assert st.error == "" and st.message.startswith("MIT Take 1") and st.progress == 1.0 and not st.busy
    ob = scene_builder.find_role(scene, "portrait")
    assert ob is not None and [t.name for t in ob.data.shape_keys.animation_data.nla_tracks] == \
        ["MIT Take 1", "MIT Take 1 Detail"]
    assert scene.frame_end == 50 and scene.render.fps == 25           # 2.0 s at 25 fps
    assert seen & {"uploading", "queued", "running", "downloading"}


def test_detect_landmarks_puts_points_to_correct(bpy_mod, scene, server):
    from makeittalk_blender.blender import properties, scene_builder

    _use(server.url)
    scene.makeittalk.image_path = str(PORTRAIT)
    assert bpy_mod.ops.makeittalk.detect_landmarks() == {"FINISHED"}
    _run_to_end(60)
    assert properties.status().error == ""
    got = scene_builder.read_landmarks(scene)
    rest, _, _ = monalisa_rest()
    np.testing.assert_allclose(got[:, :2], rest[:, :2], atol=0.01)
    lm = scene_builder.find_role(scene, "landmarks")
    assert len(lm.data.vertices) == 68 and lm.hide_render


def test_no_face_is_explained(bpy_mod, scene, server, tmp_path):
    from makeittalk_blender.blender import properties

    img = bpy_mod.data.images.new("flat", 96, 96)
    img.pixels.foreach_set(np.tile([0.8, 0.6, 0.4, 1.0], 96 * 96).astype(np.float32))
    path = tmp_path / "flat.png"
    img.filepath_raw = str(path)
    img.file_format = "PNG"
    img.save()
    _use(server.url)
    scene.makeittalk.image_path = str(path)
    bpy_mod.ops.makeittalk.detect_landmarks()
    _run_to_end(60)
    err = properties.status().error
    assert "no face" in err and "template" in err


def test_cancel_stops_a_running_job(bpy_mod, scene, server):
    from makeittalk_blender.blender import properties, runtime, scene_builder

    _use(server.url)
    s = scene.makeittalk
    s.image_path, s.audio_path = str(PORTRAIT), str(SPEECH)
    bpy_mod.ops.makeittalk.animate()
    assert bpy_mod.ops.makeittalk.cancel() == {"FINISHED"}
    _run_to_end(60)
    assert properties.status().phase == "cancelled"
    assert scene_builder.find_role(scene, "portrait") is None
    assert not runtime.busy()


def test_render_frames_when_the_server_offers_a_renderer(bpy_mod, scene, server, short_speech):
    from makeittalk_blender.blender import properties, scene_builder

    _use(server.url)
    bpy_mod.ops.makeittalk.test_server()
    _run_to_end(30)
    st = properties.status()
    assert st.server_ok and "warp" in st.renderers.split(","), st.renderers
    s = scene.makeittalk
    s.image_path, s.audio_path, s.renderer = str(PORTRAIT), str(short_speech), "warp"
    assert bpy_mod.ops.makeittalk.render_frames() == {"FINISHED"}
    _run_to_end(240)
    assert st.error == "", st.error
    assert "F12 now shows the server's frames" in st.message
    from makeittalk_blender.blender import frames_strip
    strip = frames_strip.find_frames_strip(scene)
    assert strip is not None and strip.frame_final_duration == scene.frame_end
    assert scene_builder.find_role(scene, "portrait") is not None


def test_panel_draws_every_control_and_the_error(bpy_mod, scene):
    from makeittalk_blender.blender import panels, properties

    log = []
    panel = type("P", (), {"layout": _Layout(log)})()
    st = properties.status()
    st.error = "the MakeItTalk server is not running at http://127.0.0.1:1 (press 'Start server')"
    panels.VIEW3D_PT_makeittalk.draw(panel, bpy_mod.context)
    ops = {x[1] for x in log if x[0] == "op"}
    assert {"makeittalk.start_server", "makeittalk.test_server", "makeittalk.detect_landmarks",
            "makeittalk.place_template", "makeittalk.animate", "makeittalk.import_track",
            "makeittalk.export_track"} <= ops
    assert "makeittalk.render_frames" not in ops          # no renderer offered yet
    props = {x[1] for x in log if x[0] == "prop"}
    assert {"image_path", "audio_path", "engine", "fps", "use_scene_fps", "amp_lip_x", "amp_lip_y", "amp_pos",
            "blink", "emotion", "intensity", "seed", "transcript"} <= props
    text = " ".join(x[1] for x in log if x[0] == "label")
    assert "not running" in text and "Start server" in text

    log.clear()
    st.error, st.renderers, st.busy, st.progress, st.task, st.stage = "", "warp", True, 0.4, "Animating", "visemes"
    panels.VIEW3D_PT_makeittalk.draw(panel, bpy_mod.context)
    assert ("op", "makeittalk.render_frames") in log and ("op", "makeittalk.cancel") in log
    assert ("progress", 0.4, "Animating: visemes") in log


def test_start_server_runs_the_installed_server_and_reports_it(bpy_mod, scene):
    from support.serverproc import free_port, server_python

    from makeittalk_blender.blender import preferences, properties, runtime, server_process

    url = f"http://127.0.0.1:{free_port()}"
    _use(url)
    saved = preferences._Defaults.server_python
    preferences._Defaults.server_python = server_python()
    try:
        assert bpy_mod.ops.makeittalk.start_server() == {"FINISHED"}
        st = properties.status()
        stages = set()
        t0 = time.monotonic()
        while runtime.step():
            stages.add(st.stage)
            assert time.monotonic() - t0 < 180
            time.sleep(0.05)
        assert st.error == "" and st.server_ok and "engines ready: Default" in st.message, (st.error, st.message)
        assert "processor" in st.message or "graphics card" in st.message
        assert any("waiting for the server process" in x or "loading its models" in x for x in stages), stages
        assert server_process.running()
    finally:
        preferences._Defaults.server_python = saved
        server_process.stop()
    assert not server_process.running()
