"""`makeittalk animate`: the headless main job end to end (real server, real Blender render, mp4 + .blend)."""

from __future__ import annotations
from support.paths import ROOT

import json
import os
import subprocess

from support.serverproc import server_python
from support.blender_synth import PORTRAIT



def _cli(*args, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS="2")
    return subprocess.run([server_python(), "-m", "makeittalk_server.cli", "animate", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=str(ROOT))


_PROBE = r"""
import av, json, sys
c = av.open(sys.argv[1])
v = c.streams.video[0]
print(json.dumps({"kinds": sorted(s.type for s in c.streams), "w": v.codec_context.width, "h": v.codec_context.height,
                  "frames": sum(1 for _ in c.decode(video=0))}))
"""

_BLEND = r"""
import bpy, json, sys
bpy.ops.wm.open_mainfile(filepath=sys.argv[1])
sc = bpy.context.scene
ob = [o for o in sc.objects if o.get("makeittalk") == "portrait"][0]
print("BLEND " + json.dumps({"fps": sc.render.fps, "end": sc.frame_end, "keys": len(ob.data.shape_keys.key_blocks),
                             "strips": len(sc.sequence_editor.strips_all)}))
"""


def test_animate_writes_mp4_with_audio_and_blend(server, short_speech, tmp_path):
    out = tmp_path / "talk.mp4"
    r = _cli(PORTRAIT, short_speech, "-o", out, "--server", server.url, "--resolution", 128, "--max-frames", 6,
             "--fps", 25, "--still", tmp_path / "still.png")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[animate] using the server" in r.stdout and "rendering frame 6/6" in r.stdout
    assert "Video append" not in r.stdout             # Blender's own per-frame chatter goes to the log
    probe = subprocess.run([server_python(), "-c", _PROBE, str(out)], capture_output=True, text=True, timeout=60)
    info = json.loads(probe.stdout)
    assert info == {"kinds": ["audio", "video"], "w": 128, "h": 128, "frames": 6}
    assert (tmp_path / "still.png").stat().st_size > 1000
    blend = tmp_path / "talk.blend"
    b = subprocess.run([server_python(), "-c", _BLEND, str(blend)], capture_output=True, text=True, timeout=120)
    line = [ln for ln in b.stdout.splitlines() if ln.startswith("BLEND ")]
    assert line, b.stdout + b.stderr
    got = json.loads(line[0][6:])
    from makeittalk_blender.blender import face_keys
    from makeittalk_blender.core import face_rig
    # Basis + the semantic channels + their handle twins + their fitted detail + one residual key per landmark axis
    n_keys = 1 + 2 * len(face_rig.CHANNELS) + len(face_keys.HANDLE_CHANNELS) + 136
    assert got == {"fps": 25, "end": 6, "keys": n_keys, "strips": 1}


def test_animate_refuses_missing_files_plainly(tmp_path):
    r = _cli(tmp_path / "nope.jpg", PORTRAIT, "-o", tmp_path / "x.mp4", timeout=60)
    assert r.returncode == 1
    assert "portrait" in r.stderr and "does not exist" in r.stderr


def test_animate_reports_a_server_error(server, tmp_path):
    bad_audio = tmp_path / "noise.wav"
    bad_audio.write_bytes(b"this is not audio at all" * 10)
    r = _cli(PORTRAIT, bad_audio, "-o", tmp_path / "x.mp4", "--server", server.url, timeout=120)
    assert r.returncode == 1
    assert "makeittalk: error:" in r.stderr and "audio" in r.stderr.lower()
    assert not (tmp_path / "x.mp4").exists()


def test_animate_refuses_a_frame_count_below_one(tmp_path):
    r = _cli(PORTRAIT, PORTRAIT, "-o", tmp_path / "x.mp4", "--max-frames", 0, timeout=60)
    assert r.returncode == 1
    assert "--max-frames must be at least 1" in r.stderr
