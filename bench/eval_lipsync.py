"""Lip-sync quality of the default engine on espeak-ng speech with known phone timing.

    python bench/eval_lipsync.py [--set heldout|tune|all] [--fps 30] [--json out.json]

Tuning sentences/voices and held-out ones are kept apart: figures for the README come from the
held-out set (other voices, rates and sentences than the ones the engine was tuned on).
Needs espeak-ng's library (dev machines only); says so and exits when it is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import espeak_timing  # noqa: E402
import lipsync_metrics  # noqa: E402
import real_speech  # noqa: E402

TUNE = {
    "voices": [("en-us", 165), ("en-us+f4", 190)],
    "sentences": [
        "Hello father, the cat bought a cup of hot coffee. My house is round; I saw a boy.",
        "Peter Piper picked a peck of pickled peppers. Bob made a map of the big bay.",
        "Five very fine wives moved to the far valley. Why not stop now?",
        "My mother bought a lamp at the market. Papa paid, and we all went home happy.",
    ],
}
HELDOUT = {
    "voices": [("en", 150), ("en-us+f3", 175), ("en-gb-scotland", 140), ("en-029", 185),
               ("en-us+m4", 200), ("en-gb-x-rp+f2", 160)],
    "sentences": [
        "A big brown bear ambled past the pond. Maybe the poor mammal was hungry.",
        "Please bring my umbrella tomorrow morning. The April rain has been heavy all week.",
        "Bob and Pam came home by bus. Then they had a warm bowl of pumpkin soup.",
        "Our captain sailed across the harbour at dawn. By noon, the ship had passed the marble bridge.",
        "Maybe it is time to buy a bigger boat. I'd spend my summers on the ocean.",
        "The baby happily grabbed a plump apple. Mom laughed, and poured a mug of milk.",
    ],
}

FACE = Path(__file__).resolve().parents[1] / "examples" / "monalisa.jpg"


def rest_face():
    from makeittalk_server import image, landmarks
    from makeittalk_server.config import Settings

    return landmarks.detect(image.decode(FACE.read_bytes()), Settings()).landmarks


_SYNTH_CACHE: dict = {}


def synth(text, voice, rate):
    """espeak-ng output varies a little from call to call; within one process, compare like with like."""
    key = (text, voice, rate)
    if key not in _SYNTH_CACHE:
        _SYNTH_CACHE[key] = espeak_timing.synth(text, voice, rate)
    return _SYNTH_CACHE[key]


def run(which: str, fps: float, modes=("recognised", "transcript"), limit: int | None = None):
    from makeittalk_server import engines, pipeline
    from makeittalk_server.audio import SR, AudioClip
    from makeittalk_server.config import Settings
    from makeittalk_server.params import JobParams

    settings = Settings()
    rest = rest_face()
    engines.get("default", settings).warm()
    sets = {"tune": [TUNE], "heldout": [HELDOUT], "all": [TUNE, HELDOUT]}[which]
    rows = []
    for cfg in sets:
        for vi, (voice, rate) in enumerate(cfg["voices"]):
            for si, text in enumerate(cfg["sentences"]):
                if limit and si >= limit:
                    break
                x, phones, dur = synth(text, voice, rate)
                x = np.r_[np.zeros(int(0.4 * SR), np.float32), x, np.zeros(int(0.5 * SR), np.float32)]
                phones = [(p, s + 0.4, e + 0.4) for p, s, e in phones]
                clip = AudioClip(samples=x, raw=x[:, None], source_sr=SR)
                for mode in modes:
                    params = JobParams(fps=fps, rest_landmarks=rest[:, :2].tolist(),
                                       transcript=text if mode == "transcript" else None)
                    t0 = time.perf_counter()
                    track = pipeline.make_track(clip, None, params, settings, width=512, height=512)
                    el = time.perf_counter() - t0
                    m = lipsync_metrics.measure(track.frames, fps, phones, clip.duration_s)
                    m2 = lipsync_metrics.measure(track.frames, fps, phones, clip.duration_s, include_schwa=False)
                    m["open_vowel_opening_no_schwa"] = m2["open_vowel_opening"]
                    m.update(voice=voice, rate=rate, sentence=si, mode=mode, how=track.params["info"]["phones"],
                             seconds=round(el, 3), audio_s=round(clip.duration_s, 2))
                    rows.append(m)
                    print(f"{voice:16s} {rate:3d} s{si} {mode:10s} {m['how']:17s} bil={m['bilabial_closure']:.2f} "
                          f"({m['n_bilabial']}) open={m['open_vowel_opening']:.2f} "
                          f"noschwa={m['open_vowel_opening_no_schwa']:.2f} sil={m['silence_rest']:.2f} "
                          f"r={m['sync_r']:.2f}@{m['sync_lag_ms']}ms", flush=True)
    return rows


def run_real(fps: float):
    """The no-transcript path on real recordings, against a careful forced alignment."""
    from makeittalk_server import pipeline
    from makeittalk_server.audio import SR, AudioClip
    from makeittalk_server.config import Settings
    from makeittalk_server.params import JobParams

    settings, rest, rows = Settings(), rest_face(), []
    for name, wav, text in real_speech.clips():
        x, phones = real_speech.aligned(wav, text)
        clip = AudioClip(samples=x, raw=x[:, None], source_sr=SR)
        track = pipeline.make_track(clip, None, JobParams(fps=fps, rest_landmarks=rest[:, :2].tolist()),
                                    settings, width=512, height=512)
        m = lipsync_metrics.measure(track.frames, fps, phones, clip.duration_s)
        m.update(clip=name, how=track.params["info"]["phones"])
        rows.append(m)
        print(f"real {name}: {m['how']} bil={m['bilabial_closure']:.2f} ({m['n_bilabial']}) "
              f"open={m['open_vowel_opening']:.2f} ({m['n_open']}) sil={m['silence_rest']:.2f} "
              f"r={m['sync_r']:.2f}@{m['sync_lag_ms']}ms", flush=True)
    return rows


def summary(rows):
    out = {}
    for mode in sorted({r["mode"] for r in rows}):
        rs = [r for r in rows if r["mode"] == mode]
        def pooled(key, n_key):
            num = sum(r[key] * r[n_key] for r in rs if r[n_key] and r[key] == r[key])
            den = sum(r[n_key] for r in rs if r[n_key] and r[key] == r[key])
            return num / den if den else float("nan")
        out[mode] = {
            "clips": len(rs),
            "bilabial_closure": pooled("bilabial_closure", "n_bilabial"),
            "open_vowel_opening": pooled("open_vowel_opening", "n_open"),
            "open_vowel_opening_no_schwa": float(np.nanmean([r["open_vowel_opening_no_schwa"] for r in rs])),
            "silence_rest": pooled("silence_rest", "n_silence_frames"),
            "sync_r_mean": float(np.mean([r["sync_r"] for r in rs])),
            "sync_r_min": float(np.min([r["sync_r"] for r in rs])),
            "sync_lag_ms_mean": float(np.mean([r["sync_lag_ms"] for r in rs])),
            "share_lag_within_40ms": float(np.mean([abs(r["sync_lag_ms"]) <= 40 for r in rs])),
            "acoustic_fallbacks": sum(r["how"] == "acoustic-fallback" for r in rs),
        }
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="heldout", choices=["heldout", "tune", "all"])
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--mode", choices=["recognised", "transcript", "both"], default="both")
    ap.add_argument("--limit", type=int, default=None, help="sentences per voice")
    ap.add_argument("--json", default=None)
    ap.add_argument("--real", action="store_true", help="also real recordings with known words")
    a = ap.parse_args(argv)
    if not espeak_timing.available():
        print("espeak-ng (libespeak-ng) is not installed: this evaluation needs it. "
              "On Debian/Ubuntu: apt install espeak-ng", file=sys.stderr)
        return 2
    modes = ("recognised", "transcript") if a.mode == "both" else (a.mode,)
    rows = run(a.set, a.fps, modes, a.limit)
    s = summary(rows)
    if a.real:
        s["real"] = run_real(a.fps)
    print(json.dumps(s, indent=2))
    if a.json:
        Path(a.json).write_text(json.dumps({"summary": s, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
