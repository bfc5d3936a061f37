"""Renderer benchmark (issue 13's figures): warp frames per second at several sizes; the warp against an
independent slow reference and against Blender's render of the add-on's scene for the same track (the
two share one mesh layout); the rest frame against the portrait at several sizes; the mouth's
saturation on a black-and-white portrait. Writes bench/results/render.json (benchlib).

    python bench/bench_render.py                 # everything (a few minutes on 2 loaded cores)
    python bench/bench_render.py --no-blender    # skip the Blender comparison
    python bench/bench_render.py --frames 120    # more frames per size
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from benchlib import write_result  # noqa: E402
from support.render_figures import (blender_frames, inner_mouth_mask, rest_frame_error, saturation,  # noqa: E402
                            talking_frames, variants)
from support.render_helpers import portrait, rest, talking_track, track_of  # noqa: E402

from makeittalk_server.renderers import raster  # noqa: E402
from makeittalk_server.renderers.warp import WarpPlan  # noqa: E402

TARGETS = {512: 60.0, 1080: 15.0}


def bench_fps(n_frames: int, device: str | None = None) -> list[dict]:
    track = talking_track(n=n_frames, fps=30.0)
    img = portrait()
    rows = []
    for w, h in ((512, 512), (1080, 1080), (1920, 1080)):
        plan = WarpPlan(track, img, w, h, device=device)
        plan.frame(0)                                  # warm-up
        times = []
        cpu0, t_all = time.process_time(), time.perf_counter()
        t0 = t_all
        for _frame in plan.frames():                   # the renderer's own loop (maps prefetched)
            t1 = time.perf_counter()
            times.append(t1 - t0)
            t0 = t1
        cpu = (time.process_time() - cpu0) / n_frames
        dt = float(np.mean(times))
        target = TARGETS.get(min(w, h))
        rows.append({"size": f"{w}x{h}", "ms_per_frame": round(dt * 1000, 2), "fps": round(1 / dt, 1),
                     "median_ms": round(float(np.median(times)) * 1000, 2),
                     "cpu_ms": round(cpu * 1000, 2),
                     "target_fps": target, "ratio_to_target": round(1 / dt / target, 2) if target else None})
    return rows


def bench_work(n_frames: int) -> list[dict]:
    """CPU time per frame with everything on one thread (OpenCV threads 1, no prefetch): the work itself,
    which other processes inflate far less than wall time. The median frame is reported (a loaded
    machine makes the mean noisy); 1 / this ~ fps of one idle core."""
    track = talking_track(n=n_frames, fps=30.0)
    img = portrait()
    rows = []
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        for w, h in ((512, 512), (1080, 1080), (1920, 1080)):
            plan = WarpPlan(track, img, w, h)
            plan.frame(0)
            cpu = []
            for k in range(n_frames):
                c0 = time.process_time()
                plan.frame(k)
                cpu.append(time.process_time() - c0)
            med = float(np.median(cpu))
            rows.append({"size": f"{w}x{h}", "cpu_ms": round(med * 1000, 2), "cpu_ms_mean": round(float(np.mean(cpu)) * 1000, 2),
                         "one_core_fps": round(1 / med, 1)})
    finally:
        cv2.setNumThreads(threads)
    return rows


def reference_frame(plan: WarpPlan, k: int) -> np.ndarray:
    """The same warp computed independently and slowly: for each triangle, a barycentric inside-test
    of the pixels in its bounding box, and the same weights applied to the rest triangle."""
    dst, tris = plan.vertices(k), plan.mesh.tris
    src = plan.sources(k, dst)                                   # per triangle corner
    h, w = plan.height, plan.width
    mx = np.tile(np.arange(w, dtype=np.float64), (h, 1))
    my = np.tile(np.arange(h, dtype=np.float64)[:, None], (1, w))
    done = np.zeros((h, w), bool)
    for t, s in zip(tris, src):
        a, b, c = dst[t]
        x0, y0 = np.maximum(np.floor(dst[t].min(axis=0)).astype(int), 0)
        x1, y1 = np.minimum(np.ceil(dst[t].max(axis=0)).astype(int), [w - 1, h - 1])
        if x1 < x0 or y1 < y0:
            continue
        ys, xs = np.mgrid[y0:y1 + 1, x0:x1 + 1]
        den = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1])
        if abs(den) < 1e-12:
            continue
        l1 = ((b[1] - c[1]) * (xs - c[0]) + (c[0] - b[0]) * (ys - c[1])) / den
        l2 = ((c[1] - a[1]) * (xs - c[0]) + (a[0] - c[0]) * (ys - c[1])) / den
        l3 = 1 - l1 - l2
        inside = (l1 >= -1e-9) & (l2 >= -1e-9) & (l3 >= -1e-9) & ~done[ys, xs]
        mx[ys[inside], xs[inside]] = (l1 * s[0, 0] + l2 * s[1, 0] + l3 * s[2, 0])[inside]
        my[ys[inside], xs[inside]] = (l1 * s[0, 1] + l2 * s[1, 1] + l3 * s[2, 1])[inside]
        done[ys[inside], xs[inside]] = True
    out = raster.warp(plan.atlas, mx.astype(np.float32), my.astype(np.float32))
    if plan.teeth is not None:                                   # the teeth strips, as the renderer draws them
        plan.teeth.paint(out, plan.atlas, dst)
    return out


def mouth_mask(points: np.ndarray, shape, grow: int) -> np.ndarray:
    m = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(m, [np.round(points[48:60]).astype(np.int32)], 1)
    return cv2.dilate(m, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)).astype(bool)


def bench_reference(size: int, frames=(0, 4, 8)) -> dict:
    track = talking_track(n=max(frames) + 1)
    plan = WarpPlan(track, portrait(), size, size)
    mads, worst = [], 0
    for k in frames:
        a = plan.frame(k).astype(np.float64)
        b = reference_frame(plan, k).astype(np.float64)
        mads.append(float(np.abs(a - b).mean()))
        worst = max(worst, int(np.abs(a - b).max()))
    return {"size": f"{size}x{size}", "frames": list(frames), "mad": round(float(np.mean(mads)), 4), "max": worst}


def bench_blender(size: int, frames=(0, 3, 6, 9), aa: str | None = None, track=None) -> dict:
    """Warp vs Blender (Workbench, the add-on's scene of the same track, dense vertices coupled to
    their landmarks as the warp moves them), mean abs difference in levels."""
    track = track or talking_track(n=max(frames) + 1)
    plan = WarpPlan(track, portrait(), size, size)
    got = blender_frames(track, size, frames, aa=aa)
    if isinstance(got, str):
        return {"error": got}
    rows = []
    for k, b in zip(frames, got):
        a = plan.frame(k).astype(np.float64)
        if a.shape != b.shape:
            return {"error": f"Blender rendered {b.shape}, warp {a.shape}"}
        diff = np.abs(a - b)
        mouth = mouth_mask(plan.vertices(k)[:68], a.shape, grow=max(2, size // 128))
        rows.append((float(diff.mean()), float(diff[mouth].mean()) if mouth.any() else 0.0, int(diff.max())))
    return {"size": f"{size}x{size}", "frames": list(frames), "anti_aliasing": aa or "add-on default",
            "mad": round(float(np.mean([r[0] for r in rows])), 3),
            "mad_mouth": round(float(np.mean([r[1] for r in rows])), 3),
            "per_frame": [round(r[0], 3) for r in rows], "max": max(r[2] for r in rows)}


def bench_rest() -> list[dict]:
    img = portrait()
    return [{"size": f"{w}x{h}", "mad": round(rest_frame_error(img, w, h), 4)}
            for w, h in ((256, 256), (512, 512), (1080, 1080), (400, 300), (160, 200))]


def bench_grey_mouth() -> dict:
    img = variants()["bw photo"]
    r = rest()
    f = talking_frames(7)
    plan = WarpPlan(track_of(f, r), img)
    sats = []
    for k in range(2, 5):
        m = inner_mouth_mask(f[k], img.shape)
        sats.append(float(saturation(plan.frame(k)[m]).mean()))
    return {"portrait_mean_saturation": round(float(saturation(img).mean()), 4),
            "open_mouth_saturation": round(float(np.mean(sats)), 4)}


def contact_sheet(path: Path, cell: int = 220) -> Path:
    """Rows: the portrait variants; columns: rest, talking (two openings), a blink, head turns — the warp
    at 512 px, cropped to the face."""
    from support.render_figures import blink_frames, turn_frames

    r = rest()
    talk = talking_frames(5)
    blink = blink_frames(r, (1.0,))
    turns, turn_poses = turn_frames(r, ((-10, 0), (10, 4)))
    frames = [r, talk[1], talk[2], blink[0]] + turns
    poses = [None] * 4 + turn_poses
    labels = ["rest", "talking", "open", "blink", "yaw -10", "yaw 10, pitch 4"]
    from support.render_helpers import IDENTITY_POSE

    track = track_of(frames, r, [p or dict(IDENTITY_POSE) for p in poses])
    lo, hi = r.min(axis=0) * 2, r.max(axis=0) * 2
    c = (lo + hi) / 2 - [0, 20]
    side = int(max(hi - lo) * 1.35)
    x0, y0 = int(c[0] - side / 2), int(c[1] - side / 2)
    rows = []
    for name, img in variants().items():
        plan = WarpPlan(track, img, 512, 512)
        cells = []
        for k in range(len(frames)):
            f = plan.frame(k)[max(y0, 0):y0 + side, max(x0, 0):x0 + side]
            f = cv2.resize(f, (cell, cell), interpolation=cv2.INTER_AREA)
            cv2.putText(f, f"{name}: {labels[k]}", (6, cell - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1,
                        cv2.LINE_AA)
            cells.append(f)
        rows.append(np.concatenate(cells, axis=1))
    sheet = np.concatenate(rows, axis=0)
    cv2.imwrite(str(path), sheet[:, :, ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--no-blender", action="store_true")
    ap.add_argument("--sheet", action="store_true", help="only write examples/contact_sheet.png")
    args = ap.parse_args()
    if args.sheet:
        print("wrote", contact_sheet(ROOT / "examples" / "contact_sheet.png"))
        return 0
    print("renderer benchmark; opencv threads", cv2.getNumThreads())
    if hasattr(os, "getloadavg"):
        print("load average before (1, 5, 15 min):", ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    figures: dict = {"load_avg_before": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None}
    print("\n-- warp renderer speed (talking track with head motion, Mona Lisa portrait, 2 threads)")
    figures["speed"] = bench_fps(args.frames)
    for r in figures["speed"]:
        ratio = f"  ratio to target {r['ratio_to_target']:.2f}x (target {r['target_fps']:g} fps)" if r["target_fps"] else ""
        print(f"warp {r['size']:>9}: {r['ms_per_frame']:6.2f} ms/frame  {r['fps']:6.1f} fps  (median "
              f"{r['median_ms']:.2f} ms; CPU time {r['cpu_ms']:.2f} ms/frame){ratio}")
    print("\n-- the same work on one thread, as CPU time (less sensitive than wall time to other processes)")
    figures["cpu_one_thread"] = bench_work(min(args.frames, 40))
    for r in figures["cpu_one_thread"]:
        print(f"warp {r['size']:>9}: {r['cpu_ms']:6.2f} ms CPU/frame (median; mean {r['cpu_ms_mean']:.2f}) on one "
              f"thread = {r['one_core_fps']:6.1f} fps on one idle core")
    try:
        import torch

        cuda = torch.cuda.is_available()
    except ImportError:
        cuda = False
    if cuda:
        print(f"\n-- warp renderer speed on the GPU ({torch.cuda.get_device_name(0)}; torch grid_sample)")
        figures["speed_gpu"] = bench_fps(args.frames, device="cuda")
        for r in figures["speed_gpu"]:
            print(f"warp {r['size']:>9}: {r['ms_per_frame']:6.2f} ms/frame  {r['fps']:6.1f} fps")
    else:
        print("\n(no CUDA GPU here: the GPU path of the warp was not measured)")
    print("\n-- agreement with an independent reference (per-triangle barycentric inside-test, slow loop)")
    r = figures["reference"] = bench_reference(256)
    print(f"warp vs reference {r['size']}: mean abs diff {r['mad']:.4f} / 255, max {r['max']} (frames {r['frames']})")
    print("\n-- rest frame vs the portrait (area filter down, bilinear up); target <= 0.5 / 255")
    figures["rest_frame"] = bench_rest()
    for r in figures["rest_frame"]:
        print(f"rest frame {r['size']:>9}: mean abs diff {r['mad']:.4f} / 255")
    print("\n-- open mouth on a black-and-white portrait: mean HSV saturation (target: mouth <= portrait)")
    r = figures["grey_mouth"] = bench_grey_mouth()
    print(f"portrait {r['portrait_mean_saturation']:.4f}, open mouth {r['open_mouth_saturation']:.4f}")
    if not args.no_blender:
        print("\n-- warp vs Blender's render of the add-on's scene (Workbench, same track); target <= 1 / 255 at 512")
        figures["blender"] = []
        for size, aa in ((512, None), (512, "OFF"), (256, None)):
            r = bench_blender(size, aa=aa)
            if "error" in r:
                print(f"blender comparison failed: {r['error']}")
                break
            figures["blender"].append(r)
            print(f"warp vs Blender {r['size']} (anti-aliasing {r['anti_aliasing']}): mean abs diff {r['mad']:.3f} / 255 "
                  f"(mouth region {r['mad_mouth']:.3f}; per frame {r['per_frame']}; max {r['max']})")
        from support.render_figures import blink_frames

        r = figures["blender_blink"] = bench_blender(512, (0, 1, 2), track=track_of(blink_frames(rest()), rest()))
        if "error" not in r:
            print(f"warp vs Blender {r['size']}, a blink (open, half, shut): mean abs diff {r['mad']:.3f} / 255 "
                  f"(per frame {r['per_frame']})")
    print("\nwrote", write_result("render", figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
