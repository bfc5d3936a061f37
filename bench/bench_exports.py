"""Quality and speed of the exports (issue 11), on espeak-ng speech with known phone timing.

    python bench/bench_exports.py [--clips 6] [--fps 30] [--no-engine]

For each clip (held-out voices and sentences of bench/eval_lipsync.py) the default engine makes a
track; the exports are then checked against espeak's own phone timing:
* jaw_r: correlation of the ARKit export's jawOpen with the track's lip gap (lipsync_metrics.gap_curve);
* bilabial: share of p/b/m of 40 ms or more that overlap a closed-mouth cue: Rhubarb 'A' (rhubarb-json)
  and Oculus 'PP' (visemes-json cues);
* pauses: share of pauses of 0.3 s or more whose middle (0.1 s trimmed at each end) is all 'X' / 'sil'.
Three timelines: "engine" (the track as the engine made it: its phones, or, while it gives none, the
cues read off its landmarks), "timed" (the same track given espeak's phones, i.e. what a v2 track
carries when the engine's phones are right) and "synthetic" (a track drawn from known phones).
Speed: every export of a 60 s take (30 fps), best of 3. Results: bench/results/exports.json.
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
for p in (str(HERE), str(ROOT), str(ROOT / "server"), str(ROOT / "tests" / "exports")):
    if p not in sys.path:
        sys.path.insert(0, p)

import lipsync_metrics  # noqa: E402
from makeittalk_blender.core import exports  # noqa: E402
from makeittalk_blender.core.exports import arkit  # noqa: E402

# espeak mnemonics -> ARPAbet for the "timed" timeline (rough is enough: closures and pauses matter)
_ESPEAK = {"p": "P", "b": "B", "m": "M", "f": "F", "v": "V", "T": "TH", "D": "DH", "t": "T", "d": "D",
           "k": "K", "g": "G", "N": "NG", "h": "HH", "tS": "CH", "dZ": "JH", "S": "SH", "Z": "ZH", "s": "S",
           "z": "Z", "n": "N", "l": "L", "r": "R", "w": "W", "j": "Y", "3:": "ER", "3": "ER", "a": "AE",
           "A:": "AA", "aa": "AA", "0": "AA", "V": "AH", "@": "AH", "@2": "AH", "@5": "AH", "O:": "AO",
           "O": "AO", "aU": "AW", "aI": "AY", "E": "EH", "e": "EH", "eI": "EY", "I": "IH", "i": "IY",
           "i:": "IY", "oU": "OW", "OI": "OY", "U": "UH", "u:": "UW", "u": "UW"}


def arpabet(p: str) -> str:
    if lipsync_metrics.is_pause(p):
        return "SIL"
    return _ESPEAK.get(p, _ESPEAK.get(p.rstrip("#;"), "AH"))


def _overlaps(a: float, b: float, spans) -> bool:
    return any(s < b and e > a for s, e in spans)


def _covered(a: float, b: float, spans) -> bool:
    t = a
    for s, e in sorted(spans):
        if s <= t + 1e-6 and e > t:
            t = e
    return t >= b - 1e-6


def score(track, truth, duration) -> dict:
    """truth: [(espeak phone, start, end)]."""
    jaw = arkit.weights(track.channels)[:, arkit.NAMES.index("jawOpen")]
    gap = lipsync_metrics.gap_curve(track.frames)
    jaw_r = float(np.corrcoef(jaw, gap)[0, 1]) if jaw.std() > 0 and gap.std() > 0 else float("nan")
    cues = json.loads(exports.export(track, "rhubarb-json"))["mouthCues"]
    vis = json.loads(exports.export(track, "visemes-json"))["cues"]
    closed_a = [(c["start"], c["end"]) for c in cues if c["value"] == "A"]
    closed_pp = [(c["start"], c["end"]) for c in vis if c["viseme"] == "PP"]
    rest_x = [(c["start"], c["end"]) for c in cues if c["value"] == "X"]
    rest_sil = [(c["start"], c["end"]) for c in vis if c["viseme"] == "sil"]
    bil = [(s, e) for p, s, e in truth if p in lipsync_metrics.BILABIAL and e - s >= 0.04]
    pauses = [(s + 0.1, e - 0.1) for s, e in lipsync_metrics.pauses_of(truth, duration)]
    rate = lambda xs: float(np.mean(xs)) if xs else float("nan")  # noqa: E731
    return {"jaw_r": jaw_r,
            "bilabial_A": rate([_overlaps(s, e, closed_a) for s, e in bil]),
            "bilabial_PP": rate([_overlaps(s, e, closed_pp) for s, e in bil]),
            "pause_X": rate([_covered(s, e, rest_x) for s, e in pauses]),
            "pause_sil": rate([_covered(s, e, rest_sil) for s, e in pauses]),
            "n_bilabial": len(bil), "n_pauses": len(pauses)}


def engine_rows(n_clips: int, fps: float) -> list[dict]:
    import eval_lipsync
    from makeittalk_server import engines, pipeline
    from makeittalk_server.audio import SR, AudioClip
    from makeittalk_server.config import Settings
    from makeittalk_server.params import JobParams

    settings = Settings()
    rest = eval_lipsync.rest_face()
    engines.get("default", settings).warm()
    voices, sentences = eval_lipsync.HELDOUT["voices"], eval_lipsync.HELDOUT["sentences"]
    rows = []
    for k in range(n_clips):
        voice, rate = voices[k % len(voices)]
        si = (k + k // len(voices)) % len(sentences)           # 12 clips: every voice with two sentences
        text = sentences[si]
        x, phones, _ = eval_lipsync.synth(text, voice, rate)
        x = np.r_[np.zeros(int(0.4 * SR), np.float32), x, np.zeros(int(0.5 * SR), np.float32)]
        truth = [(p, s + 0.4, e + 0.4) for p, s, e in phones]
        clip = AudioClip(samples=x, raw=x[:, None], source_sr=SR)
        params = JobParams(fps=fps, rest_landmarks=rest[:, :2].tolist())
        track = pipeline.make_track(clip, None, params, settings, width=512, height=512)
        lm = lipsync_metrics.measure(track.frames, fps, truth, clip.duration_s)
        row = {"voice": voice, "sentence": si, "engine_phones": len(track.phones),
               "landmarks_bilabial_closure": lm["bilabial_closure"], "landmarks_silence_rest": lm["silence_rest"]}
        row["engine"] = score(track, truth, clip.duration_s)
        timed = [{"start": s, "end": e, "phone": arpabet(p), "conf": 1.0} for p, s, e in truth]
        row["timed"] = score(dataclasses.replace(track, phones=timed, channels=track.channels), truth, clip.duration_s)
        rows.append(row)
        print(f"{voice:16s} s{row['sentence']} landmarks closed={lm['bilabial_closure']:.2f} "
              f"rest={lm['silence_rest']:.2f} | engine {_fmt(row['engine'])} | timed {_fmt(row['timed'])}", flush=True)
    return rows


def synthetic_row() -> dict:
    from export_helpers import phone_track

    t = phone_track(repeat=3)
    truth = [({"P": "p", "B": "b", "M": "m", "SIL": "_"}.get(p["phone"], p["phone"].lower()), p["start"], p["end"])
             for p in t.phones]
    return score(t, truth, t.duration_s)


def speed() -> dict:
    from export_helpers import phone_track

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


def _fmt(m: dict) -> str:
    return (f"jaw_r={m['jaw_r']:.3f} A={m['bilabial_A']:.2f} PP={m['bilabial_PP']:.2f} "
            f"X={m['pause_X']:.2f} sil={m['pause_sil']:.2f} (n={m['n_bilabial']}/{m['n_pauses']})")


def _mean(rows, which: str) -> dict:
    keys = ("jaw_r", "bilabial_A", "bilabial_PP", "pause_X", "pause_sil")
    out = {k: round(float(np.nanmean([r[which][k] for r in rows])), 4) for k in keys}
    out["n_bilabial"] = int(sum(r[which]["n_bilabial"] for r in rows))
    out["n_pauses"] = int(sum(r[which]["n_pauses"] for r in rows))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=6)
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--no-engine", action="store_true", help="only the synthetic track and the speed")
    a = ap.parse_args(argv)
    figures = {"synthetic": synthetic_row(), "speed": speed()}
    print("synthetic", _fmt(figures["synthetic"]))
    print("speed (60 s take):", {k: v["seconds"] for k, v in figures["speed"].items() if isinstance(v, dict)})
    if not a.no_engine:
        import espeak_timing

        if not espeak_timing.available():
            print("espeak-ng is not installed: engine rows skipped")
        else:
            rows = engine_rows(a.clips, a.fps)
            figures.update(clips=rows, engine=_mean(rows, "engine"), timed=_mean(rows, "timed"),
                           landmarks_bilabial_closure=float(np.mean([r["landmarks_bilabial_closure"] for r in rows])))
            print("engine", _fmt(figures["engine"]))
            print("timed ", _fmt(figures["timed"]))
    from benchlib import write_result

    print("wrote", write_result("exports", figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
