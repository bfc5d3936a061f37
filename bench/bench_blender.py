#!/usr/bin/env python3
"""Blender-side speed: scene build for 60 s of audio at 30 fps (target < 2 s) and render seconds per
frame for each render engine at 512 and 1080 pixels (the portrait's larger side).

    .venv/bin/python bench/bench_blender.py                 # everything (EEVEE in software is slow)
    .venv/bin/python bench/bench_blender.py --quick         # build + Workbench only
    .venv-bpy45/bin/python bench/bench_blender.py --quick   # the same under Blender 4.5

The build is timed on two 60 s tracks: a synthetic one (the dlib rest face of examples/monalisa.jpg with
moving lips, jitter and head) and, with --speech-track, a real engine track of speech repeated to 60 s
(make one with `makeittalk track examples/monalisa.jpg examples/speech.wav -o /tmp/speech.json`). For each
it reports the keys (per frame and curve, the share of curves within 25% of the frames) and the largest
landmark error of the evaluated mesh against the track (sampled frames), in pixels.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))    # support.blender_synth: the evaluated mesh, as the tests read it
PORTRAIT = ROOT / "examples" / "monalisa.jpg"
REST = ROOT / "tests" / "data" / "monalisa_rest.json"
BUILD_TARGET_S = 2.0


def synthetic_track(seconds: float, fps: float):
    from makeittalk_blender.core import trackfile

    d = json.loads(REST.read_text())
    rest = np.asarray(d["landmarks"], dtype=np.float64)
    n = int(math.ceil(seconds * fps))
    t = np.arange(n) / fps
    rng = np.random.default_rng(0)
    frames = np.repeat(rest[None], n, axis=0)
    opening = 12.0 * np.abs(np.sin(2 * math.pi * 2.1 * t)) * (rng.random(n) > 0.2)
    frames[:, [56, 57, 58, 65, 66, 67], 1] += opening[:, None]
    frames[:, 6:11, 1] += 0.6 * opening[:, None]
    frames[:, :, :2] += rng.normal(0, 0.2, frames[:, :, :2].shape)
    pivot = rest[:, :2].mean(axis=0)
    pose = []
    for k in range(n):
        p = {"roll_deg": 3 * math.sin(1.3 * t[k]), "yaw_deg": 0.0, "pitch_deg": 0.0,
             "tx": 2 * math.sin(0.7 * t[k]), "ty": math.cos(0.9 * t[k]), "scale": 1 + 0.01 * math.sin(0.5 * t[k])}
        frames[k] = trackfile.apply_pose(frames[k], p, pivot)
        pose.append(p)
    return trackfile.TrackData(fps=fps, width=int(d["width"]), height=int(d["height"]), rest=rest, frames=frames,
                               head_pose=pose, engine="synthetic", duration_s=seconds)


def silent_wav(path: Path, seconds: float, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        tone = (3000 * np.sin(2 * np.pi * 220 * np.arange(int(seconds * rate)) / rate)).astype("<i2")
        w.writeframes(tone.tobytes())
    return path


def speech_track(path: str, seconds: float = 60.0):
    """A real engine track repeated (head and lips as the engine made them) to `seconds`."""
    from makeittalk_blender.core import trackfile

    t = trackfile.load(path)
    reps = int(math.ceil(seconds * t.fps / t.n_frames))
    n = int(round(seconds * t.fps))
    frames = np.concatenate([t.frames] * reps)[:n]
    pose = (t.head_pose * reps)[:n]
    return trackfile.TrackData(fps=t.fps, width=t.width, height=t.height, rest=t.rest, frames=frames,
                               head_pose=pose, engine=t.engine, params=t.params, duration_s=n / t.fps)


def _mesh_error(bpy, scene, ob, track, step: int = 5) -> float:
    from makeittalk_blender.core import track_math as tm
    from support.blender_synth import evaluated_vertices

    pm = tm.PixelMap(track.width, track.height)
    worst = 0.0
    for f in range(1, track.n_frames + 1, step):
        px = pm.to_pixels(evaluated_vertices(bpy, scene, ob, f)[:68])
        worst = max(worst, float(np.linalg.norm(px - track.frames[f - 1, :, :2], axis=1).max()))
    return worst


def bench_build(bpy, tmp: Path, track, repeats: int = 3) -> dict:
    from makeittalk_blender.blender import scene_builder
    from makeittalk_blender.core import take_plan

    audio = silent_wav(tmp / "sixty.wav", track.n_frames / track.fps)
    times, cpu = [], []
    for _ in range(repeats):
        bpy.ops.wm.read_factory_settings(use_empty=True)
        t0, c0 = time.perf_counter(), time.process_time()
        ob = scene_builder.build_scene(bpy.context.scene, track, str(PORTRAIT), str(audio))
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    t0 = time.perf_counter()
    plan = take_plan.plan_take(track)
    plan_s = time.perf_counter() - t0
    med = statistics.median(times)
    return {"frames": track.n_frames, "engine": track.engine, "build_s_median": round(med, 3),
            "build_s_all": [round(x, 3) for x in times], "build_cpu_s_all": [round(x, 3) for x in cpu],
            "of_which_key_reduction_s": round(plan_s, 3), "load_average": round(os.getloadavg()[0], 2),
            "target_s": BUILD_TARGET_S, "ratio_to_target": round(med / BUILD_TARGET_S, 3),
            "keys": plan.stats, "keys_before": track.n_frames * (136 + 7),
            "mesh_error_px_max": round(_mesh_error(bpy, bpy.context.scene, ob, track), 4),
            "tolerance_px": take_plan.DEFAULT_TOL_PX}


def bench_render(bpy, tmp: Path, engine: str, side: int, frames: int, samples: int) -> dict:
    from makeittalk_blender.blender import compat, scene_builder

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    track = synthetic_track(2.0, 25.0)
    scene_builder.build_scene(scene, track, str(PORTRAIT))
    scene_builder.ensure_camera(scene, track.width, track.height, side)
    compat.set_render_engine(scene, engine)
    if engine == "cycles":
        scene.cycles.device = "CPU"
        scene.cycles.samples = samples
        scene.cycles.use_denoising = False
    elif engine == "eevee":
        scene.eevee.taa_render_samples = samples
    scene.render.image_settings.file_format = "PNG"
    times = []
    for k in range(frames + 1):                       # the first frame warms shaders / kernels up
        scene.frame_set(1 + 5 * k)
        scene.render.filepath = str(tmp / f"{engine}_{side}_{k}.png")
        t0 = time.perf_counter()
        bpy.ops.render.render(write_still=True)
        times.append(time.perf_counter() - t0)
    per = statistics.median(times[1:])
    return {"engine": engine, "size": f"{scene.render.resolution_x}x{scene.render.resolution_y}",
            "first_frame_s": round(times[0], 3), "s_per_frame": round(per, 3), "frames_timed": frames,
            "samples": samples if engine != "workbench" else None}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="scene build and Workbench only")
    ap.add_argument("--engines", default=None, help="comma list of workbench,eevee,cycles")
    ap.add_argument("--sizes", default="512,1080")
    ap.add_argument("--frames", type=int, default=3, help="frames timed per engine and size (after one warm-up)")
    ap.add_argument("--samples", type=int, default=16, help="Cycles / EEVEE samples")
    ap.add_argument("--json", default=None, help="also write the figures here")
    ap.add_argument("--speech-track", default=None, help="a real engine track (.json), repeated to 60 s")
    args = ap.parse_args()

    import bpy
    import makeittalk_blender

    makeittalk_blender.register()
    engines = args.engines.split(",") if args.engines else (["workbench"] if args.quick else
                                                             ["workbench", "cycles", "eevee"])
    out = {"blender": bpy.app.version_string, "cpu_count": os.cpu_count()}
    devnull = os.open(os.devnull, os.O_WRONLY)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        tracks = {"synthetic": synthetic_track(60.0, 30.0)}
        if args.speech_track:
            tracks["speech"] = speech_track(args.speech_track)
        out["build"] = {}
        for name, track in tracks.items():
            b = out["build"][name] = bench_build(bpy, tmp, track)
            k = b["keys"]
            print(f"scene build, {name} 60 s at {track.fps:g} fps ({b['frames']} frames): median "
                  f"{b['build_s_median']} s (key reduction {b['of_which_key_reduction_s']} s; target < "
                  f"{BUILD_TARGET_S} s, ratio {b['ratio_to_target']}); {k['keys']} keys on {k['curves']} curves "
                  f"(was {b['keys_before']}): {100 * k['keys_per_frame_curve']:.1f}% of frames per curve, "
                  f"{100 * k['share_of_curves_within_25pct']:.0f}% of curves within 25%; keys/frames per curve "
                  f"median {100 * k['median_keys_fraction']:.1f}%, p95 {100 * k['p95_keys_fraction']:.1f}%, max "
                  f"{100 * k['max_keys_fraction']:.1f}% ({k['busiest_curve']}); mesh error max "
                  f"{b['mesh_error_px_max']} px (tolerance {b['tolerance_px']})", flush=True)
        out["render"] = []
        for engine in engines:
            for side in (int(s) for s in args.sizes.split(",")):
                saved = os.dup(1)
                os.dup2(devnull, 1)                  # Blender's per-render lines
                try:
                    r = bench_render(bpy, tmp, engine, side, args.frames, args.samples)
                finally:
                    sys.stdout.flush()
                    os.dup2(saved, 1)
                    os.close(saved)
                out["render"].append(r)
                print(f"render {engine:9s} {r['size']:>9s}: {r['s_per_frame']:.3f} s/frame "
                      f"(first frame {r['first_frame_s']:.2f} s, samples {r['samples']})", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    sys.path.insert(0, str(ROOT / "bench"))
    from benchlib import write_result
    write_result("blender_" + bpy.app.version_string.split()[0].replace(".", "_"), out)
    makeittalk_blender.unregister()
    return 0


if __name__ == "__main__":
    sys.exit(main())
