"""A line's optional outputs: an mp4 through the warp renderer (with the speech) and a .blend built by
the add-on's scene builder, ready for `blender -b LINE.blend --render-anim` or a Flamenco job."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support.batch_helpers import cli_env, write_csv

from makeittalk_server.batch.runner import Options, run_batch

pytest.importorskip("bpy", reason="Blender as a module (bpy) is not installed in this Python")

PEEK = """
import bpy, json, sys
bpy.ops.wm.open_mainfile(filepath=sys.argv[1])
s = bpy.context.scene
strips = getattr(s.sequence_editor, "strips_all", None) or s.sequence_editor.sequences_all
print(json.dumps({"objects": sorted(o.name for o in s.objects), "frames": [s.frame_start, s.frame_end],
                  "sounds": [st.type for st in strips], "fps": s.render.fps / s.render.fps_base,
                  "out": s.render.filepath}))
"""


def test_mp4_and_blend(media, tmp_path):
    import av

    m = write_csv(media / "m.csv", "id,portrait,audio,fps,rest_landmarks,render,blend",
                  ["one,face.jpg,papa.wav,25,rest.json,warp,yes"])
    out = tmp_path / "out"
    rep = run_batch(m, out, Options(workers=1, quiet=True))
    assert rep["counts"]["done"] == 1, rep["lines"][0]["reason"]
    outputs = rep["lines"][0]["outputs"]
    assert outputs["mp4"] == "one/one.mp4" and outputs["blend"] == "one/one.blend"
    n_frames = json.loads((out / "one" / "track.json").read_text())["n_frames"]
    with av.open(str(out / outputs["mp4"])) as c:
        assert {s.type for s in c.streams} == {"video", "audio"}
        assert sum(1 for _ in c.decode(video=0)) == n_frames
    p = subprocess.run([sys.executable, "-c", PEEK, str(out / outputs["blend"])], capture_output=True, text=True,
                       env=cli_env(), timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    info = json.loads(p.stdout.strip().splitlines()[-1])
    assert "MIT Portrait" in info["objects"] and "SOUND" in info["sounds"]
    assert info["frames"] == [1, n_frames] and info["fps"] == 25
    assert info["out"] == "//one.mp4"
