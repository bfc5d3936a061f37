"""Lip-sync quality of the default engine and its peers on the development sets in bench/speech_sets/.

    python bench/eval_lipsync.py [--set NAME|all] [--split all|tune|heldout] [--transcript] [--peers]
                                 [--oracle] [--fps 30] [--limit N] [--no-write]

One table per set: bilabial closure, open-vowel opening, silence at rest, sync correlation (best lag
within +-40 ms; mean over clips) for our engine without a transcript (always), with one (--transcript),
Rhubarb Lip Sync and the loudness mouth (--peers; see lipsync_peers.py). Figures go to
bench/results/lipsync_<set>.json. Reads audio + reference phones from files: needs neither espeak-ng
nor festival (bench/build_speech_sets.py made them). Tune on --split tune; report --split heldout.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402
import lipsync_metrics  # noqa: E402
import lipsync_peers  # noqa: E402
import speech_data  # noqa: E402

FACE = Path(__file__).resolve().parents[1] / "examples" / "monalisa.jpg"
MEASURES = ("bilabial_closure", "open_vowel_opening", "silence_rest", "sync_r")
SYSTEMS = {"ours": "ours, no transcript", "ours_transcript": "ours, with transcript",
           "ours_transcript_nofill": "ours, transcript without um/uh",
           "oracle": "ours fed the true phones", "rhubarb": "Rhubarb Lip Sync 1.x (wasm)",
           "loudness": "loudness mouth"}
# one ARPAbet phone per mouth class, to feed the reference phones of any phone set to our engine
CLASS_ARPA = {"bil": "P", "open": "AA", "schwa": "AH", "mid": "EH", "close": "IY", "fv": "F", "cons": "T"}


def rest_face():
    from makeittalk_server import image, landmarks
    from makeittalk_server.config import Settings

    return landmarks.detect(image.decode(FACE.read_bytes()), Settings()).landmarks


class Engine:
    """The default engine through the same entry point as the server and the command line."""

    def __init__(self):
        from makeittalk_server import engines
        from makeittalk_server.config import Settings

        self.settings = Settings()
        self.rest = rest_face()[:, :2].tolist()
        self.engine = engines.get("default", self.settings)
        self.engine.warm()

    def gap_oracle(self, x: np.ndarray, fps: float, phones, arpabet: bool):
        """Our animation model on the reference phones: what perfect recognition would give. Uses the
        engine's internal phone step (_phones); None when that hook is gone."""
        if not hasattr(self.engine, "_phones"):
            return None, 0.0, "no-hook"
        arpa = [(p if arpabet else CLASS_ARPA[c], s, e) for p, s, e, c in phones if c != "sil"]
        self.engine._phones = lambda *a, **k: (arpa, [], "transcript")
        try:
            return self.gap(x, fps, None)
        finally:
            del self.engine._phones

    def gap(self, x: np.ndarray, fps: float, transcript: str | None):
        from makeittalk_server import pipeline
        from makeittalk_server.audio import SR, AudioClip
        from makeittalk_server.params import JobParams

        clip = AudioClip(samples=x, raw=x[:, None], source_sr=SR)
        params = JobParams(fps=fps, rest_landmarks=self.rest, transcript=transcript)
        t0 = time.perf_counter()
        track = pipeline.make_track(clip, None, params, self.settings, width=512, height=512)
        info = track.params.get("info", {})
        self.last_confidence = _confidence(track)
        return lipsync_metrics.gap_curve(track.frames), time.perf_counter() - t0, info.get("phones", "")


def _confidence(track) -> dict:
    """The take's phone confidence and the share of it the add-on would mark for a look."""
    from makeittalk_blender.core import confidence

    s = confidence.summary(track)
    low = sum(b - a for a, b in s["low"])
    return {"phone_confidence": s["phone_confidence"], "low_conf_share": round(low / max(track.duration_s or len(track.frames) / track.fps, 1e-6), 3)}


FILLERS = re.compile(r"\b(uh|um|hm|er|ah|mm)\b[,.]?\s*", re.IGNORECASE)


def transcript_for(system: str, clip) -> str | None:
    """The text our engine gets: none, the full transcript, or one without the fillers a typist drops."""
    if system == "ours":
        return None
    return clip.transcript if system == "ours_transcript" else FILLERS.sub("", clip.transcript).strip()


def score(gap, fps, clip) -> dict:
    m = lipsync_metrics.measure_gap(gap, fps, clip.phones, clip.duration_s)
    m.update(clip=clip.id, split=clip.split, lang=clip.lang, speaker=clip.speaker)
    return m


def run_set(name: str, split: str, fps: float, systems: list[str], engine, limit: int | None,
            compute_rhubarb: bool = True):
    clips = speech_data.clips(name, None if split == "all" else split)[:limit]
    xs = [c.samples() for c in clips]
    rows = {s: [] for s in systems}
    cues = lipsync_peers.rhubarb_cues(xs, compute_rhubarb) if "rhubarb" in systems else []
    for k, (c, x) in enumerate(zip(clips, xs)):
        n = int(round(c.duration_s * fps))
        for s in systems:
            how, sec, conf = s, 0.0, {}
            if s == "ours_transcript_nofill" and transcript_for(s, c) == c.transcript:
                rows[s].append(dict(rows["ours_transcript"][-1]))   # no fillers in it: the same run
                continue
            if s == "oracle":
                gap, sec, how = engine.gap_oracle(x, fps, c.phones, c.meta.get("phone_set") == "arpabet")
                if gap is None:
                    continue
            elif s.startswith("ours"):
                gap, sec, how = engine.gap(x, fps, transcript_for(s, c))
                conf = dict(engine.last_confidence)
            elif s == "loudness":
                gap = lipsync_peers.loudness_gap(x, fps, n)
            elif cues[k] is None:              # Rhubarb not installed and not cached for this clip
                print(f"  {c.id}: no Rhubarb cue (not cached; npm ci --prefix bench/peers to compute)", flush=True)
                continue
            else:
                gap = lipsync_peers.cues_gap(cues[k], fps, n)
            m = score(gap, fps, c)
            m.update(how=how, seconds=round(sec, 3), **conf)
            rows[s].append(m)
        print(f"  {c.id:36s} " + " ".join(f"{s}={rows[s][-1]['sync_r']:.2f}" for s in systems
                                         if rows[s] and rows[s][-1]["clip"] == c.id), flush=True)
    return clips, rows


def pooled(rs: list[dict]) -> dict:
    def rate(key, n_key):
        ok = [r for r in rs if r[n_key] and r[key] == r[key]]
        den = sum(r[n_key] for r in ok)
        return sum(r[key] * r[n_key] for r in ok) / den if den else float("nan")

    if not rs:
        return {}
    return {"clips": len(rs), "bilabial_closure": rate("bilabial_closure", "n_bilabial"),
            "n_bilabial": sum(r["n_bilabial"] for r in rs),
            "open_vowel_opening": rate("open_vowel_opening", "n_open"), "n_open": sum(r["n_open"] for r in rs),
            "silence_rest": rate("silence_rest", "n_silence_frames"),
            "n_silence_frames": sum(r["n_silence_frames"] for r in rs),
            "sync_r": float(np.mean([r["sync_r"] for r in rs])), "sync_r_min": float(np.min([r["sync_r"] for r in rs])),
            "sync_lag_ms_mean": float(np.mean([r["sync_lag_ms"] for r in rs])),
            "acoustic_fallbacks": sum(r["how"] == "acoustic-fallback" for r in rs),
            **_mean_of(rs, "phone_confidence", "low_conf_share")}


def _mean_of(rs, *keys) -> dict:
    out = {}
    for k in keys:
        v = [r[k] for r in rs if r.get(k) is not None]
        if v:
            out[k] = round(float(np.mean(v)), 3)
    return out


def table(name: str, split: str, summary: dict) -> str:
    head = f"\n{name} ({split})\n| system | clips | bilabial closure | open-vowel opening | silence at rest | sync corr (±40 ms) | phone conf (share flagged) |"
    lines = [head, "|---|---|---|---|---|---|---|"]
    for s, p in summary.items():
        if p:
            lines.append(f"| {SYSTEMS[s]} | {p['clips']} | {p['bilabial_closure']:.3f} | {p['open_vowel_opening']:.3f} | "
                         f"{p['silence_rest']:.3f} | {p['sync_r']:.3f} | {_conf_cell(p)} |")
    return "\n".join(lines)


def _conf_cell(p: dict) -> str:
    if p.get("phone_confidence") is None:
        return "-"
    return f"{p['phone_confidence']:.2f} ({p.get('low_conf_share', 0):.2f})"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="all", help="|".join(speech_data.SETS) + "|all")
    ap.add_argument("--split", default="all", choices=["all", "tune", "heldout"])
    ap.add_argument("--transcript", action="store_true", help="also our engine with the transcript")
    ap.add_argument("--peers", action="store_true", help="also Rhubarb and the loudness mouth")
    ap.add_argument("--oracle", action="store_true", help="also our animation model fed the true phones")
    ap.add_argument("--cached-rhubarb", action="store_true",
                    help="Rhubarb only where its cues are cached (it takes ~2 s of CPU per second of audio)")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--limit", type=int, default=None, help="first N clips per set (quick checks)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/results alone")
    ap.add_argument("--json", default=None, help="also write everything to this file")
    a = ap.parse_args(argv)
    if a.set in ("tune", "heldout"):           # issue 3's form: its espeak English sets
        a.set, a.split = "en_synth", a.set
    sets = speech_data.available() if a.set == "all" else [a.set]
    if not sets or any(s not in speech_data.available() for s in sets):
        print(f"unknown set {a.set!r}; have: {', '.join(speech_data.available())}", file=sys.stderr)
        return 2
    systems = ["ours"] + (["ours_transcript", "ours_transcript_nofill"] if a.transcript else []) + \
        (["oracle"] if a.oracle else []) + (["rhubarb", "loudness"] if a.peers else [])
    if a.peers and not lipsync_peers.available():
        print("note: Rhubarb not installed (npm ci --prefix bench/peers): cached cues only", file=sys.stderr)
    engine, tables = Engine(), []
    for name in sets:
        print(f"{name}:", flush=True)
        clips = speech_data.clips(name, None if a.split == "all" else a.split)[:a.limit]
        fill = any(transcript_for("ours_transcript_nofill", c) != c.transcript for c in clips)
        clips, rows = run_set(name, a.split, a.fps, [s for s in systems if fill or s != "ours_transcript_nofill"],
                              engine, a.limit, not a.cached_rhubarb)
        by_split = {sp: {s: pooled([r for r in rows[s] if sp == "all" or r["split"] == sp]) for s in rows}
                    for sp in ("all", "tune", "heldout")}
        tables.append(table(name, a.split, by_split["all"]))
        print(tables[-1], flush=True)
        doc = {"command": "python bench/eval_lipsync.py " + " ".join(argv if argv is not None else sys.argv[1:]),
               "set": name, "split": a.split, "fps": a.fps, "systems": SYSTEMS, "summary": by_split, "rows": rows}
        if not a.no_write:
            benchlib.write_result(f"lipsync_{name}", doc)
        if a.json:
            out = Path(a.json) if len(sets) == 1 else Path(a.json).with_name(f"{Path(a.json).stem}_{name}.json")
            benchlib.write_result(f"lipsync_{name}", doc, out)
    print("\n".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
