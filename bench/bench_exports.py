"""Quality and speed of the exports (issue 11), on the team's speech sets with phone timing.

    python bench/bench_exports.py [--clips 12] [--real 0] [--fps 30] [--no-engine] [--apply]

For each held-out clip of the team's speech sets with phone timing (bench/speech_sets: en_synth, espeak
and festival voices with exact timing; real_read, read speech with a careful alignment) the default
engine makes a track; the exports are then checked against the reference phones:
* jaw_r: correlation of the ARKit export's jawOpen with the track's lip gap (lipsync_metrics.gap_curve);
* bilabial: share of p/b/m of 40 ms or more that overlap a closed-mouth cue: Rhubarb 'A' (rhubarb-json)
  and Oculus 'PP' (visemes-json cues);
* pauses: share of pauses of 0.3 s or more whose middle (0.1 s trimmed at each end) is all 'X' / 'sil'.
Three timelines: "engine" (the track as the engine made it: its phones, or, while it gives none, the
cues read off its landmarks), "timed" (the same track given the reference phones, one ARPAbet phone
per mouth class, i.e. what a v2 track carries when the engine's phones are right) and "synthetic" (a
track drawn from known phones).
Speed: every export of a 60 s take (30 fps), best of 3; with --apply, Apply to character of that take
onto a mesh with the 52 ARKit keys in real Blender (bpy). Results: bench/results/exports.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(HERE), str(ROOT), str(ROOT / "server"), str(ROOT / "tests")):
    if p not in sys.path:
        sys.path.insert(0, p)

import lipsync_metrics  # noqa: E402
from makeittalk_blender.core import exports  # noqa: E402
from makeittalk_blender.core.exports import arkit  # noqa: E402

# the reference phones' mouth class -> one ARPAbet phone of that class, for the "timed" timeline
CLASS_ARPA = {"bil": "P", "open": "AA", "schwa": "AH", "mid": "EH", "close": "IY", "fv": "F", "cons": "T",
              "sil": "SIL"}


def _overlaps(a: float, b: float, spans) -> bool:
    return any(s < b and e > a for s, e in spans)


def _covered(a: float, b: float, spans) -> bool:
    t = a
    for s, e in sorted(spans):
        if s <= t + 1e-6 and e > t:
            t = e
    return t >= b - 1e-6


def score(track, truth, duration) -> dict:
    """truth: [(label, start, end, class)] (bench/speech_sets' reference phones)."""
    jaw = arkit.weights(track.channels)[:, arkit.NAMES.index("jawOpen")]
    gap = lipsync_metrics.gap_curve(track.frames)
    jaw_r = float(np.corrcoef(jaw, gap)[0, 1]) if jaw.std() > 0 and gap.std() > 0 else float("nan")
    cues = json.loads(exports.export(track, "rhubarb-json"))["mouthCues"]
    vis = json.loads(exports.export(track, "visemes-json"))["cues"]
    closed_a = [(c["start"], c["end"]) for c in cues if c["value"] == "A"]
    closed_pp = [(c["start"], c["end"]) for c in vis if c["viseme"] == "PP"]
    rest_x = [(c["start"], c["end"]) for c in cues if c["value"] == "X"]
    rest_sil = [(c["start"], c["end"]) for c in vis if c["viseme"] == "sil"]
    bil = [(s, e) for _, s, e, c in truth if c == "bil" and e - s >= 0.04]
    pauses = [(s + 0.1, e - 0.1) for s, e in lipsync_metrics.pauses_of(truth, duration)]
    rate = lambda xs: float(np.mean(xs)) if xs else float("nan")  # noqa: E731
    return {"jaw_r": jaw_r,
            "bilabial_A": rate([_overlaps(s, e, closed_a) for s, e in bil]),
            "bilabial_PP": rate([_overlaps(s, e, closed_pp) for s, e in bil]),
            "pause_X": rate([_covered(s, e, rest_x) for s, e in pauses]),
            "pause_sil": rate([_covered(s, e, rest_sil) for s, e in pauses]),
            "n_bilabial": len(bil), "n_pauses": len(pauses)}


def engine_rows(sets: dict, fps: float) -> list[dict]:
    """sets: {set name: how many held-out clips (0 = all)}."""
    import eval_lipsync
    import speech_data
    from makeittalk_server import engines, pipeline
    from makeittalk_server.audio import SR, AudioClip
    from makeittalk_server.config import Settings
    from makeittalk_server.params import JobParams

    settings = Settings()
    rest = eval_lipsync.rest_face()
    engines.get("default", settings).warm()
    rows = []
    for name, limit in sets.items():
        clips = speech_data.clips(name, "heldout")
        for clip_ in clips[:limit or None]:
            x = clip_.samples()
            clip = AudioClip(samples=x, raw=x[:, None], source_sr=SR)
            truth = lipsync_metrics.classed(clip_.phones)
            params = JobParams(fps=fps, rest_landmarks=rest[:, :2].tolist())
            track = pipeline.make_track(clip, None, params, settings, width=512, height=512)
            lm = lipsync_metrics.measure(track.frames, fps, truth, clip.duration_s)
            row = {"set": name, "clip": clip_.id, "engine_phones": len(track.phones),
                   "landmarks_bilabial_closure": lm["bilabial_closure"], "landmarks_silence_rest": lm["silence_rest"]}
            row["engine"] = score(track, truth, clip.duration_s)
            timed = [{"start": s, "end": e, "phone": CLASS_ARPA.get(c, "T"), "conf": 1.0} for _, s, e, c in truth]
            row["timed"] = score(dataclasses.replace(track, phones=timed, channels=track.channels), truth,
                                 clip.duration_s)
            rows.append(row)
            print(f"{clip_.id:28s} landmarks closed={lm['bilabial_closure']:.2f} rest={lm['silence_rest']:.2f} | "
                  f"engine {_fmt(row['engine'])} | timed {_fmt(row['timed'])}", flush=True)
    return rows


def synthetic_row() -> dict:
    from support.export_helpers import phone_track

    t = phone_track(repeat=3)
    classes = {"P": "bil", "B": "bil", "M": "bil", "SIL": "sil"}
    truth = [(p["phone"], p["start"], p["end"], classes.get(p["phone"], "cons")) for p in t.phones]
    return score(t, truth, t.duration_s)


def speed() -> dict:
    from support.export_helpers import phone_track

    take = phone_track(repeat=20)
    out = {"take_s": round(take.duration_s, 2), "frames": take.n_frames}
    for fmt in exports.FORMATS:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            data = exports.export(take, fmt)
            best = min(best, time.perf_counter() - t0)
        out[fmt] = {"seconds": round(best, 4), "bytes": len(data)}
    return out


def apply_speed(tmp: Path) -> dict:
    """Apply to character in real Blender (bpy): a 60 s take onto a mesh with all 52 ARKit keys."""
    import bpy

    import makeittalk_blender
    from support.export_helpers import phone_track

    sys.path.insert(0, str(ROOT / "tests"))
    from support.character_helpers import mesh_with_keys, settings

    makeittalk_blender.register()
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    take = phone_track(repeat=20)
    path = tmp / "take60.json"
    take.save(path)
    ob = mesh_with_keys(bpy, scene, list(arkit.NAMES))
    settings(scene, ob, path)
    bpy.ops.makeittalk.character_map()
    t0 = time.perf_counter()
    bpy.ops.makeittalk.character_apply()
    seconds = time.perf_counter() - t0
    from makeittalk_blender.blender import properties

    return {"seconds": round(seconds, 3), "take_s": round(take.duration_s, 2), "message": properties.status().message}


def _fmt(m: dict) -> str:
    return (f"jaw_r={m['jaw_r']:.3f} A={m['bilabial_A']:.2f} PP={m['bilabial_PP']:.2f} "
            f"X={m['pause_X']:.2f} sil={m['pause_sil']:.2f} (n={m['n_bilabial']}/{m['n_pauses']})")


def _mean(rows, which: str) -> dict:
    """jaw_r: mean over clips; the rates pooled over all p/b/m and pauses of the rows."""
    out = {"jaw_r": round(float(np.nanmean([r[which]["jaw_r"] for r in rows])), 4)}
    for key, n in (("bilabial_A", "n_bilabial"), ("bilabial_PP", "n_bilabial"), ("pause_X", "n_pauses"),
                   ("pause_sil", "n_pauses")):
        hits = sum(r[which][key] * r[which][n] for r in rows if r[which][n])
        total = sum(r[which][n] for r in rows)
        out[key] = round(hits / total, 4) if total else float("nan")
    out["n_bilabial"] = int(sum(r[which]["n_bilabial"] for r in rows))
    out["n_pauses"] = int(sum(r[which]["n_pauses"] for r in rows))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=12, help="held-out clips of en_synth (0: all 42)")
    ap.add_argument("--real", type=int, default=0, help="held-out clips of real_read (0: all 11)")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--no-engine", action="store_true", help="only the synthetic track and the speed")
    ap.add_argument("--apply", action="store_true", help="also time Apply to character in bpy (needs bpy)")
    a = ap.parse_args(argv)
    figures = {"synthetic": synthetic_row(), "speed": speed()}
    print("synthetic", _fmt(figures["synthetic"]))
    print("speed (60 s take):", {k: v["seconds"] for k, v in figures["speed"].items() if isinstance(v, dict)})
    if a.apply:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            figures["apply_to_character_60s"] = apply_speed(Path(tmp))
        print("apply to character, 60 s take, 52 keys:", figures["apply_to_character_60s"]["seconds"], "s")
    if not a.no_engine:
        rows = engine_rows({"en_synth": a.clips, "real_read": a.real}, a.fps)
        for name in ("en_synth", "real_read"):
            part = [r for r in rows if r["set"] == name]
            if part:
                figures[name] = {"clips": len(part), "engine": _mean(part, "engine"), "timed": _mean(part, "timed"),
                                 "landmarks_bilabial_closure": float(np.nanmean([r["landmarks_bilabial_closure"] for r in part])),
                                 "landmarks_silence_rest": float(np.nanmean([r["landmarks_silence_rest"] for r in part]))}
                print(name, "engine", _fmt(figures[name]["engine"]))
                print(name, "timed ", _fmt(figures[name]["timed"]))
        figures["clips"] = rows
    from benchlib import write_result

    print("wrote", write_result("exports", figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
