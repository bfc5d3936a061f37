"""The frames' image-sequence strip in Blender (bpy 5.0 from the venv, and bpy 4.5 from .venv-bpy45 when
present; in a subprocess so the Blender module starts from factory settings): length, start, channel, fps, replacement, errors, and that
rendering the scene outputs the frames."""

from __future__ import annotations
from support.paths import ROOT

import json
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest

SPEECH = ROOT / "examples" / "speech.wav"

pytest.importorskip("bpy", reason="Blender as a Python module (bpy) is not installed in this environment")

SCRIPT = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {root!r})
    import bpy
    bpy.ops.wm.read_factory_settings(use_empty=True)
    from makeittalk_blender.blender import compat, frames_strip, sound
    from makeittalk_blender.core.frames import FramesError

    frames_dir, bad_dir, render_to = {frames!r}, {bad!r}, {render_to!r}
    out = {{}}
    scene = bpy.context.scene
    scene.frame_start = 1

    def describe(s):
        return {{"channel": s.channel, "start": s.frame_final_start, "end": s.frame_final_end,
                 "duration": s.frame_final_duration, "elements": len(s.elements),
                 "first": s.elements[0].filename, "last": s.elements[-1].filename, "type": s.type}}

    snd = sound.add_sound_strip(scene, {speech!r}, frame_start=1, channel=1)
    s = frames_strip.add_frames_strip(scene, frames_dir, fps=62.5)
    out["with_sound_ch1"] = describe(s)
    out["fps"] = compat.scene_fps(scene)
    out["resolution"] = [scene.render.resolution_x, scene.render.resolution_y]
    out["frame_end"] = scene.frame_end
    out["sound_start"] = snd.frame_final_start

    # the sound moved to channel 3 and frame 11: the frames follow it, on the channel below
    snd.channel = 3
    snd.frame_start = 11
    s = frames_strip.add_frames_strip(scene, frames_dir)
    out["with_sound_ch3"] = describe(s)
    out["n_frames_strips"] = sum(1 for x in compat.all_strips(scene) if x.get("makeittalk") == "frames")
    s = frames_strip.add_frames_strip(scene, frames_dir, frame_start=5, channel=6)
    out["explicit"] = describe(s)

    try:
        frames_strip.add_frames_strip(scene, bad_dir)
        out["bad"] = "no error"
    except FramesError as e:
        out["bad"] = str(e)
    try:
        frames_strip.add_frames_strip(scene, frames_dir + "_nope")
        out["missing"] = "no error"
    except FramesError as e:
        out["missing"] = str(e)

    # Rendering the scene at its 3rd frame outputs the 3rd image through Blender's pipeline.
    for x in list(compat.all_strips(scene)):
        if x.get("makeittalk") == "audio":
            compat.strips(scene).remove(x)
    frames_strip.add_frames_strip(scene, frames_dir, frame_start=1)
    scene.frame_set(3)
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = render_to
    bpy.ops.render.render(write_still=True)
    print("RESULT" + json.dumps(out))
""")


def _png(path, value, w=48, h=32):
    img = np.zeros((h, w, 3), np.uint8)
    img[:, :, 0] = value
    img[:, :, 1] = np.arange(w, dtype=np.uint8)[None, :] * 4
    img[:, :, 2] = 200 - value
    cv2.imwrite(str(path), img)


def _interpreters():
    """The venv's bpy (5.0) and, when the repository has it, the Blender 4.5 venv (compat check)."""
    out = [pytest.param(sys.executable, id="bpy-venv")]
    old = ROOT / ".venv-bpy45" / "bin" / "python"
    out.append(pytest.param(str(old), id="bpy-4.5", marks=pytest.mark.skipif(
        not old.is_file(), reason="no .venv-bpy45 (Blender 4.5 as a module) in this checkout")))
    return out


@pytest.fixture(scope="module", params=_interpreters())
def blender_result(tmp_path_factory, request):
    base = tmp_path_factory.mktemp("strip")
    frames, bad = base / "frames", base / "bad"
    frames.mkdir()
    bad.mkdir()
    for k in range(1, 13):
        _png(frames / f"frame_{k:06d}.png", 10 * k)
    for k in (1, 2, 3, 5):                       # frame 4 missing
        _png(bad / f"frame_{k:06d}.png", 10 * k)
    script = SCRIPT.format(root=str(ROOT), frames=str(frames), bad=str(bad), render_to=str(base / "render.png"),
                           speech=str(SPEECH))
    proc = subprocess.run([request.param, "-c", script], capture_output=True, text=True, timeout=240)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT"):]), base


def test_strip_length_start_and_fps(blender_result):
    r, _ = blender_result
    s = r["with_sound_ch1"]
    assert s["type"] == "IMAGE"
    assert s["duration"] == 12 and s["elements"] == 12
    assert s["start"] == r["sound_start"] == 1
    assert (s["first"], s["last"]) == ("frame_000001.png", "frame_000012.png")
    assert abs(r["fps"] - 62.5) < 1e-4
    assert r["resolution"] == [48, 32]
    assert r["frame_end"] >= 12
    assert s["channel"] == 2            # channel 1 holds the sound and there is no channel 0


def test_strip_follows_the_sound_and_is_replaced(blender_result):
    r, _ = blender_result
    s = r["with_sound_ch3"]
    assert s["start"] == 11 and s["end"] == 23 and s["channel"] == 2
    assert r["n_frames_strips"] == 1
    e = r["explicit"]
    assert e["start"] == 5 and e["channel"] == 6 and e["duration"] == 12


def test_missing_or_absent_frames_give_a_clear_error(blender_result):
    r, _ = blender_result
    assert "missing frame(s) 4" in r["bad"]
    assert "does not exist" in r["missing"]


def test_rendering_the_scene_outputs_the_frame(blender_result):
    _, base = blender_result
    out = cv2.imread(str(base / "render.png"))
    expected = cv2.imread(str(base / "frames" / "frame_000003.png"))
    assert out is not None and out.shape == expected.shape
    assert np.abs(out.astype(int) - expected).max() <= 2
